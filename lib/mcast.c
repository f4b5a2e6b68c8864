/*
 * mcast.c: everything multicast: group and interface parsing, sender
 * options, the receiving socket, RFC 3678 joins (MCAST_JOIN_GROUP,
 * MCAST_JOIN_SOURCE_GROUP), which group a datagram went to, and the
 * diagnostics of silence.
 */
/* glibc declares RFC 3542's struct in6_pktinfo only under _GNU_SOURCE. */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "err.h"
#include "mcast.h"
#include "sock.h"

int
mcast_family(int family, const char *group)
{
	if (family != AF_UNSPEC)
		return family;
	return group != NULL && strchr(group, ':') != NULL ? AF_INET6 :
	    AF_INET;
}

int
mcast_group(const char *s, int family, struct sockaddr_storage *g,
    const char **why)
{
	struct sockaddr_in *g4 = (struct sockaddr_in *)g;
	struct sockaddr_in6 *g6 = (struct sockaddr_in6 *)g;

	memset(g, 0, sizeof(*g));
	if (family != AF_INET6 && inet_pton(AF_INET, s, &g4->sin_addr) == 1) {
		g4->sin_family = AF_INET;
		*why = "not a multicast address (224.0.0.0/4)";
		return IN_MULTICAST(ntohl(g4->sin_addr.s_addr)) ? AF_INET : -1;
	}
	if (family != AF_INET && inet_pton(AF_INET6, s, &g6->sin6_addr) == 1) {
		g6->sin6_family = AF_INET6;
		*why = "not a multicast address (ff00::/8)";
		return IN6_IS_ADDR_MULTICAST(&g6->sin6_addr) ? AF_INET6 : -1;
	}
	*why = family == AF_INET ? "not an IPv4 address" :
	    family == AF_INET6 ? "not an IPv6 address" :
	    "not an IPv4 or IPv6 address";
	return -1;
}

int
mcast_source(const char *s, int family, struct sockaddr_storage *src)
{
	memset(src, 0, sizeof(*src));
	src->ss_family = (sa_family_t)family;
	if (family == AF_INET && inet_pton(AF_INET, s,
	    &((struct sockaddr_in *)src)->sin_addr) == 1)
		return 0;
	if (family == AF_INET6 && inet_pton(AF_INET6, s,
	    &((struct sockaddr_in6 *)src)->sin6_addr) == 1)
		return 0;
	return -1;
}

/*
 * spec's address into addr and its family, or 0 for a name; an IPv6
 * address may carry its interface, "fe80::1%eth0": its name into scope.
 */
static int
iface_addr(const char *spec, unsigned char *addr, char *scope, size_t cap)
{
	char a[INET6_ADDRSTRLEN];
	const char *pct = strchr(spec, '%');

	*scope = '\0';
	if (inet_pton(AF_INET, spec, addr) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, spec, addr) == 1)
		return AF_INET6;
	if (pct == NULL || (size_t)(pct - spec) >= sizeof(a))
		return 0;
	snprintf(a, sizeof(a), "%.*s", (int)(pct - spec), spec);
	if (inet_pton(AF_INET6, a, addr) != 1)
		return 0;
	snprintf(scope, cap, "%s", pct + 1);
	return AF_INET6;
}

bool
mcast_iface_fits(const char *spec, int family)
{
	unsigned char addr[sizeof(struct in6_addr)];
	char scope[IF_NAMESIZE + 8];
	int afam = iface_addr(spec, addr, scope, sizeof(scope));

	return afam == 0 || afam == family;	/* a name: either family */
}

static bool
addr_is(const struct sockaddr *sa, int family, const void *addr)
{
	if (sa == NULL || sa->sa_family != family)
		return false;
	if (family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, addr, sizeof(struct in_addr)) == 0;
	return memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->
	    sin6_addr, addr, sizeof(struct in6_addr)) == 0;
}

void
mcast_iface(const char *spec, int family, struct mcast_if *ifc)
{
	struct ifaddrs *ifs, *i;
	unsigned char addr[sizeof(struct in6_addr)];
	char scope[IF_NAMESIZE + 8];
	int afam;
	bool found = false;

	memset(ifc, 0, sizeof(*ifc));
	afam = iface_addr(spec, addr, scope, sizeof(scope));
	if (afam == 0 && strlen(spec) >= IF_NAMESIZE)
		nd_errx(ND_EXIT_RUN, "interface %s: no such interface", spec);
	if (*scope != '\0' && if_nametoindex(scope) == 0)
		nd_errx(ND_EXIT_RUN, "interface %s: no interface %s", spec,
		    scope);
	if (getifaddrs(&ifs) < 0)
		nd_err(ND_EXIT_RUN, "getifaddrs");
	/*
	 * By address: find its name (a link-local one may be on several:
	 * "%eth0" says which); by name: find its IPv4 address.
	 */
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (afam ? !addr_is(i->ifa_addr, afam, addr) ||
		    (*scope != '\0' && strcmp(i->ifa_name, scope) != 0) :
		    strcmp(i->ifa_name, spec) != 0)
			continue;
		if (!found) {
			snprintf(ifc->name, sizeof(ifc->name), "%s",
			    i->ifa_name);
			ifc->flags = i->ifa_flags;
			found = true;
		}
		if (afam == AF_INET) {
			memcpy(&ifc->addr4, addr, sizeof(ifc->addr4));
			ifc->has4 = true;
		} else if (!ifc->has4 && i->ifa_addr != NULL &&
		    i->ifa_addr->sa_family == AF_INET) {
			ifc->addr4 = ((struct sockaddr_in *)(void *)
			    i->ifa_addr)->sin_addr;
			ifc->has4 = true;
		}
	}
	freeifaddrs(ifs);
	if (!found && afam)
		nd_errx(ND_EXIT_RUN, "interface %s: no interface has this "
		    "address", spec);
	if (!found || (ifc->index = if_nametoindex(ifc->name)) == 0)
		nd_errx(ND_EXIT_RUN, "interface %s: no such interface", spec);
	if (family == AF_INET && !ifc->has4)
		nd_errx(ND_EXIT_RUN, "interface %s: has no IPv4 address", spec);
}

void
mcast_sender(int fd, int family, const struct mcast_if *ifc, int ttl,
    bool loop_on)
{
	if (family == AF_INET) {
		unsigned char t = (unsigned char)ttl,
		    loop = (unsigned char)loop_on;

		if (c_setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifc->addr4,
		    sizeof(ifc->addr4)) < 0)
			nd_err(ND_EXIT_RUN, "interface %s", ifc->name);
		if (c_setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &t,
		    sizeof(t)) < 0)
			nd_err(ND_EXIT_RUN, "setsockopt IP_MULTICAST_TTL");
		if (c_setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
		    sizeof(loop)) < 0)
			nd_err(ND_EXIT_RUN, "setsockopt IP_MULTICAST_LOOP");
		return;
	}
	unsigned idx = ifc->index, loop6 = loop_on;

	if (c_setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &idx,
	    sizeof(idx)) < 0)
		nd_err(ND_EXIT_RUN, "interface %s", ifc->name);
	if (c_setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl,
	    sizeof(ttl)) < 0)
		nd_err(ND_EXIT_RUN, "setsockopt IPV6_MULTICAST_HOPS");
	if (c_setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &loop6,
	    sizeof(loop6)) < 0)
		nd_err(ND_EXIT_RUN, "setsockopt IPV6_MULTICAST_LOOP");
}

static int
membership(int fd, int join, const struct sockaddr_storage *g,
    const struct sockaddr_storage *src, const struct mcast_if *ifc)
{
	int level = g->ss_family == AF_INET ? IPPROTO_IP : IPPROTO_IPV6;

	if (src == NULL) {
		struct group_req gr;

		memset(&gr, 0, sizeof(gr));
		gr.gr_interface = ifc->index;
		memcpy(&gr.gr_group, g, sizeof(*g));
		return c_setsockopt(fd, level, join ? MCAST_JOIN_GROUP :
		    MCAST_LEAVE_GROUP, &gr, sizeof(gr));
	}
	struct group_source_req gsr;

	memset(&gsr, 0, sizeof(gsr));
	gsr.gsr_interface = ifc->index;
	memcpy(&gsr.gsr_group, g, sizeof(*g));
	memcpy(&gsr.gsr_source, src, sizeof(*src));
	return c_setsockopt(fd, level, join ? MCAST_JOIN_SOURCE_GROUP :
	    MCAST_LEAVE_SOURCE_GROUP, &gsr, sizeof(gsr));
}

void
mcast_join(int fd, const struct sockaddr_storage *g,
    const struct sockaddr_storage *src, const struct mcast_if *ifc)
{
	char gs[INET6_ADDRSTRLEN], ss[SOCK_ADDRLEN];

	if (membership(fd, 1, g, src, ifc) == 0)
		return;
	sock_ntoa((const struct sockaddr *)g, gs, sizeof(gs));
	if (src == NULL)
		nd_err(ND_EXIT_RUN, "join %s on %s", gs, ifc->name);
	sock_ntoa((const struct sockaddr *)src, ss, sizeof(ss));
	nd_err(ND_EXIT_RUN, "join %s from %s on %s", gs, ss, ifc->name);
}

void
mcast_leave(int fd, const struct sockaddr_storage *g,
    const struct sockaddr_storage *src, const struct mcast_if *ifc)
{
	if (membership(fd, 0, g, src, ifc) < 0)
		nd_warn("leave group on %s", ifc->name);
}

/* The first line of a small file under /proc, or -1. */
static int
read_int(const char *path)
{
	FILE *fp = fopen(path, "r");
	int v = -1;

	if (fp == NULL)
		return -1;
	if (fscanf(fp, "%d", &v) != 1)
		v = -1;
	fclose(fp);
	return v;
}

void
mcast_diagnose(const struct sockaddr_storage *g, const struct mcast_if *ifc,
    long long port)
{
	char path[128];
	struct stat sb;
	int fd, rp_all, rp_if;

	nd_warnx("checks for %s on %s port %lld:", g->ss_family == AF_INET ?
	    "IPv4 multicast" : "IPv6 multicast", ifc->name, port);
	/* A route lookup for the group says whether it can leave at all. */
	if ((fd = c_socket(g->ss_family, SOCK_DGRAM, 0)) >= 0) {
		struct sockaddr_storage d = *g;

		((struct sockaddr_in *)&d)->sin_port = htons((uint16_t)
		    (port ? port : 9));
		if (g->ss_family == AF_INET6)
			((struct sockaddr_in6 *)&d)->sin6_scope_id = ifc->index;
		if (c_connect(fd, (struct sockaddr *)&d, g->ss_family ==
		    AF_INET ? sizeof(struct sockaddr_in) :
		    sizeof(struct sockaddr_in6)) < 0)
			nd_warnx("  no route: the host has no route for the "
			    "group (%s); add one, e.g. %s dev %s%s",
			    strerror(errno), g->ss_family == AF_INET ?
			    "ip route add 224.0.0.0/4" :
			    "ip -6 route add multicast ff00::/8", ifc->name,
			    g->ss_family == AF_INET ? "" : " table local");
		else
			nd_warnx("  route: the host has a route for the group");
		c_close(fd);
	}
	if (!(ifc->flags & IFF_MULTICAST)) {
		if ((ifc->flags & IFF_LOOPBACK) && g->ss_family == AF_INET)
			nd_warnx("  %s has no MULTICAST flag (IPv4 on loopback "
			    "works without it)", ifc->name);
		else
			nd_warnx("  %s has no MULTICAST flag; ip link set dev "
			    "%s multicast on", ifc->name, ifc->name);
	}
	if (g->ss_family == AF_INET) {
		rp_all = read_int("/proc/sys/net/ipv4/conf/all/rp_filter");
		snprintf(path, sizeof(path),
		    "/proc/sys/net/ipv4/conf/%s/rp_filter", ifc->name);
		rp_if = read_int(path);
		if (rp_all > 0 || rp_if > 0)
			nd_warnx("  rp_filter is %d on %s (all: %d): datagrams "
			    "from sources not routed back through %s are "
			    "dropped", rp_if, ifc->name, rp_all, ifc->name);
		else if (rp_if == 0)
			nd_warnx("  rp_filter: off on %s", ifc->name);
	}
	if (stat("/proc/net/ip_tables_names", &sb) == 0 || stat("/usr/sbin/nft",
	    &sb) == 0)
		nd_warnx("  firewall: check that UDP port %lld is allowed "
		    "(nft list ruleset; iptables -L)", port);
	nd_warnx("  sender: is one running, with --ttl large enough for "
	    "the routers between, and --loop if it is on this host?");
}

/*
 * The destination of a received datagram, from IP(V6)_PKTINFO, and its
 * TTL or hop limit (IP_RECVTTL, IPV6_RECVHOPLIMIT) into *ttl.
 */
static bool
dst_of(struct msghdr *msg, struct sockaddr_storage *dst, int *ttl)
{
	bool found = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	    c = CMSG_NXTHDR(msg, c)) {
#ifdef IP_TTL
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
			continue;
		}
#endif
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
			continue;
		}
#ifdef IP_PKTINFO
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *s = (struct sockaddr_in *)dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(s, 0, sizeof(*s));
			s->sin_family = AF_INET;
			s->sin_addr = pi.ipi_addr;
			found = true;
			continue;
		}
#endif
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(s, 0, sizeof(*s));
			s->sin6_family = AF_INET6;
			s->sin6_addr = pi.ipi6_addr;
			found = true;
		}
	}
	return found;
}

int
mcast_dest(struct msghdr *msg, const struct sockaddr_storage *groups,
    int ngroups, int *ttl)
{
	struct sockaddr_storage dst;

	if (!dst_of(msg, &dst, ttl))
		return ngroups == 1 ? 0 : -1;
	for (int i = 0; i < ngroups; i++)
		if (sock_same(&dst, &groups[i], false))
			return i;
	return -1;
}

int
mcast_recv_socket(int family, long long port, char *name, size_t cap,
    long long *bound)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)family };
	socklen_t len = sock_len(&ss);
	int fd, one = 1, zero = 0;

	if ((fd = c_socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		nd_err(ND_EXIT_RUN, "socket");
	/* Several receivers share a port, as in the tutorial. */
	if (c_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		nd_err(ND_EXIT_RUN, "setsockopt SO_REUSEADDR");
	sock_set_port(&ss, (unsigned)port);
	if (family == AF_INET) {
#ifdef IP_MULTICAST_ALL
		/* Else a wildcard socket gets every group any process joined. */
		if (c_setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero,
		    sizeof(zero)) < 0)
			nd_err(ND_EXIT_RUN, "setsockopt IP_MULTICAST_ALL");
#endif
#ifdef IP_PKTINFO
		(void)c_setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
#endif
#ifdef IP_RECVTTL
		(void)c_setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
#endif
	} else {
		(void)c_setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
#ifdef IPV6_MULTICAST_ALL
		(void)c_setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero,
		    sizeof(zero));
#endif
		(void)c_setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one));
		(void)c_setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
		    sizeof(one));
	}
	(void)zero;
	if (c_bind(fd, (struct sockaddr *)&ss, len) < 0) {
		sock_ntop((struct sockaddr *)&ss, name, cap);
		nd_err(ND_EXIT_RUN, "bind %s", name);
	}
	len = sizeof(ss);
	if (c_getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		nd_err(ND_EXIT_RUN, "getsockname");
	sock_ntop((struct sockaddr *)&ss, name, cap);
	*bound = sock_port(&ss);
	return fd;
}
