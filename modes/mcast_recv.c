/*
 * mcast_recv.c: join --group (any-source or --source) on --interface and
 * print what is sent to the joined groups (recv_udp_multicast.py).
 * Several receivers share a port (SO_REUSEADDR); each sees only its own
 * groups (IP_MULTICAST_ALL off on Linux, a destination check elsewhere).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <unistd.h>

#include "dgram.h"
#include "err.h"
#include "mcast.h"
#include "mode.h"
#include "sock.h"

struct mrecv {
	struct sockaddr_storage	 groups[OPTS_MAX_GROUPS];
	struct sockaddr_storage	 src;
	struct mcast_if		 ifc;
	long long		 port;
};

static void
on_silence(void *arg)
{
	struct mrecv *m = arg;

	mcast_diagnose(&m->groups[0], &m->ifc, m->port);
}

static int
bind_wildcard(int fam, const struct nd_args *a, char *name, size_t cap,
    long long *port)
{
	struct sockaddr_storage ss = { .ss_family = (sa_family_t)fam };
	socklen_t len = fam == AF_INET ? sizeof(struct sockaddr_in) :
	    sizeof(struct sockaddr_in6);
	int fd, one = 1, zero = 0;

	if ((fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		nd_err(ND_EXIT_RUN, "socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		nd_err(ND_EXIT_RUN, "setsockopt SO_REUSEADDR");
	if (fam == AF_INET) {
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)a->port);
#ifdef IP_MULTICAST_ALL
		/* Else a wildcard socket gets every group any process joined. */
		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, &zero,
		    sizeof(zero)) < 0)
			nd_err(ND_EXIT_RUN, "setsockopt IP_MULTICAST_ALL");
#endif
#ifdef IP_PKTINFO
		(void)setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
#endif
#ifdef IP_RECVTTL
		(void)setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one));
#endif
	} else {
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)
		    a->port);
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
#ifdef IPV6_MULTICAST_ALL
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero,
		    sizeof(zero));
#endif
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
		    sizeof(one));
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one,
		    sizeof(one));
	}
	(void)zero;
	if (bind(fd, (struct sockaddr *)&ss, len) < 0) {
		sock_ntop((struct sockaddr *)&ss, name, cap);
		nd_err(ND_EXIT_RUN, "bind %s", name);
	}
	len = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		nd_err(ND_EXIT_RUN, "getsockname");
	sock_ntop((struct sockaddr *)&ss, name, cap);
	*port = ntohs(fam == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
	    ((struct sockaddr_in6 *)&ss)->sin6_port);
	return fd;
}

static int
mcast_recv_run(const struct nd_args *args)
{
	struct nd_args a = *args;
	struct mrecv m;
	struct dgram_rx rx = { .a = &a, .groups = m.groups,
	    .on_silence = on_silence, .arg = &m };
	char name[SOCK_NAMELEN], gs[INET6_ADDRSTRLEN];
	int fam = 0, rc;

	mcast_defaults(&a);
	for (int i = 0; i < a.ngroups; i++) {
		int f = mcast_group(a.groups[i], fam ? fam : a.family,
		    &m.groups[i]);

		fam = fam ? fam : f;
	}
	if (a.source != NULL)
		mcast_source(a.source, fam, &m.src);
	mcast_iface(a.iface, fam, &m.ifc);
	rx.ngroups = a.ngroups;
	rx.fd = bind_wildcard(fam, &a, name, sizeof(name), &m.port);
	dgram_rcvbuf(rx.fd);
	for (int i = 0; i < a.ngroups; i++) {
		mcast_join(rx.fd, &m.groups[i], a.source ? &m.src : NULL,
		    &m.ifc);
		sock_ntoa((struct sockaddr *)&m.groups[i], gs, sizeof(gs));
		if (a.source != NULL)
			nd_warnx("joined %s from %s on %s", gs, a.source,
			    a.iface);
		else
			nd_warnx("joined %s on %s", gs, a.iface);
	}
	sock_announce("listening on", name);
	rc = dgram_recv(&rx);
	for (int i = 0; i < a.ngroups; i++)
		mcast_leave(rx.fd, &m.groups[i], a.source ? &m.src : NULL,
		    &m.ifc);
	if (a.verbose)
		nd_warnx("left %d group%s on %s", a.ngroups,
		    a.ngroups == 1 ? "" : "s", a.iface);
	close(rx.fd);
	return rc;
}

static void
mcast_recv_defaults(struct nd_args *a)
{
	a->groups[0] = MCAST_GROUP4;
	a->ngroups = 1;
	a->iface = MCAST_IFACE4;
}

const struct nd_mode mcast_recv_mode = {
	.name = "mcast-recv",
	.summary = "join a multicast group on an interface, print every "
	    "datagram",
	.uses = OPT_GROUP | OPT_SOURCE | OPT_SEQ | OPT_MAXLOSS,
	.listens = true,
	.defaults = mcast_recv_defaults,
	.run = mcast_recv_run,
};
