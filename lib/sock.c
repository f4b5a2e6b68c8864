/*
 * sock.c: resolving, binding, listening, accepting and connecting, IPv4
 * and IPv6.
 */
/* glibc declares accept4(2) only under _GNU_SOURCE. */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "err.h"
#include "sig.h"
#include "sock.h"

void
sock_ntoa(const struct sockaddr *sa, char *buf, size_t cap)
{
	const void *addr;

	if (sa->sa_family == AF_INET6)
		addr = &((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_addr;
	else if (sa->sa_family == AF_INET)
		addr = &((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr;
	else {
		snprintf(buf, cap, "?");
		return;
	}
	if (inet_ntop(sa->sa_family, addr, buf, (socklen_t)cap) == NULL) {
		snprintf(buf, cap, "?");
		return;
	}
	/*
	 * A link-local address is only whole with its interface: "%eth0".
	 * A group's interface is named where the group is (joined on).
	 */
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		char ifname[IF_NAMESIZE];
		size_t len = strlen(buf);

		if (s6->sin6_scope_id == 0 ||
		    IN6_IS_ADDR_MULTICAST(&s6->sin6_addr))
			return;
		if (if_indextoname(s6->sin6_scope_id, ifname) != NULL)
			snprintf(buf + len, cap - len, "%%%s", ifname);
		else
			snprintf(buf + len, cap - len, "%%%u",
			    (unsigned)s6->sin6_scope_id);
	}
}

void
sock_ntop(const struct sockaddr *sa, char *buf, size_t cap)
{
	char a[SOCK_ADDRLEN];
	unsigned port;

	sock_ntoa(sa, a, sizeof(a));
	if (sa->sa_family == AF_INET6) {
		port = ntohs(((const struct sockaddr_in6 *)(const void *)sa)->
		    sin6_port);
		snprintf(buf, cap, "[%s]:%u", a, port);
	} else {
		port = sa->sa_family == AF_INET ? ntohs(((const struct
		    sockaddr_in *)(const void *)sa)->sin_port) : 0;
		snprintf(buf, cap, "%s:%u", a, port);
	}
}

struct addrinfo *
sock_resolve(const char *host, long long port, int family, int type,
    int passive)
{
	struct addrinfo hints, *res;
	char serv[16];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = type;
	hints.ai_flags = AI_NUMERICSERV | (passive ? AI_PASSIVE : 0);
	snprintf(serv, sizeof(serv), "%lld", port);
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc == EAI_SYSTEM)
		nd_err(ND_EXIT_RUN, "resolve %s", host);
	if (rc != 0) {
		const char *pct = host != NULL ? strchr(host, '%') : NULL;

		/* "fe80::1%eth9": say which part is wrong. */
		if (pct != NULL && if_nametoindex(pct + 1) == 0)
			nd_errx(ND_EXIT_RUN, "resolve %s: no interface %s", host,
			    pct + 1);
		nd_errx(ND_EXIT_RUN, "resolve %s: %s", host, gai_strerror(rc));
	}
	return res;
}

int
sock_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -1;
	return 0;
}

int
sock_listen(const char *host, long long port, int family, int type,
    int backlog, char *name, size_t cap)
{
	struct addrinfo *res = sock_resolve(host, port, family, type, 1);
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t sl = sizeof(ss);
	int fd, one = 1;

	sock_ntop(res->ai_addr, name, cap);
	fd = c_socket(res->ai_family, res->ai_socktype | SOCK_CLOEXEC,
	    res->ai_protocol);
	if (fd < 0)
		nd_err(ND_EXIT_RUN, "socket");
	/*
	 * A TCP server restarts at once despite TIME_WAIT; a UDP socket gets
	 * no SO_REUSEADDR, which would let two receivers share a unicast
	 * port and only one of them see each datagram.
	 */
	if (type == SOCK_STREAM && c_setsockopt(fd, SOL_SOCKET, SO_REUSEADDR,
	    &one, sizeof(one)) < 0)
		nd_err(ND_EXIT_RUN, "setsockopt SO_REUSEADDR");
	if (c_bind(fd, res->ai_addr, res->ai_addrlen) < 0)
		nd_err(ND_EXIT_RUN, "bind %s", name);
	freeaddrinfo(res);
	if (type == SOCK_STREAM && c_listen(fd, backlog) < 0)
		nd_err(ND_EXIT_RUN, "listen %s", name);
	if (c_getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		nd_err(ND_EXIT_RUN, "getsockname");
	sock_ntop((struct sockaddr *)&ss, name, cap);
	return fd;
}

/*
 * Wait for a non-blocking connect; 0 when connected, -1 with errno
 * (EINTR: the run is ending, ETIMEDOUT: timeout seconds passed).
 */
static int
connect_wait(int fd, double timeout)
{
	double ms = timeout >= 0 ? timeout * 1000 + 0.5 : -1;
	socklen_t sl = sizeof(int);
	int err = 0, r;

	r = sig_wait(fd, POLLOUT, ms > 1e9 ? 1000000000 : (int)ms);
	if (r < 0)
		return -1;
	if (r == 0) {
		errno = ETIMEDOUT;
		return -1;
	}
	if (c_getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &sl) < 0)
		return -1;
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

int
sock_connect(const char *host, long long port, int family, double timeout,
    char *name, size_t cap)
{
	struct addrinfo *res = sock_resolve(host, port, family, SOCK_STREAM, 0),
	    *ai;
	int fd = -1, saved = 0, one = 1;

	for (ai = res; ai != NULL; ai = ai->ai_next) {
		sock_ntop(ai->ai_addr, name, cap);
		fd = c_socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
		    ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if (sock_nonblock(fd) < 0)
			nd_err(ND_EXIT_RUN, "fcntl");
		if (c_connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 ||
		    (errno == EINPROGRESS && connect_wait(fd, timeout) == 0))
			break;
		saved = errno;
		c_close(fd);
		fd = -1;
		if (saved == EINTR) {
			/* A signal while connecting: the caller ends the run. */
			freeaddrinfo(res);
			errno = EINTR;
			return -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		errno = saved;
		nd_err(ND_EXIT_RUN, "connect %s", name);
	}
	/* An interactive client wants each line out at once. */
	(void)c_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

void
sock_announce(const char *what, const char *name)
{
	nd_warnx("%s %s", what, name);
}

bool
sock_same(const struct sockaddr_storage *x, const struct sockaddr_storage *y,
    bool with_port)
{
	if (x->ss_family != y->ss_family)
		return false;
	if (x->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)x, *b = (const void *)y;

		return a->sin_addr.s_addr == b->sin_addr.s_addr &&
		    (!with_port || a->sin_port == b->sin_port);
	}
	const struct sockaddr_in6 *a = (const void *)x, *b = (const void *)y;

	return memcmp(&a->sin6_addr, &b->sin6_addr, sizeof(a->sin6_addr)) == 0
	    && (!with_port || a->sin6_port == b->sin6_port);
}

bool
sock_unicast(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)ss;
		uint32_t h = ntohl(a->sin_addr.s_addr);

		return a->sin_port != 0 && h != INADDR_ANY &&
		    h != INADDR_BROADCAST && !IN_MULTICAST(h);
	}
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)ss;
		const struct in6_addr *x = &a->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(x)) {
			struct sockaddr_storage v4 = { .ss_family = AF_INET };
			struct sockaddr_in *b = (void *)&v4;

			memcpy(&b->sin_addr, &x->s6_addr[12], 4);
			b->sin_port = a->sin6_port;
			return sock_unicast(&v4);
		}
		return a->sin6_port != 0 && !IN6_IS_ADDR_UNSPECIFIED(x) &&
		    !IN6_IS_ADDR_MULTICAST(x);
	}
	return false;
}

long long
sock_outq(int fd)
{
#if defined(__linux__) && defined(TIOCOUTQ)
	int n;

	/* SIOCOUTQ in tcp(7): bytes written and not yet acknowledged. */
	if (ioctl(fd, TIOCOUTQ, &n) == 0)
		return n;
#else
	(void)fd;
#endif
	return -1;
}

socklen_t
sock_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

void
sock_set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
}

unsigned
sock_port(const struct sockaddr_storage *ss)
{
	return ntohs(ss->ss_family == AF_INET6 ?
	    ((const struct sockaddr_in6 *)(const void *)ss)->sin6_port :
	    ((const struct sockaddr_in *)(const void *)ss)->sin_port);
}

int
sock_dgram(int family)
{
	int fd = c_socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		nd_err(ND_EXIT_RUN, "socket");
	return fd;
}

/*
 * accept(2), the new socket non-blocking and close-on-exec.  Linux does
 * both in accept4(2) and passes TCP_NODELAY on from the listening socket:
 * three syscalls a connection fewer, which short connections feel.
 */
int
sock_accept(int lfd, struct sockaddr_storage *ss)
{
	socklen_t sl = sizeof(*ss);
	int fd;
#if defined(__linux__) && defined(SOCK_NONBLOCK)
	fd = c_accept4(lfd, (struct sockaddr *)ss, &sl, SOCK_NONBLOCK |
	    SOCK_CLOEXEC);
#else
	int one = 1;

	if ((fd = c_accept(lfd, (struct sockaddr *)ss, &sl)) < 0)
		return -1;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 || sock_nonblock(fd) < 0) {
		int saved = errno;

		c_close(fd);
		errno = saved;
		return -1;
	}
	(void)c_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
#endif
	return fd;
}

int
sock_spare(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/*
 * Out of fds: without this the listening socket stays readable and the
 * loop spins.  Give up the spare fd, take the connection off the queue,
 * close it, and take the spare back.
 */
int
sock_shed(int lfd, int *spare)
{
	int fd;

	if (*spare < 0)
		return -1;
	close(*spare);
	fd = c_accept(lfd, NULL, NULL);
	if (fd >= 0)
		c_close(fd);
	*spare = sock_spare();
	return fd >= 0 && *spare >= 0 ? 0 : -1;
}
