/*
 * tcp_connect.c: the TCP client.  Standard input (or --message) goes to
 * the socket while what comes back goes to standard output, on lib/loop
 * with four slots as in OpenBSD nc's readwrite(): standard input, the
 * socket both ways, and standard output, each watched only while its
 * buffer lets it move.  A large file never deadlocks against an echo
 * server, and a slow standard output stalls only the receiving side.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "feed.h"
#include "loop.h"
#include "mode.h"
#include "out.h"
#include "report.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"
#include "zcopy.h"

#define STDIN_BUF	((size_t)256 * 1024)	/* standard input read size */
#define OUT_HIGH	((size_t)1 << 20)	/* read no more past this queued */
#define IO_BURST	16		/* reads per wakeup, at most */
#define ZC_CHUNK	(1 << 20)	/* bytes per splice */

struct conn {
	const struct nd_args	*a;
	struct loop		*l;
	int			 fd;
	char			 name[SOCK_NAMELEN];
	struct feed		 in;		/* what goes to the server */
	bool			 in_watched;	/* stdin is in the loop */
	bool			 shut;		/* SHUT_WR done */
	bool			 rcv_eof;	/* the server's side is closed */
	int			 recv_err;	/* a failed recv's errno, or 0 */
	bool			 zc_out;	/* splice(2) to stdout */
	struct zc_pipe		 zp;
	unsigned char		*rbuf;		/* socket -> stdout */
	long long		 timeout_ms, last_ms;
	struct stats		 st;
	struct reporter		 rp;
	uint64_t		 snap_in, snap_out;	/* at the last report */
};

static void	on_stdin(struct loop *, int, unsigned, void *);

/* Bytes waiting for standard output. */
static size_t
out_waiting(const struct conn *c)
{
	return c->zc_out ? c->zp.fill : out_queued();
}

/*
 * Set what each slot waits for from the state of both directions, shut
 * down writing once the input is all out, and end the run once both
 * directions are over.  The server's EOF ends only the receive direction:
 * input still goes out until it ends (a server may half-close and read
 * on).
 */
static void
steer(struct conn *c)
{
	bool sending = c->in.err == 0 && !feed_done(&c->in);
	size_t waiting = out_waiting(c);

	if (feed_done(&c->in) && !c->shut) {
		/* Tell the server, keep reading what it still sends. */
		if (c_shutdown(c->fd, SHUT_WR) < 0 && errno != ENOTCONN)
			nd_err(ND_EXIT_RUN, "shutdown %s", c->name);
		c->shut = true;
	}
	if (c->rcv_eof && !sending) {
		loop_stop(c->l, ND_EXIT_OK);
		return;
	}
	loop_mod(c->l, c->fd, (!c->rcv_eof && (c->zc_out ? waiting == 0 :
	    waiting < OUT_HIGH) ? LOOP_IN : 0) |
	    (feed_wants_send(&c->in) ? LOOP_OUT : 0));
	loop_mod(c->l, STDOUT_FILENO, waiting > 0 ? LOOP_OUT : 0);
	if (!c->in_watched && feed_wants_read(&c->in)) {
		/* A message, a file sendfile(2) would not take: read it. */
		if (loop_add(c->l, STDIN_FILENO, LOOP_IN, on_stdin, c) < 0)
			nd_err(ND_EXIT_RUN, "event loop");
		c->in_watched = true;
	}
	if (c->in_watched)
		loop_mod(c->l, STDIN_FILENO, feed_wants_read(&c->in) ?
		    LOOP_IN : 0);
}

/* n bytes moved either way: the idle clock starts again. */
#define moved(c, n)	((n) > 0 ? (void)((c)->last_ms = clock_ms()) : (void)0)

/* n bytes went to the server in a call that began at t0. */
static void
sent(struct conn *c, long long n, long long t0)
{
	moved(c, n);
	stats_sent(&c->st, n > 0 ? (uint64_t)n : 0, t0);
}

static void
on_stdin(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;
	long long t0 = clock_ns(), n = feed_read(&c->in, c->fd);

	(void)l;
	(void)fd;
	(void)rev;
	if (n < 0)
		nd_err(ND_EXIT_RUN, "read standard input");
	sent(c, n, t0);
	steer(c);
}

/* The server closed its side, or reset: the receive direction is over. */
static void
recv_over(struct conn *c, int err)
{
	if (err != 0 && c->in.err == 0)
		c->recv_err = err;
	else if (c->a->verbose && out_json())
		out_event("close", c->name, ",\"why\":\"closed by the server\"");
	else if (c->a->verbose || (!feed_done(&c->in) && c->in.err == 0 &&
	    isatty(STDIN_FILENO)))
		nd_warnx("%s: closed by the server%s", c->name,
		    feed_done(&c->in) || c->in.err ? "" :
		    "; sending on to the end of input");
	c->rcv_eof = true;
}

/* The pipe to standard output: false when that ended the run. */
static bool
splice_out(struct conn *c, bool wait)
{
	if (zc_splice_out(&c->zp, STDOUT_FILENO, wait) == 0)
		return true;
	if (errno == EPIPE)
		out_reader_gone();
	else if (errno != EINTR)
		nd_err(ND_EXIT_RUN, "write standard output");
	return false;
}

/*
 * Raw output to a pipe or a file: socket to pipe to standard output in
 * the kernel, no copy through here; a burst while standard output takes
 * it all at once, else on_stdout moves the rest when it can.
 */
static void
splice_in(struct conn *c)
{
	for (int i = 0; i < IO_BURST && c->zp.fill == 0; i++) {
		ssize_t n = zc_splice_in(&c->zp, c->fd, ZC_CHUNK);

		if (n < 0 && errno == EINTR && !sig_ending())
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == EINTR))
			return;
		if (n <= 0) {
			recv_over(c, n < 0 ? errno : 0);
			return;
		}
		moved(c, n);
		stats_count(&c->st, (uint64_t)n);
		if (!splice_out(c, false))
			return;
	}
}

/* Drain what has arrived: one wakeup, several reads. */
static void
recv_burst(struct conn *c)
{
	const struct nd_args *a = c->a;

	for (int i = 0; i < IO_BURST && !c->rcv_eof; i++) {
		ssize_t n = c_recv(c->fd, c->rbuf, (size_t)a->bufsize, 0);
		struct out_meta m = { .peer = c->name, .seq = -1,
		    .latency_us = LLONG_MIN };

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			recv_over(c, n < 0 ? errno : 0);
			break;
		}
		moved(c, n);
		stats_count(&c->st, (uint64_t)n);
		if (!a->quiet)
			out_msg(&m, c->rbuf, (size_t)n);
		if (a->count > 0 && c->st.messages >= (uint64_t)a->count) {
			loop_stop(c->l, ND_EXIT_OK);
			return;
		}
		if ((size_t)n < (size_t)a->bufsize ||
		    out_queued() >= OUT_HIGH)
			break;		/* short: the queue is empty */
	}
}

static void
on_sock(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;

	(void)l;
	(void)fd;
	if (rev & LOOP_OUT) {
		long long t0 = clock_ns();

		sent(c, feed_send(&c->in, c->fd), t0);
	}
	if ((rev & LOOP_IN) && c->zc_out)
		splice_in(c);
	else if (rev & LOOP_IN)
		recv_burst(c);
	steer(c);
}

/* Standard output takes more: write what waits for it. */
static void
on_stdout(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;

	(void)l;
	(void)rev;
	(void)fd;
	if (!c->zc_out)
		out_flush_some();
	else if (!splice_out(c, false))
		return;
	steer(c);
}

/* -w: nothing moved either way for the timeout: close, exit 0. */
static void
on_idle(struct loop *l, void *arg)
{
	struct conn *c = arg;
	long long due = c->last_ms + c->timeout_ms;

	if (clock_ms() < due) {
		(void)loop_timer(l, due, on_idle, c);
		return;
	}
	if (c->a->verbose)
		nd_warnx("%s: idle for %g s: closing", c->name, c->a->timeout);
	loop_stop(l, ND_EXIT_OK);
}

/* --report: the bytes each way since the last one. */
static void
report(void *arg, double s, double e)
{
	struct conn *c = arg;
	struct rec r = { .peer = c->name, .start_s = s, .end_s = e,
	    .tcp = true, .bytes = c->st.bytes - c->snap_in,
	    .bytes_out = c->st.sent - c->snap_out };

	report_print(&r);
	c->snap_in = c->st.bytes;
	c->snap_out = c->st.sent;
}

/* --duration: the run is over; exit 3 if it was short of --count. */
static void
on_duration(struct loop *l, void *arg)
{
	struct conn *c = arg;

	loop_stop(l, c->a->count > 0 && c->st.messages <
	    (uint64_t)c->a->count ? ND_EXIT_SHORT : ND_EXIT_OK);
}

static void
conn_setup(struct conn *c, const struct nd_args *a)
{
	c->l = loop_new(LOOP_POLL);
	if (loop_add(c->l, c->fd, LOOP_IN, on_sock, c) < 0 ||
	    loop_add(c->l, STDOUT_FILENO, 0, on_stdout, c) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
	c->zp.r = c->zp.w = -1;
	/* splice(2) needs raw bytes, no per-read counting, an fd it can use. */
	if (a->format == FMT_RAW && !a->quiet && a->count == 0 &&
	    zc_splice_fits(STDOUT_FILENO) && zc_pipe_open(&c->zp) == 0)
		c->zc_out = true;
	out_hold();
	reporter_start(&c->rp, a->report, c->st.start_ns);
	report_on_loop(&c->rp, c->l, report, c);
	if ((c->timeout_ms >= 0 &&
	    loop_timer(c->l, clock_ms() + c->timeout_ms, on_idle, c) < 0) ||
	    (a->duration > 0 &&
	    loop_timer(c->l, c->st.start_ns / 1000000 +
	    (long long)(a->duration * 1000), on_duration, c) < 0))
		nd_err(ND_EXIT_RUN, "event loop");
}

static int
tcp_connect_run(const struct nd_args *a)
{
	struct conn c;
	double s, e;
	int status;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.timeout_ms = a->timeout >= 0 ? (long long)(a->timeout * 1000) : -1;
	if ((c.rbuf = malloc((size_t)a->bufsize)) == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	feed_init(&c.in, a->message, (size_t)a->bufsize > STDIN_BUF ?
	    (size_t)a->bufsize : STDIN_BUF);
	stats_start(&c.st, NULL);
	c.st.client = true;
	c.fd = sock_connect(a->host, a->port, a->family, a->timeout, c.name,
	    sizeof(c.name));
	if (c.fd < 0) {
		/* A signal while connecting: the summary of nothing. */
		stats_print(&c.st, a->format);
		feed_free(&c.in);
		free(c.rbuf);
		return ND_EXIT_OK;
	}
	if (a->verbose && out_json())
		out_event("connect", c.name, "");
	else if (a->verbose)
		nd_warnx("connected to %s", c.name);
	conn_setup(&c, a);
	stats_print_at_error(&c.st, a->stats, a->format);
	c.last_ms = clock_ms();
	steer(&c);

	status = loop_run(c.l);

	/* After the loop: what still waits for standard output goes out. */
	if (c.zc_out)
		(void)splice_out(&c, true);
	out_flush();
	if (reporter_last(&c.rp, clock_ns(), c.st.bytes != c.snap_in ||
	    c.st.sent != c.snap_out, &s, &e))
		report(&c, s, e);
	stats_print_at_error(NULL, false, 0);
	if (a->stats || a->report > 0 || sig_caught() ||
	    status == ND_EXIT_SHORT)
		stats_print(&c.st, a->format);
	if ((status = feed_verdict(&c.in, c.name, c.recv_err, status)) ==
	    ND_EXIT_SHORT)
		nd_warnx("%llu of %lld reads in --duration %g s",
		    (unsigned long long)c.st.messages, a->count, a->duration);
	c_close(c.fd);
	zc_pipe_close(&c.zp);
	loop_free(c.l);
	feed_free(&c.in);
	free(c.rbuf);
	return status;
}

static void
tcp_connect_defaults(struct nd_args *a)
{
	if (!opts_given(a, O_FORMAT))
		a->format = FMT_RAW;
}

static const struct opt_text tcp_connect_texts[] = {
	{ O_HOST, "address to reach (IPv4, IPv6 or a name; may end in :PORT)" },
	{ O_PORT, "port or service to reach" },
	{ O_COUNT, "exit after N reads from the server" },
	{ O_TIMEOUT, "give up connecting after SEC s; then the idle limit" },
	{ O_MESSAGE, "send TEXT instead of standard input" },
	{ O_VERBOSE, "report the connection and its close" },
	{ O_NROWS, NULL }
};

const struct nd_mode tcp_connect_mode = {
	.name = "tcp-connect",
	.summary = "TCP client: send a message or standard input, write "
	    "what comes back",
	.takes = OPT(O_HOST) | OPT(O_BUFSIZE) | OPT(O_TIMEOUT) | OPT(O_MESSAGE),
	.texts = tcp_connect_texts,
	.defaults = tcp_connect_defaults,
	.run = tcp_connect_run,
};
