/*
 * ref_echo.c: the near-the-limit reference for the benchmarks, a minimal
 * level-triggered epoll TCP echo server on 127.0.0.1 (Linux only).  One
 * shared 256 KiB read buffer; a connection owns memory only while the
 * kernel would not take all of its echo, and is not read from until that
 * remainder is sent.
 *
 * usage: ref_echo [-p PORT]      (0: the kernel picks; printed on stderr)
 */
/* accept4(2) is a GNU extension in glibc's headers. */
#define _GNU_SOURCE

#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RBUF_SIZE	(256 * 1024)
#define MAX_EVENTS	256
#define ACCEPT_PAUSE_MS	100		/* after EMFILE, ENFILE, ENOMEM */

struct conn {
	int		 fd;
	char		*pend;		/* unsent echo: pend[off, len) */
	size_t		 off, len;
};

static int	 ep;
static char	 rbuf[RBUF_SIZE];

static void
die(const char *what)
{
	fprintf(stderr, "ref_echo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
conn_close(struct conn *c)
{
	/* close() drops the epoll registration as well. */
	close(c->fd);
	free(c->pend);
	free(c);
}

static int
watch(int op, struct conn *c, unsigned ev)
{
	struct epoll_event e = { .events = ev, .data.ptr = c };

	return epoll_ctl(ep, op, c->fd, &e);
}

/*
 * Send p[0, n); keep what the kernel refuses and wait for EPOLLOUT
 * instead of EPOLLIN.  Returns -1 when the connection must go.
 */
static int
conn_send(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			break;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	if (n == 0)
		return 0;
	if ((c->pend = malloc(n)) == NULL)
		return -1;
	memcpy(c->pend, p, n);
	c->off = 0;
	c->len = n;
	return watch(EPOLL_CTL_MOD, c, EPOLLOUT);
}

static void
on_readable(struct conn *c)
{
	ssize_t r = recv(c->fd, rbuf, sizeof(rbuf), 0);

	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0 || conn_send(c, rbuf, (size_t)r) < 0)
		conn_close(c);
}

static void
on_writable(struct conn *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->fd, c->pend + c->off, c->len - c->off,
		    MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w < 0) {
			conn_close(c);
			return;
		}
		c->off += (size_t)w;
	}
	free(c->pend);
	c->pend = NULL;
	c->off = c->len = 0;
	if (watch(EPOLL_CTL_MOD, c, EPOLLIN) < 0)
		conn_close(c);
}

/* Accept what is waiting; false when out of descriptors or memory. */
static int
on_listen(int lfd)
{
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN)
				return 1;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				return 0;
			die("accept");
		}
		if ((c = calloc(1, sizeof(*c))) == NULL) {
			close(fd);
			return 0;
		}
		c->fd = fd;
		if (watch(EPOLL_CTL_ADD, c, EPOLLIN) < 0) {
			conn_close(c);
			return 0;
		}
	}
}

static int
listen_on(long port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((unsigned short)port) };
	socklen_t sl = sizeof(sin);
	int one = 1, fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) < 0)
		die("socket");
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		die("setsockopt SO_REUSEADDR");
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (listen(fd, 4096) < 0)
		die("listen");
	if (getsockname(fd, (struct sockaddr *)&sin, &sl) < 0)
		die("getsockname");
	fprintf(stderr, "ref_echo: listening on 127.0.0.1:%u\n",
	    ntohs(sin.sin_port));
	return fd;
}

int
main(int argc, char **argv)
{
	struct epoll_event ev[MAX_EVENTS], le = { .events = EPOLLIN };
	struct rlimit rl;
	long port = 0;
	long long resume = 0;		/* accept paused until, or 0 */
	int lfd, ch;
	char *end;

	while ((ch = getopt(argc, argv, "p:")) != -1) {
		if (ch != 'p')
			goto usage;
		errno = 0;
		port = strtol(optarg, &end, 10);
		if (errno != 0 || *end != '\0' || port < 0 || port > 65535)
			goto usage;
	}
	if (optind != argc)
		goto usage;
	signal(SIGPIPE, SIG_IGN);
	/* As many clients as the hard limit allows. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if ((ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		die("epoll_create1");
	lfd = listen_on(port);
	le.data.ptr = NULL;		/* NULL marks the listener */
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le) < 0)
		die("epoll_ctl");
	for (;;) {
		long long left = resume ? resume - now_ms() : -1;
		int n;

		if (resume && left <= 0) {
			/* Out of fds a while ago: listen again. */
			resume = 0;
			left = -1;
			if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &le) < 0)
				die("epoll_ctl");
		}
		n = epoll_wait(ep, ev, MAX_EVENTS, (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct conn *c = ev[i].data.ptr;

			if (c == NULL) {
				if (!on_listen(lfd) && !resume) {
					/* Level-triggered: stop the spin. */
					resume = now_ms() + ACCEPT_PAUSE_MS;
					if (epoll_ctl(ep, EPOLL_CTL_DEL, lfd,
					    NULL) < 0)
						die("epoll_ctl");
				}
			} else if (c->pend != NULL)
				on_writable(c);
			else
				on_readable(c);
		}
	}
usage:
	fprintf(stderr, "usage: ref_echo [-p PORT]\n");
	return 2;
}
