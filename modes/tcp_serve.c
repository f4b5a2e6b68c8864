/*
 * tcp_serve.c: the TCP echo server.  Plain serves one client at a time
 * (the others wait in the listen backlog, as in the tutorial's blocking
 * server); --select and --poll serve every client at once.  All three run
 * on lib/loop, with per-client echo buffers that exist only while echo
 * data is in flight, and backpressure past ECHO_HIGH.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
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

struct server;

struct client {
	struct server		*s;
	struct client		*prev, *next;	/* the server's clients */
	int			 fd;
	struct sockaddr_storage	 addr;
	char			*buf;		/* unsent echo: buf[off, len) */
	size_t			 off, len, cap;
	long long		 last_ms;	/* last activity, for --timeout */
	long long		 outq;		/* send queue then, or -1 */
	bool			 reading;	/* watched for input */
	bool			 eof;		/* the client shut down writing */
};

struct server {
	const struct nd_args	*a;
	struct loop		*l;
	int			 lfd;
	int			 spare;		/* reserved fd for EMFILE */
	char			 name[SOCK_NAMELEN];
	unsigned char		*rbuf;		/* shared read buffer */
	struct client		*clients;
	long long		 nclients, accepted;
	long long		 timeout_ms;	/* -1: none */
	int			 idle_timer;	/* -1: none armed */
	bool			 paused;	/* accepting paused (EMFILE) */
	struct stats		 st;
};

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
	return !s->paused;
}

static void
update_listen(struct server *s)
{
	loop_mod(s->l, s->lfd, may_accept(s) ? LOOP_IN : 0);
}

/* Close and free a client taken off the list (or the whole list's). */
static void
client_free(struct server *s, struct client *c)
{
	close(c->fd);
	free(c->buf);
	free(c);
	s->nclients--;
	s->st.clients_served++;
}

static void
client_unlink(struct server *s, struct client *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
}

static void
client_close(struct client *c, const char *why)
{
	struct server *s = c->s;
	char pn[SOCK_NAMELEN];

	if (s->a->verbose)
		nd_warnx("%s: %s", peer_name(c, pn, sizeof(pn)), why);
	loop_del(s->l, c->fd);
	client_unlink(s, c);
	client_free(s, c);
	/* A descriptor is free again: no reason to wait out a pause. */
	s->paused = false;
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
	if (c->s->timeout_ms < 0)
		return;
	c->last_ms = clock_ms();
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
client_flush(struct client *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->fd, c->buf + c->off, c->len - c->off,
		    MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(c, strerror(errno));
			return false;
		}
		c->off += (size_t)w;
		c->s->st.bytes_out += (uint64_t)w;
		/* A client draining its echo is not idle (--timeout). */
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
client_queue(struct client *c, const unsigned char *p, size_t n)
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
				client_close(c, "out of memory");
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

/*
 * Watch for what the client's state asks: input unless it is at its end
 * or too much echo waits (with hysteresis), output while echo waits.
 */
static void
client_update(struct client *c)
{
	size_t pending = c->len - c->off;

	if (c->eof && pending == 0) {
		client_close(c, "closed");
		return;
	}
	c->reading = !c->eof && pending < ECHO_HIGH &&
	    (pending < ECHO_LOW || c->reading);
	loop_mod(c->s->l, c->fd, (c->reading ? LOOP_IN : 0) |
	    (pending > 0 ? LOOP_OUT : 0));
}

/* Echo n bytes of rbuf at once if the socket takes them, queue the rest. */
static bool
client_echo(struct client *c, const unsigned char *p, size_t n)
{
	ssize_t w;

	if (c->off < c->len)
		return client_queue(c, p, n);
	do
		w = send(c->fd, p, n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		client_close(c, strerror(errno));
		return false;
	}
	if (w <= 0)
		return client_queue(c, p, n);
	c->s->st.bytes_out += (uint64_t)w;
	client_active(c);
	return (size_t)w == n || client_queue(c, p + w, n - (size_t)w);
}

/* Read once and echo what can go at once; false if the client is gone. */
static bool
client_read(struct client *c)
{
	struct server *s = c->s;
	const struct nd_args *a = s->a;
	ssize_t n;

	n = recv(c->fd, s->rbuf, (size_t)a->bufsize, 0);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		client_close(c, strerror(errno));
		return false;
	}
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
	return a->sink || client_echo(c, s->rbuf, (size_t)n);
}

static void
on_client(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct client *c = arg;

	(void)l;
	(void)fd;
	if ((rev & LOOP_OUT) && !client_flush(c))
		return;
	if ((rev & LOOP_IN) && !client_read(c))
		return;
	client_update(c);
}

static void	arm_idle(struct server *, long long);

static void
on_resume(struct loop *l, void *arg)
{
	struct server *s = arg;

	(void)l;
	s->paused = false;
	update_listen(s);
}

/* Out of descriptors or memory: shed the connection, or pause a while. */
static void
accept_failed(struct server *s, int err)
{
	static struct err_limit lim = { .kind = "accept" };

	errno = err;
	nd_warn_limited(&lim, "accept %s", s->name);
	if ((err == EMFILE || err == ENFILE) && sock_shed(s->lfd, &s->spare) == 0)
		return;
	/* No spare to trade (or the kernel is out of memory): pause. */
	s->paused = true;
	if (loop_timer(s->l, clock_ms() + ACCEPT_PAUSE_MS, on_resume, s) < 0)
		s->paused = false;
	update_listen(s);
}

static void
accept_one(struct server *s, int fd, const struct sockaddr_storage *ss)
{
	static struct err_limit full = { .kind = "turned away" };
	const struct nd_args *a = s->a;
	struct client *c;
	char pn[SOCK_NAMELEN];

	if (a->max_clients > 0 && s->nclients >= a->max_clients) {
		sock_ntop((const struct sockaddr *)ss, pn, sizeof(pn));
		nd_warnx_limited(&full, "%s: turned away: --max-clients %lld "
		    "reached", pn, a->max_clients);
		close(fd);
		return;
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		nd_warn("accept");
		close(fd);
		return;
	}
	c->s = s;
	c->fd = fd;
	c->addr = *ss;
	c->reading = true;
	if (loop_add(s->l, fd, LOOP_IN, on_client, c) < 0) {
		/* select: the fd would not fit in an fd_set. */
		nd_warnx_limited(&full, "%s: turned away: fd %d is past "
		    "select's limit FD_SETSIZE %d (use --poll)",
		    peer_name(c, pn, sizeof(pn)), fd, FD_SETSIZE);
		close(fd);
		free(c);
		return;
	}
	if ((c->next = s->clients) != NULL)
		c->next->prev = c;
	s->clients = c;
	s->nclients++;
	s->accepted++;
	if ((uint64_t)s->nclients > s->st.peak_clients)
		s->st.peak_clients = (uint64_t)s->nclients;
	client_active(c);
	arm_idle(s, c->last_ms + s->timeout_ms);
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
		int fd = sock_accept(lfd, &ss);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				accept_failed(s, errno);
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR && errno != ECONNABORTED)
				nd_warn_limited(&fail, "accept %s", s->name);
			break;
		}
		accept_one(s, fd, &ss);
	}
	update_listen(s);
}

/* Drop the idle clients; arm the timer for the next deadline. */
static void
on_idle(struct loop *l, void *arg)
{
	struct server *s = arg;
	long long now = clock_ms(), next = -1;
	struct client *c, *n;

	(void)l;
	s->idle_timer = -1;
	for (c = s->clients; c != NULL; c = n) {
		n = c->next;
		if (client_idle(c, now, s->timeout_ms)) {
			char pn[SOCK_NAMELEN];

			nd_warnx("%s: idle for %g s: dropped",
			    peer_name(c, pn, sizeof(pn)), s->a->timeout);
			client_close(c, "dropped");
			continue;
		}
		if (next < 0 || c->last_ms + s->timeout_ms < next)
			next = c->last_ms + s->timeout_ms;
	}
	if (next >= 0)
		arm_idle(s, next);
}

/* One idle timer for all clients, at the earliest deadline. */
static void
arm_idle(struct server *s, long long at_ms)
{
	if (s->timeout_ms < 0 || s->idle_timer >= 0)
		return;
	s->idle_timer = loop_timer(s->l, at_ms, on_idle, s);
}

static void
server_setup(struct server *s, const struct nd_args *a)
{
	int one = 1;

	s->a = a;
	s->timeout_ms = a->timeout >= 0 ? (long long)(a->timeout * 1000) : -1;
	s->idle_timer = -1;
	s->spare = sock_spare();
	if ((s->rbuf = malloc((size_t)a->bufsize)) == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	s->l = loop_new(a->backend == BACKEND_SELECT ? LOOP_SELECT : LOOP_POLL);
	s->lfd = sock_listen(a->host, a->port, a->family, SOCK_STREAM,
	    (int)a->backlog, s->name, sizeof(s->name));
	if (sock_nonblock(s->lfd) < 0)
		nd_err(ND_EXIT_RUN, "fcntl");
	/* Echoes go out at once; Linux hands this on to accepted sockets. */
	(void)setsockopt(s->lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (loop_add(s->l, s->lfd, LOOP_IN, on_listen, s) < 0) {
		if (errno == EMFILE)
			nd_errx(ND_EXIT_RUN, "--select: fd %d is past "
			    "FD_SETSIZE %d; use --poll", s->lfd, FD_SETSIZE);
		nd_err(ND_EXIT_RUN, "event loop");
	}
	/* Accept after the closes of the same pass: they free descriptors. */
	loop_defer(s->l, s->lfd);
	loop_set_prewait(s->l, out_flush);
}

static int
tcp_serve_run(const struct nd_args *a)
{
	struct server s;
	int status;

	memset(&s, 0, sizeof(s));
	server_setup(&s, a);
	stats_start(&s.st, NULL);
	s.st.tcp = true;
	stats_print_at_error(&s.st, a->stats, a->format);
	sock_announce("listening on", s.name);

	status = loop_run(s.l);

	stats_print_at_error(NULL, false, 0);
	for (struct client *c = s.clients, *n; c != NULL; c = n) {
		n = c->next;
		client_free(&s, c);
	}
	if (a->stats || sig_caught())
		stats_print(&s.st, a->format);
	close(s.lfd);
	if (s.spare >= 0)
		close(s.spare);
	loop_free(s.l);
	free(s.rbuf);
	return status;
}

static const struct opt_text tcp_serve_texts[] = {
	{ O_COUNT, "serve N clients, then exit" },
	{ O_TIMEOUT, "drop a client on which nothing moved for SEC s" },
	{ O_VERBOSE, "report connections and closes" },
	{ O_NROWS, NULL }
};

const struct nd_mode tcp_serve_mode = {
	.name = "tcp-serve",
	.summary = "TCP echo server: one client at a time, or all at once "
	    "with --select or --poll",
	.takes = OPT(O_HOST) | OPT(O_BUFSIZE) | OPT(O_TIMEOUT) |
	    OPT(O_SELECT) | OPT(O_POLL) | OPT(O_BACKLOG) | OPT(O_MAX_CLIENTS) |
	    OPT(O_SINK),
	.texts = tcp_serve_texts,
	.listens = true,
	.run = tcp_serve_run,
};
