/*
 * tcp_serve.c: the TCP echo server: listening, accepting (and turning
 * away), idle clients, the run.  --select, --poll and --epoll serve every
 * client at once on lib/loop, tcp_echo.c serving each client; plain is
 * the tutorial's blocking server, one client at a time (tcp_block.c).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "loop.h"
#include "mode.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"
#include "tcp_serve.h"

#define ACCEPT_BURST	64		/* accepts per readiness event */
#define ACCEPT_PAUSE_MS	100		/* when out of fds or memory */

/* Accepting stops at --count clients. */
static bool
may_accept(const struct server *s)
{
	if (s->a->count > 0 && s->accepted >= s->a->count)
		return false;
	return !s->paused;
}

static void
update_listen(struct server *s)
{
	loop_mod(s->l, s->lfd, may_accept(s) ? LOOP_IN : 0);
}

/* Close and free a client taken off the list (or the whole list's). */

/* A client left: accept again (its descriptor is free), or end at -c. */
void
serve_client_gone(struct server *s)
{
	s->paused = false;
	if (s->a->count > 0 && s->accepted >= s->a->count &&
	    s->nclients == 0) {
		loop_stop(s->l, ND_EXIT_OK);
		return;
	}
	update_listen(s);
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
		if (a->verbose && out_json())
			out_event("turned_away", pn,
			    ",\"why\":\"--max-clients reached\"");
		c_close(fd);
		return;
	}
	if ((c = echo_new(s, fd, ss)) == NULL)
		return;
	if (loop_add(s->l, fd, LOOP_IN, echo_ready, c) < 0) {
		/* select: the fd would not fit in an fd_set. */
		nd_warnx_limited(&full, "%s: turned away: fd %d is past "
		    "select's limit FD_SETSIZE %d (use --poll)",
		    echo_peer(c, pn, sizeof(pn)), fd, FD_SETSIZE);
		c_close(fd);
		free(c);
		return;
	}
	echo_joined(c);
	arm_idle(s, c->last_ms + s->timeout_ms);
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

/*
 * Drop the idle clients; arm the timer for the next deadline.  The list
 * is by last activity, so only the clients past their time are looked
 * at, not all of them (O(dropped), not O(clients), per tick).
 */
static void
on_idle(struct loop *l, void *arg)
{
	struct server *s = arg;
	long long now = clock_ms();
	struct client *c, *n;

	(void)l;
	s->idle_timer = -1;
	for (c = s->clients; c != NULL && now - c->last_ms >= s->timeout_ms;
	    c = n) {
		n = c->next;
		if (echo_idle(c, now, s->timeout_ms)) {
			char pn[SOCK_NAMELEN];

			nd_warnx("%s: idle for %g s: dropped",
			    echo_peer(c, pn, sizeof(pn)), s->a->timeout);
			echo_close(c, "dropped");
			continue;
		}
		/* Its echo drained meanwhile: active now, to the tail. */
		echo_unlink(s, c);
		echo_link(s, c);
	}
	if (s->clients != NULL)
		arm_idle(s, s->clients->last_ms + s->timeout_ms);
}

/* One idle timer for all clients, at the earliest deadline. */
static void
arm_idle(struct server *s, long long at_ms)
{
	if (s->timeout_ms < 0 || s->idle_timer >= 0)
		return;
	s->idle_timer = loop_timer(s->l, at_ms, on_idle, s);
}

/* --report: a client's bytes each way since its last record. */
static void
report_client(struct client *c, double start_s, double end_s)
{
	char pn[SOCK_NAMELEN];
	struct rec r = { .peer = echo_peer(c, pn, sizeof(pn)),
	    .start_s = start_s, .end_s = end_s, .tcp = true,
	    .bytes = c->in - c->snap_in, .bytes_out = c->out - c->snap_out };

	report_print(&r);
	c->snap_in = c->in;
	c->snap_out = c->out;
}

static void
report(void *arg, double start_s, double end_s)
{
	struct server *s = arg;

	for (struct client *c = s->clients; c != NULL; c = c->next)
		report_client(c, start_s, end_s);
}

/* A client leaves: its last record, from its last report to now. */
void
serve_report_gone(struct server *s, struct client *c)
{
	double start_s, end_s;

	if (s->a->report <= 0 || (c->in == c->snap_in && c->out == c->snap_out))
		return;
	reporter_span(&s->rp, clock_ns(), &start_s, &end_s);
	report_client(c, start_s, end_s);
}

/* --duration: the run is over; exit 3 if it was short of --count. */
static void
on_duration(struct loop *l, void *arg)
{
	struct server *s = arg;

	loop_stop(l, s->a->count > 0 && s->accepted < s->a->count ?
	    ND_EXIT_SHORT : ND_EXIT_OK);
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
	/* Plain blocks in accept(2), recv(2) and send(2): no loop. */
	if (a->backend != BACKEND_PLAIN)
		s->l = loop_new(a->backend == BACKEND_SELECT ? LOOP_SELECT :
		    a->backend == BACKEND_EPOLL ? LOOP_EPOLL : LOOP_POLL);
	s->lfd = sock_listen(a->host, a->port, a->family, SOCK_STREAM,
	    (int)a->backlog, s->name, sizeof(s->name));
	/* Echoes go out at once; Linux hands this on to accepted sockets. */
	(void)c_setsockopt(s->lfd, IPPROTO_TCP, TCP_NODELAY, &one,
	    sizeof(one));
	if (s->l == NULL)
		return;
	if (sock_nonblock(s->lfd) < 0)
		nd_err(ND_EXIT_RUN, "fcntl");
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
	reporter_start(&s.rp, a->report, s.st.start_ns);
	if (s.l == NULL) {
		/* Plain: block_run calls report as reports fall due. */
		s.rp.fn = report;
		s.rp.arg = &s;
	} else {
		report_on_loop(&s.rp, s.l, report, &s);
		if (a->duration > 0 && loop_timer(s.l, s.st.start_ns /
		    1000000 + (long long)(a->duration * 1000), on_duration,
		    &s) < 0)
			nd_err(ND_EXIT_RUN, "event loop");
	}
	stats_print_at_error(&s.st, a->stats, a->format);
	sock_announce("listening on", s.name);

	status = s.l != NULL ? loop_run(s.l) : block_run(&s);

	stats_print_at_error(NULL, false, 0);
	for (struct client *c = s.clients, *n; c != NULL; c = n) {
		n = c->next;
		serve_report_gone(&s, c);
		echo_free(&s, c);
	}
	/* A run that fell short shows its summary, then why. */
	if (a->stats || a->report > 0 || sig_caught() ||
	    status == ND_EXIT_SHORT)
		stats_print(&s.st, a->format);
	if (status == ND_EXIT_SHORT)
		nd_warnx("%lld of %lld clients served in --duration %g s",
		    s.accepted, a->count, a->duration);
	c_close(s.lfd);
	if (s.spare >= 0)
		close(s.spare);
	loop_free(s.l);
	free(s.rbuf);
	return status;
}

static void
tcp_serve_check(const struct nd_args *a)
{
	if (a->backend == BACKEND_EPOLL && !LOOP_HAVE_EPOLL)
		nd_usage("--epoll: not on this system (epoll(7) is Linux's); "
		    "use --poll");
}

static const struct opt_text tcp_serve_texts[] = {
	{ O_HOST, "address to bind (IPv4, IPv6 or a name; may end in :PORT)" },
	{ O_PORT, "port or service to bind, 0 for one the kernel picks" },
	{ O_COUNT, "serve N clients, then exit" },
	{ O_TIMEOUT, "drop a client on which nothing moved for SEC s" },
	{ O_VERBOSE, "report connections and closes" },
	{ O_NROWS, NULL }
};

const struct nd_mode tcp_serve_mode = {
	.name = "tcp-serve",
	.summary = "TCP echo server: one client at a time, or all at once "
	    "with --select, --poll or --epoll",
	.takes = OPT(O_HOST) | OPT(O_BUFSIZE) | OPT(O_TIMEOUT) |
	    OPT(O_SELECT) | OPT(O_POLL) | OPT(O_EPOLL) | OPT(O_BACKLOG) |
	    OPT(O_MAX_CLIENTS) |
	    OPT(O_SINK),
	.texts = tcp_serve_texts,
	.listens = true,
	.check = tcp_serve_check,
	.run = tcp_serve_run,
};
