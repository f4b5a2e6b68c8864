/*
 * call.c: the socket system calls through one layer, and --trace: a line
 * per call in the words of the socket tutorial, arguments readable, the
 * result and errno by name.  A hot loop is summarised (call.h).
 */
/* glibc declares recvmmsg(2), sendmmsg(2) and accept4(2) under _GNU_SOURCE. */
#define _GNU_SOURCE
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <net/if.h>
#ifdef __linux__
#include <netinet/udp.h>
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "out.h"

bool call_tracing;
static bool call_json;

void
call_trace(bool json)
{
	call_tracing = true;
	call_json = json;
}

/*
 * Calls of one kind on one descriptor: the first CALL_SHOWN are written,
 * the rest counted here until a summary.
 */
struct hot {
	const char	*name;		/* NULL: a free slot */
	int		 fd;
	unsigned long long shown;	/* written one by one */
	unsigned long long quiet;	/* counted since the last summary */
	unsigned long long blocked;	/* of those, EAGAIN */
	long long	 bytes;		/* of those */
	long long	 since_ms;	/* the first of those */
	long long	 last_ms;	/* the last of those */
};

#define NHOT	32
static struct hot hots[NHOT];

static const struct {
	int	 e;
	const char *name;
} errnames[] = {
	{ EAGAIN, "EAGAIN" }, { EINTR, "EINTR" }, { EINPROGRESS, "EINPROGRESS" },
	{ ECONNREFUSED, "ECONNREFUSED" }, { ECONNRESET, "ECONNRESET" },
	{ EPIPE, "EPIPE" }, { EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EACCES, "EACCES" },
	{ EPERM, "EPERM" }, { EBADF, "EBADF" }, { EINVAL, "EINVAL" },
	{ EMFILE, "EMFILE" }, { ENFILE, "ENFILE" }, { ENOBUFS, "ENOBUFS" },
	{ ENOMEM, "ENOMEM" }, { ENOTCONN, "ENOTCONN" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EHOSTUNREACH, "EHOSTUNREACH" },
	{ ENETUNREACH, "ENETUNREACH" }, { EMSGSIZE, "EMSGSIZE" },
	{ ENOPROTOOPT, "ENOPROTOOPT" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ENODEV, "ENODEV" },
	{ ECONNABORTED, "ECONNABORTED" }, { EALREADY, "EALREADY" },
	{ EISCONN, "EISCONN" }, { ENOTSOCK, "ENOTSOCK" }, { EIO, "EIO" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { EDESTADDRREQ, "EDESTADDRREQ" },
	{ ENOENT, "ENOENT" }, { ENOSPC, "ENOSPC" }, { ESRCH, "ESRCH" },
	{ ENXIO, "ENXIO" }, { EFAULT, "EFAULT" }, { ENOSYS, "ENOSYS" },
#if EWOULDBLOCK != EAGAIN
	{ EWOULDBLOCK, "EWOULDBLOCK" },
#endif
};

static const char *
errname(int e, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++)
		if (errnames[i].e == e)
			return errnames[i].name;
	snprintf(buf, cap, "errno %d", e);
	return buf;
}

/* "127.0.0.1:4000", "[::1]:4000", "[fe80::1%eth0]:4000". */
static const char *
addr_str(const struct sockaddr *sa, char *buf, size_t cap)
{
	char a[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];

	if (sa == NULL)
		snprintf(buf, cap, "-");
	else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;

		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		snprintf(buf, cap, "%s:%u", a, ntohs(s4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;

		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		if (s6->sin6_scope_id != 0 &&
		    if_indextoname(s6->sin6_scope_id, ifn) != NULL)
			snprintf(buf, cap, "[%s%%%s]:%u", a, ifn,
			    ntohs(s6->sin6_port));
		else
			snprintf(buf, cap, "[%s]:%u", a, ntohs(s6->sin6_port));
	} else
		snprintf(buf, cap, "family %d", sa->sa_family);
	return buf;
}

/* An address without its port, for group and source addresses. */
static const char *
host_str(const struct sockaddr *sa, char *buf, size_t cap)
{
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)
		    sa)->sin_addr, buf, (socklen_t)cap);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)
		    sa)->sin6_addr, buf, (socklen_t)cap);
	else
		snprintf(buf, cap, "?");
	return buf;
}

static const char *
ifname(unsigned idx, char *buf)
{
	if (idx == 0)
		return "any interface";
	if (if_indextoname(idx, buf) == NULL)
		snprintf(buf, IF_NAMESIZE, "if%u", idx);
	return buf;
}

/* Write one line of trace: text, or a json object with its parts. */
static void
emit(const char *name, int fd, const char *text, long long ret,
    const char *err)
{
	char t[OUT_JSONSTR_MAX(512) + 1], f[OUT_JSONSTR_MAX(512) + 128];

	if (!call_json) {
		nd_warnx("%s", text);
		return;
	}
	snprintf(f, sizeof(f), ",\"call\":\"%s\",\"fd\":%d,\"ret\":%lld,"
	    "\"errno\":%s%s%s,\"text\":%s", name, fd, ret, err ? "\"" : "",
	    err ? err : "null", err ? "\"" : "", json_str(t, sizeof(t), text));
	out_event("call", NULL, f);
}

/* The summary of what h counted quietly, then none counted. */
static void
hot_flush(struct hot *h)
{
	char line[256], f[320];
	double s;

	if (h->quiet == 0)
		return;
	s = (double)(h->last_ms - h->since_ms) / 1000;
	if (!call_json) {
		int n;

		if (h->fd >= 0)
			n = snprintf(line, sizeof(line), "%s(%d) ×%llu more "
			    "in %.2f s", h->name, h->fd, h->quiet, s);
		else
			n = snprintf(line, sizeof(line), "%s ×%llu more in "
			    "%.2f s", h->name, h->quiet, s);
		if (h->bytes > 0 && n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n,
			    ", %lld bytes", h->bytes);
		if (h->blocked > 0 && n > 0 && (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n,
			    ", %llu would block", h->blocked);
		nd_warnx("%s", line);
	} else {
		snprintf(f, sizeof(f), ",\"call\":\"%s\",\"fd\":%d,\"count\":"
		    "%llu,\"seconds\":%.3f,\"bytes\":%lld,\"would_block\":%llu",
		    h->name, h->fd, h->quiet, s, h->bytes, h->blocked);
		out_event("calls", NULL, f);
	}
	h->quiet = h->blocked = 0;
	h->bytes = 0;
}

static struct hot *
hot_find(const char *name, int fd)
{
	struct hot *h, *free_slot = NULL, *oldest = &hots[0];

	for (h = hots; h < hots + NHOT; h++) {
		if (h->name == name && h->fd == fd)
			return h;
		if (h->name == NULL && free_slot == NULL)
			free_slot = h;
		else if (h->name != NULL && h->last_ms < oldest->last_ms)
			oldest = h;
	}
	if (free_slot == NULL) {
		hot_flush(oldest);
		free_slot = oldest;
	}
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->name = name;
	free_slot->fd = fd;
	return free_slot;
}

void
call_flush(void)
{
	for (struct hot *h = hots; h < hots + NHOT; h++)
		if (h->name != NULL)
			hot_flush(h);
}

/* The descriptor is gone: what was counted on it, then forget it. */
static void
hot_forget(int fd)
{
	for (struct hot *h = hots; h < hots + NHOT; h++)
		if (h->name != NULL && h->fd == fd) {
			hot_flush(h);
			h->name = NULL;
		}
}

/*
 * One call done: "NAME(ARGS) = RET EXTRA" or "NAME(ARGS) = -1 ERRNO
 * (why)".  A routine result (notable false) counts toward the summary of
 * its kind once CALL_SHOWN of them were written; bytes moved go into the
 * summary.
 */
static void __attribute__((format(printf, 8, 9)))
traced(const char *name, int fd, long long ret, int err, long long bytes,
    bool notable, const char *extra, const char *fmt, ...)
{
	char args[256], line[512], eb[24];
	const char *en = NULL;
	long long now = clock_ms();
	struct hot *h = hot_find(name, fd);
	va_list ap;

	if (ret < 0)
		en = errname(err, eb, sizeof(eb));
	if (!notable && h->shown >= CALL_SHOWN) {
		if (h->quiet == 0)
			h->since_ms = now;
		h->quiet++;
		h->last_ms = now;
		if (ret < 0)
			h->blocked++;
		else
			h->bytes += bytes;
		if (now - h->since_ms >= 1000)
			hot_flush(h);
		return;
	}
	hot_flush(h);
	h->shown++;
	h->last_ms = now;
	va_start(ap, fmt);
	/* va_start is right above; the analyzer loses track of it. */
	vsnprintf(args, sizeof(args), fmt, ap); /* NOLINT */
	va_end(ap);
	if (ret < 0)
		snprintf(line, sizeof(line), "%s = -1 %s (%s)", args, en,
		    strerror(err));
	else
		snprintf(line, sizeof(line), "%s = %lld%s%s", args, ret,
		    extra != NULL && *extra != ',' ? " " : "", extra != NULL ?
		    extra : "");
	emit(name, fd, line, ret, en);
}

/* A result that is a failure worth its own line: not EAGAIN. */
static bool
failed(long long rc, int err)
{
	return rc < 0 && err != EAGAIN && err != EWOULDBLOCK;
}

static const char *
family_name(int d, char *buf, size_t cap)
{
	switch (d) {
	case AF_INET:
		return "AF_INET";
	case AF_INET6:
		return "AF_INET6";
	case AF_UNSPEC:
		return "AF_UNSPEC";
	default:
		snprintf(buf, cap, "%d", d);
		return buf;
	}
}

int
c_socket(int domain, int type, int protocol)
{
	int rc = socket(domain, type, protocol);
	char fb[16];

	if (call_tracing) {
		int e = errno;

		int base = type;
		const char *tn;

#ifdef SOCK_NONBLOCK
		base &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
#endif
		tn = base == SOCK_STREAM ? "SOCK_STREAM" : base == SOCK_DGRAM ?
		    "SOCK_DGRAM" : "SOCK_?";
		traced("socket", -1, rc, e, 0, true, NULL, "socket(%s, %s%s%s)",
		    family_name(domain, fb, sizeof(fb)), tn,
#ifdef SOCK_NONBLOCK
		    (type & SOCK_NONBLOCK) ? "|SOCK_NONBLOCK" : "",
		    (type & SOCK_CLOEXEC) ? "|SOCK_CLOEXEC" : ""
#else
		    "", ""
#endif
		    );
		errno = e;
	}
	return rc;
}

/*
 * Option names by level; MCAST_* are the same at both IP levels (ANY_IP),
 * where no other option has their numbers.
 */
#define ANY_IP	(-1)

struct optname {
	int	 level, name;
	const char *s;
};

static const struct optname optnames[] = {
	{ SOL_SOCKET, SO_REUSEADDR, "SO_REUSEADDR" },
#ifdef SO_REUSEPORT
	{ SOL_SOCKET, SO_REUSEPORT, "SO_REUSEPORT" },
#endif
	{ SOL_SOCKET, SO_RCVBUF, "SO_RCVBUF" },
	{ SOL_SOCKET, SO_SNDBUF, "SO_SNDBUF" },
#ifdef SO_RCVBUFFORCE
	{ SOL_SOCKET, SO_RCVBUFFORCE, "SO_RCVBUFFORCE" },
	{ SOL_SOCKET, SO_SNDBUFFORCE, "SO_SNDBUFFORCE" },
#endif
	{ SOL_SOCKET, SO_RCVTIMEO, "SO_RCVTIMEO" },
	{ SOL_SOCKET, SO_SNDTIMEO, "SO_SNDTIMEO" },
	{ SOL_SOCKET, SO_TIMESTAMP, "SO_TIMESTAMP" },
	{ SOL_SOCKET, SO_ERROR, "SO_ERROR" },
	{ SOL_SOCKET, SO_KEEPALIVE, "SO_KEEPALIVE" },
	{ SOL_SOCKET, SO_LINGER, "SO_LINGER" },
	{ SOL_SOCKET, SO_BROADCAST, "SO_BROADCAST" },
	{ SOL_SOCKET, SO_TYPE, "SO_TYPE" },
	{ IPPROTO_TCP, TCP_NODELAY, "TCP_NODELAY" },
#ifdef UDP_SEGMENT
	{ IPPROTO_UDP, UDP_SEGMENT, "UDP_SEGMENT" },
#endif
#ifdef UDP_GRO
	{ IPPROTO_UDP, UDP_GRO, "UDP_GRO" },
#endif
	{ ANY_IP, MCAST_JOIN_GROUP, "MCAST_JOIN_GROUP" },
	{ ANY_IP, MCAST_LEAVE_GROUP, "MCAST_LEAVE_GROUP" },
	{ ANY_IP, MCAST_JOIN_SOURCE_GROUP, "MCAST_JOIN_SOURCE_GROUP" },
	{ ANY_IP, MCAST_LEAVE_SOURCE_GROUP, "MCAST_LEAVE_SOURCE_GROUP" },
	{ IPPROTO_IP, IP_ADD_MEMBERSHIP, "IP_ADD_MEMBERSHIP" },
	{ IPPROTO_IP, IP_DROP_MEMBERSHIP, "IP_DROP_MEMBERSHIP" },
	{ IPPROTO_IP, IP_MULTICAST_IF, "IP_MULTICAST_IF" },
	{ IPPROTO_IP, IP_MULTICAST_TTL, "IP_MULTICAST_TTL" },
	{ IPPROTO_IP, IP_MULTICAST_LOOP, "IP_MULTICAST_LOOP" },
	{ IPPROTO_IP, IP_TTL, "IP_TTL" },
#ifdef IP_MULTICAST_ALL
	{ IPPROTO_IP, IP_MULTICAST_ALL, "IP_MULTICAST_ALL" },
#endif
#ifdef IP_PKTINFO
	{ IPPROTO_IP, IP_PKTINFO, "IP_PKTINFO" },
#endif
#ifdef IP_RECVTTL
	{ IPPROTO_IP, IP_RECVTTL, "IP_RECVTTL" },
#endif
	{ IPPROTO_IPV6, IPV6_V6ONLY, "IPV6_V6ONLY" },
	{ IPPROTO_IPV6, IPV6_JOIN_GROUP, "IPV6_JOIN_GROUP" },
	{ IPPROTO_IPV6, IPV6_LEAVE_GROUP, "IPV6_LEAVE_GROUP" },
	{ IPPROTO_IPV6, IPV6_MULTICAST_IF, "IPV6_MULTICAST_IF" },
	{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS, "IPV6_MULTICAST_HOPS" },
	{ IPPROTO_IPV6, IPV6_MULTICAST_LOOP, "IPV6_MULTICAST_LOOP" },
	{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, "IPV6_UNICAST_HOPS" },
#ifdef IPV6_MULTICAST_ALL
	{ IPPROTO_IPV6, IPV6_MULTICAST_ALL, "IPV6_MULTICAST_ALL" },
#endif
#ifdef IPV6_RECVPKTINFO
	{ IPPROTO_IPV6, IPV6_RECVPKTINFO, "IPV6_RECVPKTINFO" },
#endif
#ifdef IPV6_RECVHOPLIMIT
	{ IPPROTO_IPV6, IPV6_RECVHOPLIMIT, "IPV6_RECVHOPLIMIT" },
#endif
};

static const char *
level_name(int level)
{
	switch (level) {
	case SOL_SOCKET:
		return "SOL_SOCKET";
	case IPPROTO_IP:
		return "IPPROTO_IP";
	case IPPROTO_IPV6:
		return "IPPROTO_IPV6";
	case IPPROTO_TCP:
		return "IPPROTO_TCP";
	case IPPROTO_UDP:
		return "IPPROTO_UDP";
	default:
		return "level ?";
	}
}

static const char *
opt_name(int level, int name, char *buf, size_t cap)
{
	for (size_t i = 0; i < sizeof(optnames) / sizeof(optnames[0]); i++)
		if ((optnames[i].level == level || (optnames[i].level == ANY_IP &&
		    (level == IPPROTO_IP || level == IPPROTO_IPV6))) &&
		    optnames[i].name == name)
			return optnames[i].s;
	snprintf(buf, cap, "option %d", name);
	return buf;
}

/* The value of a socket option, as the tutorial would write it. */
static void
opt_value(int level, int name, const void *val, socklen_t len, char *buf,
    size_t cap)
{
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN], ifn[IF_NAMESIZE];

	if (val == NULL) {
		snprintf(buf, cap, "NULL");
	} else if ((name == MCAST_JOIN_GROUP || name == MCAST_LEAVE_GROUP) &&
	    (level == IPPROTO_IP || level == IPPROTO_IPV6) &&
	    len >= sizeof(struct group_req)) {
		const struct group_req *gr = val;

		snprintf(buf, cap, "%s on %s", host_str((const void *)
		    &gr->gr_group, a, sizeof(a)), ifname(gr->gr_interface, ifn));
	} else if ((name == MCAST_JOIN_SOURCE_GROUP ||
	    name == MCAST_LEAVE_SOURCE_GROUP) && (level == IPPROTO_IP ||
	    level == IPPROTO_IPV6) && len >= sizeof(struct group_source_req)) {
		const struct group_source_req *g = val;

		snprintf(buf, cap, "%s from %s on %s", host_str((const void *)
		    &g->gsr_group, a, sizeof(a)), host_str((const void *)
		    &g->gsr_source, s, sizeof(s)), ifname(g->gsr_interface,
		    ifn));
	} else if (level == IPPROTO_IP && (name == IP_ADD_MEMBERSHIP ||
	    name == IP_DROP_MEMBERSHIP) && len >= sizeof(struct ip_mreq)) {
		const struct ip_mreq *m = val;

		inet_ntop(AF_INET, &m->imr_multiaddr, a, sizeof(a));
		inet_ntop(AF_INET, &m->imr_interface, s, sizeof(s));
		snprintf(buf, cap, "%s on %s", a, s);
	} else if (level == IPPROTO_IP && name == IP_MULTICAST_IF &&
	    len == sizeof(struct in_addr)) {
		inet_ntop(AF_INET, val, a, sizeof(a));
		snprintf(buf, cap, "%s", a);
	} else if (level == IPPROTO_IPV6 && (name == IPV6_JOIN_GROUP ||
	    name == IPV6_LEAVE_GROUP) && len >= sizeof(struct ipv6_mreq)) {
		const struct ipv6_mreq *m = val;

		inet_ntop(AF_INET6, &m->ipv6mr_multiaddr, a, sizeof(a));
		snprintf(buf, cap, "%s on %s", a, ifname(m->ipv6mr_interface,
		    ifn));
	} else if (level == IPPROTO_IPV6 && name == IPV6_MULTICAST_IF &&
	    len == sizeof(int)) {
		int i;

		memcpy(&i, val, sizeof(i));
		snprintf(buf, cap, "%s", ifname((unsigned)i, ifn));
	} else if (level == SOL_SOCKET && (name == SO_RCVTIMEO ||
	    name == SO_SNDTIMEO) && len == sizeof(struct timeval)) {
		struct timeval tv;

		memcpy(&tv, val, sizeof(tv));
		snprintf(buf, cap, "%lld.%03lld s", (long long)tv.tv_sec,
		    (long long)tv.tv_usec / 1000);
	} else if (level == SOL_SOCKET && name == SO_ERROR && len ==
	    sizeof(int)) {
		int i;
		char eb[24];

		memcpy(&i, val, sizeof(i));
		if (i == 0)
			snprintf(buf, cap, "0");
		else
			snprintf(buf, cap, "%s (%s)", errname(i, eb, sizeof(eb)),
			    strerror(i));
	} else if (len == sizeof(int)) {
		int i;

		memcpy(&i, val, sizeof(i));
		snprintf(buf, cap, "%d", i);
	} else if (len == 1) {
		snprintf(buf, cap, "%u", *(const unsigned char *)val);
	} else
		snprintf(buf, cap, "<%u bytes>", (unsigned)len);
}

int
c_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int rc = setsockopt(fd, level, name, val, len);
	char nb[24], v[160];

	if (call_tracing) {
		int e = errno;

		opt_value(level, name, val, len, v, sizeof(v));
		traced("setsockopt", fd, rc, e, 0, true, NULL,
		    "setsockopt(%d, %s, %s, %s)", fd, level_name(level),
		    opt_name(level, name, nb, sizeof(nb)), v);
		errno = e;
	}
	return rc;
}

int
c_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int rc = getsockopt(fd, level, name, val, len);
	char nb[24], v[160] = "";

	if (call_tracing) {
		int e = errno;

		if (rc == 0)
			opt_value(level, name, val, *len, v, sizeof(v));
		char x[176];

		snprintf(x, sizeof(x), ", value %s", v);
		traced("getsockopt", fd, rc, e, 0, failed(rc, e), rc == 0 ?
		    x : NULL, "getsockopt(%d, %s, %s)", fd, level_name(level),
		    opt_name(level, name, nb, sizeof(nb)));
		errno = e;
	}
	return rc;
}

int
c_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int rc = bind(fd, sa, len);
	char a[80];

	if (call_tracing) {
		int e = errno;

		traced("bind", fd, rc, e, 0, true, NULL, "bind(%d, %s)", fd,
		    addr_str(sa, a, sizeof(a)));
		errno = e;
	}
	return rc;
}

int
c_listen(int fd, int backlog)
{
	int rc = listen(fd, backlog);

	if (call_tracing) {
		int e = errno;

		traced("listen", fd, rc, e, 0, true, NULL, "listen(%d, %d)", fd,
		    backlog);
		errno = e;
	}
	return rc;
}

/* accept's trace: "accept(3) = 4 from 127.0.0.1:51234". */
static void
accepted(const char *name, int fd, int rc, int e, const struct sockaddr *sa,
    const char *flags)
{
	char a[80] = "from ";

	if (rc >= 0 && sa != NULL)
		addr_str(sa, a + 5, sizeof(a) - 5);
	traced(name, fd, rc, e, 0, failed(rc, e), rc >= 0 && sa != NULL ? a :
	    NULL, "%s(%d%s)", name, fd, flags);
}

int
c_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int rc = accept(fd, sa, len);

	if (call_tracing) {
		int e = errno;

		accepted("accept", fd, rc, e, sa, "");
		errno = e;
	}
	return rc;
}

int
c_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
#if defined(__linux__) && defined(SOCK_NONBLOCK)
	int rc = accept4(fd, sa, len, flags);

	if (call_tracing) {
		int e = errno;

		accepted("accept4", fd, rc, e, sa, (flags & SOCK_NONBLOCK) ?
		    ", SOCK_NONBLOCK|SOCK_CLOEXEC" : ", SOCK_CLOEXEC");
		errno = e;
	}
	return rc;
#else
	(void)flags;
	return c_accept(fd, sa, len);
#endif
}

int
c_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int rc = connect(fd, sa, len);
	char a[80];

	if (call_tracing) {
		int e = errno;

		traced("connect", fd, rc, e, 0, true, NULL, "connect(%d, %s)", fd,
		    addr_str(sa, a, sizeof(a)));
		errno = e;
	}
	return rc;
}

int
c_getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	int rc = getsockname(fd, sa, len);
	char a[80] = ", ";

	if (call_tracing) {
		int e = errno;

		if (rc == 0)
			addr_str(sa, a + 2, sizeof(a) - 2);
		traced("getsockname", fd, rc, e, 0, true, rc == 0 ? a : NULL,
		    "getsockname(%d)", fd);
		errno = e;
	}
	return rc;
}

int
c_shutdown(int fd, int how)
{
	int rc = shutdown(fd, how);

	if (call_tracing) {
		int e = errno;

		traced("shutdown", fd, rc, e, 0, true, NULL, "shutdown(%d, %s)",
		    fd,
		    how == SHUT_WR ? "SHUT_WR" : how == SHUT_RD ? "SHUT_RD" :
		    "SHUT_RDWR");
		errno = e;
	}
	return rc;
}

int
c_close(int fd)
{
	int rc, e;

	if (call_tracing)
		hot_forget(fd);
	rc = close(fd);
	e = errno;
	if (call_tracing) {
		traced("close", fd, rc, e, 0, true, NULL, "close(%d)", fd);
		hot_forget(fd);
		errno = e;
	}
	return rc;
}

/* recv and the like: "= 0 (peer closed)" for a stream's end. */
static void
received(const char *name, int fd, ssize_t rc, int e, size_t n,
    const struct sockaddr *from)
{
	char a[80] = "from ";

	if (rc > 0 && from != NULL && from->sa_family != AF_UNSPEC) {
		addr_str(from, a + 5, sizeof(a) - 5);
		traced(name, fd, rc, e, rc, false, a, "%s(%d, %zu)", name, fd,
		    n);
	} else if (rc == 0 && from == NULL)
		traced(name, fd, rc, e, 0, true, "(peer closed)", "%s(%d, %zu)",
		    name, fd, n);
	else
		traced(name, fd, rc, e, rc > 0 ? rc : 0, failed(rc, e), NULL,
		    "%s(%d, %zu)", name, fd, n);
}

/* send and the like: "send(4, 11) = 11", "sendto(3, 15, ADDR) = 15". */
static void
sent(const char *name, int fd, ssize_t rc, int e, size_t n,
    const struct sockaddr *to)
{
	char a[80];

	if (to != NULL)
		traced(name, fd, rc, e, rc > 0 ? rc : 0, failed(rc, e), NULL,
		    "%s(%d, %zu, %s)", name, fd, n, addr_str(to, a, sizeof(a)));
	else
		traced(name, fd, rc, e, rc > 0 ? rc : 0, failed(rc, e), NULL,
		    "%s(%d, %zu)", name, fd, n);
}

/* The traced halves of the inline wrappers of call.h. */
void
call_recvd(const char *name, int fd, ssize_t rc, size_t n,
    const struct sockaddr *from)
{
	int e = errno;
	struct sockaddr_storage none = { .ss_family = AF_UNSPEC };

	received(name, fd, rc, e, n, from != NULL || strcmp(name, "recv") == 0 ?
	    from : (const struct sockaddr *)&none);
	errno = e;
}

void
call_sent(const char *name, int fd, ssize_t rc, size_t n,
    const struct sockaddr *to)
{
	int e = errno;

	sent(name, fd, rc, e, n, to);
	errno = e;
}

static size_t
iov_bytes(const struct msghdr *msg)
{
	size_t n = 0;

	for (size_t i = 0; i < (size_t)msg->msg_iovlen; i++)
		n += msg->msg_iov[i].iov_len;
	return n;
}

void
call_recvmsgd(int fd, ssize_t rc, const struct msghdr *msg)
{
	int e = errno;
	struct sockaddr_storage none = { .ss_family = AF_UNSPEC };

	received("recvmsg", fd, rc, e, iov_bytes(msg), msg->msg_name != NULL ?
	    msg->msg_name : (const struct sockaddr *)&none);
	errno = e;
}

void
call_sentmsg(int fd, ssize_t rc, const struct msghdr *msg)
{
	int e = errno;

	sent("sendmsg", fd, rc, e, iov_bytes(msg), msg->msg_name);
	errno = e;
}

int
c_recvmmsg(int fd, void *vec, unsigned n, int flags)
{
#ifdef __linux__
	struct mmsghdr *mm = vec;
	int rc = recvmmsg(fd, mm, n, flags, NULL);

	if (call_tracing) {
		int e = errno;

		long long bytes = 0;
		char b[40];

		for (int i = 0; i < rc; i++)
			bytes += mm[i].msg_len;
		snprintf(b, sizeof(b), "(%lld bytes)", bytes);
		traced("recvmmsg", fd, rc, e, bytes, failed(rc, e), b,
		    "recvmmsg(%d, %u msgs)", fd, n);
		errno = e;
	}
	return rc;
#else
	(void)fd, (void)vec, (void)n, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

int
c_sendmmsg(int fd, void *vec, unsigned n, int flags)
{
#ifdef __linux__
	struct mmsghdr *mm = vec;
	int rc = sendmmsg(fd, mm, n, flags);

	if (call_tracing) {
		int e = errno;

		long long bytes = 0;
		char b[40];

		for (int i = 0; i < rc; i++)
			bytes += mm[i].msg_len;
		snprintf(b, sizeof(b), "(%lld bytes)", bytes);
		traced("sendmmsg", fd, rc, e, bytes, failed(rc, e), b,
		    "sendmmsg(%d, %u msgs)", fd, n);
		errno = e;
	}
	return rc;
#else
	(void)fd, (void)vec, (void)n, (void)flags;
	errno = ENOSYS;
	return -1;
#endif
}

void
call_io(const char *name, int fd, ssize_t rc, int err, size_t n)
{
	if (strcmp(name, "splice") == 0)
		received(name, fd, rc, err, n, NULL);
	else
		sent(name, fd, rc, err, n, NULL);
	errno = err;
}

void
call_wait(const char *what, int n, int ms, int rc)
{
	int e = errno;
	char t[32];

	if (!call_tracing)
		return;
	if (ms < 0)
		snprintf(t, sizeof(t), "no time-out");
	else
		snprintf(t, sizeof(t), "%d ms", ms);
	if (strcmp(what, "select") == 0)
		traced(what, -1, rc, e, 0, rc < 0, "ready", "select(nfds %d, %s)",
		    n, t);
	else if (strcmp(what, "poll") == 0)
		traced(what, -1, rc, e, 0, rc < 0, "ready", "poll(%d fds, %s)",
		    n, t);
	else
		traced(what, -1, rc, e, 0, rc < 0, "ready", "%s(epfd %d, %s)",
		    what, n, t);
	errno = e;
}
