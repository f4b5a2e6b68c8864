/*
 * tcp_serve.c: the TCP echo server.  Plain serves one client at a time
 * (the others wait in the listen backlog, as in the tutorial's blocking
 * server); --select and --poll serve every client at once.  All three run
 * on lib/loop, with per-client echo buffers that exist only while echo
 * data is in flight, and backpressure past ECHO_HIGH.
 */
/* glibc declares accept4(2) only under _GNU_SOURCE. */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "loop.h"
#include "mode.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"

#define ECHO_HIGH	(1u << 20)	/* stop reading a client past this */
#define ECHO_LOW	(ECHO_HIGH / 4)	/* and start again below this */
#define ACCEPT_BURST	64		/* accepts per readiness event */
#define ACCEPT_PAUSE_MS	100		/* when out of fds or memory */

struct client {
	int			 fd;
	struct sockaddr_storage	 addr;
	char			*buf;		/* unsent echo: buf[off, len) */
	size_t			 off, len, cap;
	long long		 last_ms;	/* last activity, for --timeout */
	long long		 outq;		/* send queue then, or -1 */
	bool			 eof;		/* the client shut down writing */
};

struct server {
	const struct nd_args	*a;
	struct loop		*l;
	int			 lfd;
	int			 spare;		/* reserved fd for EMFILE */
	char			 name[SOCK_NAMELEN];
	unsigned char		*rbuf;		/* shared read buffer */
	struct client		**by_fd;
	int			 nby_fd;
	long long		 nclients, accepted;
	long long		 timeout_ms;	/* -1: none */
	long long		 next_scan_ms;	/* earliest idle deadline */
	long long		 resume_ms;	/* accept paused until, or 0 */
	struct stats		 st;
};

static void	on_listen(struct loop *, int, unsigned, void *);

static const char *
peer_name(const struct client *c, char *buf, size_t cap)
{
	sock_ntop((const struct sockaddr *)&c->addr, buf, cap);
	return buf;
}

/* Accepting stops at --count clients and, plain, while one is served. */
static bool
may_accept(const struct server *s)
{
	if (s->a->count > 0 && s->accepted >= s->a->count)
		return false;
	if (s->a->backend == BACKEND_PLAIN && s->nclients > 0)
		return false;
	return s->resume_ms == 0;
}

static void
update_listen(struct server *s)
{
	if (s->lfd >= 0)
		loop_mod(s->l, s->lfd, may_accept(s) ? LOOP_IN : 0);
}

static void
client_close(struct server *s, struct client *c, const char *why)
{
	char pn[SOCK_NAMELEN];

	if (s->a->verbose)
		nd_warnx("%s: %s", peer_name(c, pn, sizeof(pn)), why);
	loop_del(s->l, c->fd);
	close(c->fd);
	s->by_fd[c->fd] = NULL;
	free(c->buf);
	free(c);
	s->nclients--;
	s->st.clients_served++;
	/* A descriptor is free again: no reason to wait out a pause. */
	s->resume_ms = 0;
	if (s->a->count > 0 && s->accepted >= s->a->count &&
	    s->nclients == 0) {
		loop_stop(s->l, ND_EXIT_OK);
		return;
	}
	update_listen(s);
}

/* Activity now, in either direction: the idle clock starts again. */
static void
client_active(struct client *c)
{
	c->last_ms = loop_now_ms();
	c->outq = sock_outq(c->fd);
}

/*
 * Idle, or only quiet on our side?  Once the server stops writing (the
 * socket is full), a client that reads its echo slowly shows only in the
 * kernel's send queue shrinking: that is activity too.
 */
static bool
client_idle(struct client *c, long long now, long long timeout_ms)
{
	long long q;

	if (now - c->last_ms < timeout_ms)
		return false;
	q = c->outq > 0 ? sock_outq(c->fd) : -1;
	if (q >= 0 && q < c->outq) {
		c->last_ms = now;
		c->outq = q;
		return false;
	}
	return true;
}

/* Send what is pending; false if the client is gone. */
static bool
client_flush(struct server *s, struct client *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->fd, c->buf + c->off, c->len - c->off,
		    MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(s, c, strerror(errno));
			return false;
		}
		c->off += (size_t)w;
		s->st.bytes_out += (uint64_t)w;
		/* A client draining its echo is not idle (--timeout). */
		if (s->timeout_ms >= 0)
			client_active(c);
	}
	if (c->off == c->len) {
		/* Nothing in flight: hold no memory for an idle client. */
		free(c->buf);
		c->buf = NULL;
		c->off = c->len = c->cap = 0;
	}
	return true;
}

/* Queue n bytes of echo behind what is already pending. */
static bool
client_queue(struct server *s, struct client *c, const unsigned char *p,
    size_t n)
{
	if (c->off > 0 && c->off == c->len)
		c->off = c->len = 0;
	if (c->cap - c->len < n) {
		size_t pending = c->len - c->off, cap = c->cap ? c->cap : 4096;
		char *b;

		if (c->off > 0) {
			memmove(c->buf, c->buf + c->off, pending);
			c->off = 0;
			c->len = pending;
		}
		while (cap - c->len < n)
			cap *= 2;
		if (cap != c->cap) {
			if ((b = realloc(c->buf, cap)) == NULL) {
				client_close(s, c, "out of memory");
				return false;
			}
			c->buf = b;
			c->cap = cap;
		}
	}
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	return true;
}

static void
client_update(struct server *s, struct client *c)
{
	size_t pending = c->len - c->off;
	unsigned ev = 0;

	if (c->eof && pending == 0) {
		client_close(s, c, "closed");
		return;
	}
	if (!c->eof && pending < ECHO_HIGH &&
	    (pending < ECHO_LOW || (loop_events(s->l, c->fd) & LOOP_IN)))
		ev |= LOOP_IN;
	if (pending > 0)
		ev |= LOOP_OUT;
	loop_mod(s->l, c->fd, ev);
}

/* Read once and echo what can go at once; false if the client is gone. */
static bool
client_read(struct server *s, struct client *c)
{
	const struct nd_args *a = s->a;
	ssize_t n, w;

	n = recv(c->fd, s->rbuf, (size_t)a->bufsize, 0);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		client_close(s, c, strerror(errno));
		return false;
	}
	if (s->timeout_ms >= 0)
		client_active(c);
	if (n == 0) {
		c->eof = true;
		return true;
	}
	stats_count(&s->st, (uint64_t)n);
	s->st.bytes_in += (uint64_t)n;
	if (!a->quiet) {
		char pn[SOCK_NAMELEN];
		struct out_meta m = { .seq = -1, .latency_us = LLONG_MIN };

		if (a->format == FMT_JSON)
			m.peer = peer_name(c, pn, sizeof(pn));
		out_msg(&m, s->rbuf, (size_t)n);
	}
	if (a->sink)
		return true;
	if (c->off < c->len)
		return client_queue(s, c, s->rbuf, (size_t)n);
	/* Nothing queued: try the echo at once, keep only the rest. */
	do
		w = send(c->fd, s->rbuf, (size_t)n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		client_close(s, c, strerror(errno));
		return false;
	}
	if (w < 0)
		w = 0;
	s->st.bytes_out += (uint64_t)w;
	if (w > 0 && s->timeout_ms >= 0)
		client_active(c);
	if (w < n)
		return client_queue(s, c, s->rbuf + w, (size_t)(n - w));
	return true;
}

static void
on_client(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct server *s = arg;
	struct client *c = s->by_fd[fd];

	(void)l;
	if ((rev & LOOP_OUT) && !client_flush(s, c))
		return;
	if ((rev & LOOP_IN) && !client_read(s, c))
		return;
	client_update(s, c);
}

static int
reserve_fd(void)
{
	return open("/dev/null", O_RDONLY | O_CLOEXEC);
}

/*
 * Out of fds: without this the listening socket stays readable and the
 * loop spins.  Give up the spare fd, take the connection off the queue,
 * close it, and take the spare back.
 */
static void
accept_shed(struct server *s, int err)
{
	static struct err_limit lim = { .kind = "accept" };
	long long now = loop_now_ms();
	int fd;

	errno = err;
	nd_warn_limited(&lim, "accept %s", s->name);
	if (s->spare >= 0) {
		close(s->spare);
		fd = accept(s->lfd, NULL, NULL);
		if (fd >= 0)
			close(fd);
		s->spare = reserve_fd();
		if (fd >= 0 && s->spare >= 0)
			return;
	}
	/* No spare to trade (or the kernel is out of memory): pause. */
	s->resume_ms = now + ACCEPT_PAUSE_MS;
	update_listen(s);
}

static bool
by_fd_room(struct server *s, int fd)
{
	if (fd < s->nby_fd)
		return true;
	int n = s->nby_fd ? s->nby_fd : 256;
	struct client **p;

	while (n <= fd)
		n *= 2;
	if ((p = realloc(s->by_fd, (size_t)n * sizeof(*p))) == NULL)
		return false;
	memset(p + s->nby_fd, 0, (size_t)(n - s->nby_fd) * sizeof(*p));
	s->by_fd = p;
	s->nby_fd = n;
	return true;
}

/*
 * accept(2), the new socket non-blocking and close-on-exec.  Linux does
 * both in accept4(2) and passes TCP_NODELAY on from the listening socket:
 * three syscalls a connection fewer, which short connections feel.
 */
#if defined(__linux__) && defined(SOCK_NONBLOCK)
#define ACCEPT_FLAGS_SET	1
static int
accept_nb(int lfd, struct sockaddr_storage *ss, socklen_t *sl)
{
	return accept4(lfd, (struct sockaddr *)ss, sl,
	    SOCK_NONBLOCK | SOCK_CLOEXEC);
}
#else
#define ACCEPT_FLAGS_SET	0
static int
accept_nb(int lfd, struct sockaddr_storage *ss, socklen_t *sl)
{
	int fd = accept(lfd, (struct sockaddr *)ss, sl);

	if (fd >= 0)
		(void)fcntl(fd, F_SETFD, FD_CLOEXEC);
	return fd;
}
#endif

static void
accept_one(struct server *s, int fd, const struct sockaddr_storage *ss)
{
	const struct nd_args *a = s->a;
	struct client *c;
	char pn[SOCK_NAMELEN];
	int one = 1;

	static struct err_limit full = { .kind = "turned away" };

	if (a->max_clients > 0 && s->nclients >= a->max_clients) {
		sock_ntop((const struct sockaddr *)ss, pn, sizeof(pn));
		nd_warnx_limited(&full, "%s: turned away: --max-clients %lld "
		    "reached", pn, a->max_clients);
		close(fd);
		return;
	}
	if (!ACCEPT_FLAGS_SET && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		nd_warn("fcntl");
		close(fd);
		return;
	}
	if (!by_fd_room(s, fd) ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		nd_warn("accept");
		close(fd);
		return;
	}
	c->fd = fd;
	c->addr = *ss;
	if (loop_add(s->l, fd, LOOP_IN, on_client, s) < 0) {
		/* select: the fd would not fit in an fd_set. */
		nd_warnx_limited(&full, "%s: turned away: fd %d is past "
		    "select's limit FD_SETSIZE %d (use --poll)",
		    peer_name(c, pn, sizeof(pn)), fd, FD_SETSIZE);
		close(fd);
		free(c);
		return;
	}
	if (!ACCEPT_FLAGS_SET)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		    sizeof(one));
	s->by_fd[fd] = c;
	s->nclients++;
	s->accepted++;
	if ((uint64_t)s->nclients > s->st.peak_clients)
		s->st.peak_clients = (uint64_t)s->nclients;
	if (s->timeout_ms >= 0) {
		client_active(c);
		if (s->next_scan_ms == 0 ||
		    c->last_ms + s->timeout_ms < s->next_scan_ms)
			s->next_scan_ms = c->last_ms + s->timeout_ms;
	}
	if (a->verbose)
		nd_warnx("%s: connected", peer_name(c, pn, sizeof(pn)));
}

static void
on_listen(struct loop *l, int lfd, unsigned rev, void *arg)
{
	static struct err_limit fail = { .kind = "accept" };
	struct server *s = arg;

	(void)l;
	(void)rev;
	for (int i = 0; i < ACCEPT_BURST && may_accept(s); i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept_nb(lfd, &ss, &sl);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_shed(s, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				nd_warn_limited(&fail, "accept %s", s->name);
			break;
		}
		accept_one(s, fd, &ss);
	}
	update_listen(s);
}

/* Drop idle clients; returns ms until the next deadline, or -1. */
static int
scan_idle(struct server *s, long long now)
{
	long long next = 0;

	for (int fd = 0; fd < s->nby_fd; fd++) {
		struct client *c = s->by_fd[fd];

		if (c == NULL)
			continue;
		if (client_idle(c, now, s->timeout_ms)) {
			char pn[SOCK_NAMELEN];

			nd_warnx("%s: idle for %g s: dropped",
			    peer_name(c, pn, sizeof(pn)), s->a->timeout);
			c->eof = true;
			c->off = c->len = 0;
			client_close(s, c, "dropped");
			continue;
		}
		if (next == 0 || c->last_ms + s->timeout_ms < next)
			next = c->last_ms + s->timeout_ms;
	}
	s->next_scan_ms = next;
	return next == 0 ? -1 : (int)(next - now);
}

static int
on_tick(struct loop *l, void *arg)
{
	struct server *s = arg;
	long long now = 0;
	int ms = -1;

	(void)l;
	out_flush();
	if (s->resume_ms != 0) {
		now = loop_now_ms();
		if (now >= s->resume_ms) {
			s->resume_ms = 0;
			update_listen(s);
		} else
			ms = (int)(s->resume_ms - now);
	}
	if (s->timeout_ms >= 0 && s->next_scan_ms != 0) {
		int t;

		now = now ? now : loop_now_ms();
		if (now >= s->next_scan_ms)
			t = scan_idle(s, now);
		else
			t = (int)(s->next_scan_ms - now);
		if (t >= 0 && (ms < 0 || t < ms))
			ms = t;
	}
	return ms;
}

static int
tcp_serve_run(const struct nd_args *a)
{
	struct server s;
	int status, one = 1;

	memset(&s, 0, sizeof(s));
	s.a = a;
	s.timeout_ms = a->timeout >= 0 ? (long long)(a->timeout * 1000) : -1;
	s.spare = reserve_fd();
	if ((s.rbuf = malloc((size_t)a->bufsize)) == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	s.l = loop_new(a->backend == BACKEND_SELECT ? BACKEND_SELECT :
	    BACKEND_POLL);
	s.lfd = sock_listen(a, SOCK_STREAM, s.name, sizeof(s.name));
	if (sock_nonblock(s.lfd) < 0)
		nd_err(ND_EXIT_RUN, "fcntl");
	/* Echoes go out at once; Linux hands this on to accepted sockets. */
	(void)setsockopt(s.lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (loop_add(s.l, s.lfd, LOOP_IN, on_listen, &s) < 0) {
		if (errno == EMFILE)
			nd_errx(ND_EXIT_RUN, "--select: fd %d is past "
			    "FD_SETSIZE %d; use --poll", s.lfd, FD_SETSIZE);
		nd_err(ND_EXIT_RUN, "event loop");
	}
	/* Accept after the closes of the same pass: they free descriptors. */
	loop_defer(s.l, s.lfd);
	loop_set_tick(s.l, on_tick, &s);
	stats_start(&s.st, NULL);
	s.st.tcp = true;
	stats_print_at_error(&s.st, a);
	sock_announce("listening on", s.name);

	status = loop_run(s.l);
	stats_print_at_error(NULL, NULL);

	for (int fd = 0; fd < s.nby_fd; fd++)
		if (s.by_fd[fd] != NULL) {
			struct client *c = s.by_fd[fd];

			close(c->fd);
			free(c->buf);
			free(c);
			s.st.clients_served++;
		}
	if (a->stats || sig_caught())
		stats_print(&s.st, a);
	close(s.lfd);
	if (s.spare >= 0)
		close(s.spare);
	loop_free(s.l);
	free(s.by_fd);
	free(s.rbuf);
	return status;
}

const struct nd_mode tcp_serve_mode = {
	.name = "tcp-serve",
	.summary = "TCP echo server: one client at a time, or all at once "
	    "with --select or --poll",
	.uses = OPT_HOST | OPT_SERVE,
	.listens = true,
	.run = tcp_serve_run,
};
