/*
 * tcp_connect.c: the TCP client.  Standard input (or --message) goes to the
 * socket while what comes back goes to standard output, both at once on
 * lib/loop, a buffer per direction as in OpenBSD nc's readwrite(): a large
 * file never deadlocks against an echo server.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
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
#include "zcopy.h"

#define STDIN_BUF	((size_t)256 * 1024)	/* standard input read size */
#define IO_BURST	16		/* reads per wakeup, at most */
#define ZC_CHUNK	(1 << 20)	/* bytes per sendfile or splice */

struct conn {
	const struct nd_args	*a;
	struct loop		*l;
	int			 fd;
	char			 name[SOCK_NAMELEN];
	char			*ibuf;		/* stdin -> socket: [ioff, ilen) */
	size_t			 ioff, ilen, ibufsize;
	long long		 in_size;	/* a file's bytes from in_start, or -1 */
	bool			 in_file;	/* stdin is a regular file */
	bool			 zc_in;		/* sendfile(2) from stdin */
	bool			 zc_out;	/* splice(2) to stdout */
	struct zc_pipe		 zp;
	const char		*msg;		/* --message, else NULL */
	bool			 in_eof;	/* input read to its end */
	bool			 shut;		/* SHUT_WR done */
	bool			 rcv_eof;	/* the server's side is closed */
	int			 send_err;	/* a failed send's errno, or 0 */
	int			 recv_err;	/* a failed recv's errno, or 0 */
	unsigned char		*rbuf;		/* socket -> stdout */
	long long		 timeout_ms, last_ms;
	struct stats		 st;
	uint64_t		 sent;
};

/* Bytes read but not yet sent. */
static size_t
pending_len(const struct conn *c)
{
	return c->ilen - c->ioff;
}

/* All of the input is out: read to its end and nothing left to send. */
static bool
input_done(const struct conn *c)
{
	return c->in_eof && pending_len(c) == 0 && c->send_err == 0;
}

/*
 * Set what each fd waits for from the state of both directions, shut
 * down writing once the input is all out, and end the run once both
 * directions are over.  The server's EOF ends only the receive direction:
 * input still goes out until it ends (a server may half-close and read
 * on).
 */
static void
steer(struct conn *c)
{
	unsigned ev = c->rcv_eof ? 0 : LOOP_IN;
	bool sending = c->send_err == 0 && !input_done(c);

	if (sending && (pending_len(c) > 0 || c->zc_in))
		ev |= LOOP_OUT;
	if (input_done(c) && !c->shut) {
		/* Tell the server, keep reading what it still sends. */
		if (shutdown(c->fd, SHUT_WR) < 0 && errno != ENOTCONN)
			nd_err(ND_EXIT_RUN, "shutdown %s", c->name);
		c->shut = true;
	}
	if (c->rcv_eof && !sending) {
		loop_stop(c->l, ND_EXIT_OK);
		return;
	}
	loop_mod(c->l, c->fd, ev);
	if (!c->msg && !c->in_eof && !c->zc_in && c->send_err == 0)
		loop_mod(c->l, STDIN_FILENO, pending_len(c) == 0 ? LOOP_IN : 0);
}

/*
 * A send failed (the server reset or closed): stop sending, drop what
 * was read, and go on reading what the server sent before, so that no
 * reply is lost; the run then ends with this error.
 */
static void
send_failed(struct conn *c, int err)
{
	c->send_err = err;
	c->ioff = c->ilen = 0;
	if (!c->msg && !c->zc_in)
		loop_del(c->l, STDIN_FILENO);
}

static void
send_pending(struct conn *c)
{
	const char *p = (c->msg ? c->msg : c->ibuf) + c->ioff;
	size_t n = pending_len(c);

	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR && !sig_ending())
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				send_failed(c, errno);
			return;
		}
		c->ioff += (size_t)w;
		c->sent += (uint64_t)w;
		c->last_ms = clock_ms();
		p += w;
		n -= (size_t)w;
	}
	c->ioff = c->ilen = 0;
}

static void	on_stdin(struct loop *, int, unsigned, void *);

/*
 * Standard input is a file: the kernel sends it from the page cache
 * until the socket is full.  If it cannot (no sendfile here, or a file
 * system without it), go back to reading into a buffer.
 */
static void
send_file(struct conn *c)
{
	for (int i = 0; i < IO_BURST && !c->in_eof && !sig_ending(); i++) {
		ssize_t w = zc_sendfile(c->fd, STDIN_FILENO, ZC_CHUNK);

		if (w > 0) {
			c->sent += (uint64_t)w;
			c->last_ms = clock_ms();
			continue;
		}
		if (w == 0) {
			c->in_eof = true;
			break;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		if ((errno == EINVAL || errno == ENOSYS) && c->sent == 0) {
			c->zc_in = false;
			if (loop_add(c->l, STDIN_FILENO, LOOP_IN, on_stdin, c) < 0)
				nd_err(ND_EXIT_RUN, "event loop");
			break;
		}
		c->zc_in = false;
		send_failed(c, errno);
		break;
	}
}

static void
on_stdin(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;
	int budget = c->in_file ? IO_BURST : 1;
	ssize_t n;

	(void)rev;
	/*
	 * A regular file never blocks: read and send until the socket is
	 * full.  Anything else is read once per readiness, or a read with
	 * nothing to give would block the other direction.
	 */
	do {
		n = read(fd, c->ibuf, c->ibufsize);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				break;
			nd_err(ND_EXIT_RUN, "read standard input");
		}
		if (n == 0) {
			c->in_eof = true;
			loop_del(l, fd);
			break;
		}
		c->ioff = 0;
		c->ilen = (size_t)n;
		c->last_ms = clock_ms();
		send_pending(c);
	} while (pending_len(c) == 0 && c->send_err == 0 && --budget > 0);
	steer(c);
}

/* The server closed its side, or reset: the receive direction is over. */
static void
recv_over(struct conn *c, int err)
{
	if (err != 0 && c->send_err == 0)
		c->recv_err = err;
	else if (c->a->verbose || (!input_done(c) && c->send_err == 0 &&
	    isatty(STDIN_FILENO)))
		nd_warnx("%s: closed by the server%s", c->name, input_done(c) ||
		    c->send_err ? "" : "; sending on to the end of input");
	c->rcv_eof = true;
}

/*
 * Raw output to a pipe or a file: socket to pipe to standard output in
 * the kernel, no copy through this process.
 */
static void
splice_out(struct conn *c)
{
	for (int i = 0; i < IO_BURST; i++) {
		ssize_t n = zc_splice_in(&c->zp, c->fd, ZC_CHUNK);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			recv_over(c, n < 0 ? errno : 0);
			break;
		}
		if (zc_splice_out(&c->zp, STDOUT_FILENO, (size_t)n) < 0) {
			if (errno == EPIPE)
				out_reader_gone();
			else if (errno != EINTR)
				nd_err(ND_EXIT_RUN, "write standard output");
			return;		/* EINTR: the run is ending */
		}
		c->last_ms = clock_ms();
		stats_count(&c->st, (uint64_t)n);
	}
	steer(c);
}

/* Drain what has arrived: one wakeup, several reads. */
static void
recv_burst(struct conn *c)
{
	const struct nd_args *a = c->a;

	for (int i = 0; i < IO_BURST && !c->rcv_eof; i++) {
		ssize_t n = recv(c->fd, c->rbuf, (size_t)a->bufsize, 0);
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
		c->last_ms = clock_ms();
		stats_count(&c->st, (uint64_t)n);
		if (!a->quiet)
			out_msg(&m, c->rbuf, (size_t)n);
		if (a->count > 0 && c->st.messages >= (uint64_t)a->count) {
			loop_stop(c->l, ND_EXIT_OK);
			return;
		}
		if ((size_t)n < (size_t)a->bufsize)
			break;		/* short: the queue is empty */
	}
	steer(c);
}

static void
on_sock(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;

	(void)l;
	(void)fd;
	if ((rev & LOOP_OUT) && c->zc_in)
		send_file(c);
	else if (rev & LOOP_OUT)
		send_pending(c);
	if ((rev & LOOP_IN) && c->zc_out)
		splice_out(c);
	else if (rev & LOOP_IN)
		recv_burst(c);
	else
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

/* What of the input did not go out, for the last line of the run. */
static void
unsent(const struct conn *c, char *buf, size_t cap)
{
	if (c->msg != NULL)
		snprintf(buf, cap, "%zu of %zu bytes of --message not sent",
		    strlen(c->msg) - (size_t)c->sent, strlen(c->msg));
	else if (c->in_size >= 0)
		snprintf(buf, cap, "%lld of %lld bytes of standard input not "
		    "sent", c->in_size - (long long)c->sent, c->in_size);
	else
		snprintf(buf, cap, "standard input not sent past byte %llu",
		    (unsigned long long)c->sent);
}

/*
 * How the run ends, after its summary: a failed direction is exit 1 and
 * names what was not sent; input left unsent otherwise (--count, -w, a
 * signal) is said, never passed over.
 */
static int
conn_verdict(const struct conn *c, int status)
{
	char what[128];

	unsent(c, what, sizeof(what));
	if (c->send_err != 0) {
		nd_warnx("send %s: %s: %s", c->name, strerror(c->send_err),
		    what);
		return ND_EXIT_RUN;
	}
	if (c->recv_err != 0) {
		if (input_done(c))
			nd_warnx("recv %s: %s", c->name, strerror(c->recv_err));
		else
			nd_warnx("recv %s: %s: %s", c->name,
			    strerror(c->recv_err), what);
		return ND_EXIT_RUN;
	}
	/*
	 * Known to be left: read and unsent, or the rest of a file.  Not
	 * when standard output closed: its reader ended the run, quietly.
	 */
	if (!out_usable())
		return status;
	if (pending_len(c) > 0 || (c->msg != NULL && c->sent < strlen(c->msg)) ||
	    (c->in_size >= 0 && (long long)c->sent < c->in_size))
		nd_warnx("%s", what);
	return status;
}

/*
 * splice(2) needs raw bytes, no per-read counting, and an output it can
 * write to: a pipe or a file not opened for appending.
 */
static bool
raw_to_splice(const struct nd_args *a)
{
	struct stat sb;
	int fl = fcntl(STDOUT_FILENO, F_GETFL);

	if (a->format != FMT_RAW || a->quiet || a->count > 0 || fl < 0 ||
	    (fl & O_APPEND) || fstat(STDOUT_FILENO, &sb) < 0)
		return false;
	return S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode);
}

/* Standard input: a file's size from where we start, or -1. */
static long long
input_size(struct conn *c)
{
	struct stat sb;
	off_t at;

	c->in_file = fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
	if (!c->in_file)
		return -1;
	at = lseek(STDIN_FILENO, 0, SEEK_CUR);
	return (long long)sb.st_size - (at > 0 ? (long long)at : 0);
}

static void
conn_setup(struct conn *c, const struct nd_args *a)
{
	c->l = loop_new(LOOP_POLL);
	if (loop_add(c->l, c->fd, LOOP_IN, on_sock, c) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
	if (a->message != NULL) {
		c->msg = a->message;
		c->ilen = strlen(a->message);
		c->in_eof = true;
	} else if (c->in_file)
		c->zc_in = true;	/* send_file() falls back if it must */
	else if (loop_add(c->l, STDIN_FILENO, LOOP_IN, on_stdin, c) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
	c->zp.r = c->zp.w = -1;
	if (raw_to_splice(a) && zc_pipe_open(&c->zp) == 0)
		c->zc_out = true;
	loop_set_prewait(c->l, out_flush);
	if (c->timeout_ms >= 0 &&
	    loop_timer(c->l, clock_ms() + c->timeout_ms, on_idle, c) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
}

static int
tcp_connect_run(const struct nd_args *a)
{
	struct conn c;
	int status;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.timeout_ms = a->timeout >= 0 ? (long long)(a->timeout * 1000) : -1;
	c.ibufsize = (size_t)a->bufsize > STDIN_BUF ? (size_t)a->bufsize :
	    STDIN_BUF;
	c.rbuf = malloc((size_t)a->bufsize);
	c.ibuf = malloc(c.ibufsize);
	c.in_size = a->message ? -1 : input_size(&c);
	if (c.rbuf == NULL || c.ibuf == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	stats_start(&c.st, NULL);
	c.fd = sock_connect(a->host, a->port, a->family, a->timeout, c.name,
	    sizeof(c.name));
	if (c.fd < 0) {
		/* A signal while connecting: the summary of nothing. */
		stats_print(&c.st, a->format);
		free(c.rbuf);
		free(c.ibuf);
		return ND_EXIT_OK;
	}
	if (a->verbose)
		nd_warnx("connected to %s", c.name);
	conn_setup(&c, a);
	stats_print_at_error(&c.st, a->stats, a->format);
	c.last_ms = clock_ms();
	steer(&c);

	status = loop_run(c.l);

	out_flush();
	stats_print_at_error(NULL, false, 0);
	if (a->stats || sig_caught())
		stats_print(&c.st, a->format);
	status = conn_verdict(&c, status);
	close(c.fd);
	zc_pipe_close(&c.zp);
	loop_free(c.l);
	free(c.rbuf);
	free(c.ibuf);
	return status;
}

static void
tcp_connect_defaults(struct nd_args *a)
{
	if (!opts_given(a, O_FORMAT))
		a->format = FMT_RAW;
}

static const struct opt_text tcp_connect_texts[] = {
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
