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
	bool			 in_file;	/* stdin is a regular file */
	bool			 zc_in;		/* sendfile(2) from stdin */
	bool			 zc_out;	/* splice(2) to stdout */
	struct zc_pipe		 zp;
	const char		*msg;		/* --message, else NULL */
	bool			 in_eof;	/* no more to send */
	bool			 shut;		/* SHUT_WR done */
	unsigned char		*rbuf;		/* socket -> stdout */
	long long		 timeout_ms, last_ms;
	struct stats		 st;
	uint64_t		 sent;
};

static const char *
pending(const struct conn *c, size_t *n)
{
	*n = c->ilen - c->ioff;
	return (c->msg ? c->msg : c->ibuf) + c->ioff;
}

/* Set what each fd waits for from the state of the two buffers. */
static void
update(struct conn *c)
{
	size_t n;
	unsigned ev = LOOP_IN;

	(void)pending(c, &n);
	if (n > 0 || (c->zc_in && !c->in_eof))
		ev |= LOOP_OUT;
	else if (c->in_eof && !c->shut) {
		/* All of the input is out: tell the server, keep reading. */
		if (shutdown(c->fd, SHUT_WR) < 0 && errno != ENOTCONN)
			nd_err(ND_EXIT_RUN, "shutdown %s", c->name);
		c->shut = true;
	}
	loop_mod(c->l, c->fd, ev);
	if (!c->msg && !c->in_eof && !c->zc_in)
		loop_mod(c->l, STDIN_FILENO, n == 0 ? LOOP_IN : 0);
}

static void
send_pending(struct conn *c)
{
	size_t n;
	const char *p = pending(c, &n);

	while (n > 0) {
		ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			nd_err(ND_EXIT_RUN, "send %s", c->name);
		}
		c->ioff += (size_t)w;
		c->sent += (uint64_t)w;
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
	for (int i = 0; i < IO_BURST && !c->in_eof; i++) {
		ssize_t w = zc_sendfile(c->fd, STDIN_FILENO, ZC_CHUNK);

		if (w > 0) {
			c->sent += (uint64_t)w;
			c->last_ms = loop_now_ms();
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
		nd_err(ND_EXIT_RUN, "sendfile to %s", c->name);
	}
}

static void
on_stdin(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;
	int budget = c->in_file ? IO_BURST : 1;
	ssize_t n;
	size_t left;

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
		c->last_ms = loop_now_ms();
		send_pending(c);
		(void)pending(c, &left);
	} while (left == 0 && --budget > 0);
	update(c);
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
		if (n < 0)
			nd_err(ND_EXIT_RUN, "recv %s", c->name);
		if (n == 0) {
			if (c->a->verbose)
				nd_warnx("%s: closed by the server", c->name);
			loop_stop(c->l, ND_EXIT_OK);
			return;
		}
		if (zc_splice_out(&c->zp, STDOUT_FILENO, (size_t)n) < 0) {
			if (errno == EPIPE)
				nd_exit(ND_EXIT_OK);	/* reader gone */
			nd_err(ND_EXIT_RUN, "write standard output");
		}
		c->last_ms = loop_now_ms();
		c->st.messages++;
		c->st.bytes += (uint64_t)n;
	}
	update(c);
}

static void
on_sock(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct conn *c = arg;
	const struct nd_args *a = c->a;

	if ((rev & LOOP_OUT) && c->zc_in)
		send_file(c);
	else if (rev & LOOP_OUT)
		send_pending(c);
	if ((rev & LOOP_IN) && c->zc_out) {
		splice_out(c);
		return;
	}
	/* Drain what has arrived: one wakeup, several reads. */
	for (int i = 0; (rev & LOOP_IN) && i < IO_BURST; i++) {
		ssize_t n = recv(fd, c->rbuf, (size_t)a->bufsize, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				nd_err(ND_EXIT_RUN, "recv %s", c->name);
			break;
		}
		if (n == 0) {
			if (a->verbose)
				nd_warnx("%s: closed by the server", c->name);
			loop_stop(l, ND_EXIT_OK);
			return;
		}
		struct out_meta m = { .peer = c->name, .seq = -1,
		    .latency_us = LLONG_MIN };

		c->last_ms = loop_now_ms();
		c->st.messages++;
		c->st.bytes += (uint64_t)n;
		if (!a->quiet)
			out_msg(&m, c->rbuf, (size_t)n);
		if (a->count > 0 && c->st.messages >= (uint64_t)a->count) {
			loop_stop(l, ND_EXIT_OK);
			return;
		}
		if ((size_t)n < (size_t)a->bufsize)
			break;		/* short: the queue is empty */
	}
	update(c);
}

static int
on_tick(struct loop *l, void *arg)
{
	struct conn *c = arg;
	long long left;

	out_flush(NULL);
	if (c->timeout_ms < 0)
		return -1;
	left = c->last_ms + c->timeout_ms - loop_now_ms();
	if (left <= 0) {
		if (c->a->verbose)
			nd_warnx("%s: idle for %g s: closing", c->name,
			    c->a->timeout);
		loop_stop(l, ND_EXIT_OK);
		return 0;
	}
	return left > INT_MAX ? INT_MAX : (int)left;
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

static int
tcp_connect_run(const struct nd_args *a)
{
	struct conn c;
	struct stat sb;
	int status;

	memset(&c, 0, sizeof(c));
	c.a = a;
	c.timeout_ms = a->timeout >= 0 ? (long long)(a->timeout * 1000) : -1;
	c.ibufsize = (size_t)a->bufsize > STDIN_BUF ? (size_t)a->bufsize :
	    STDIN_BUF;
	c.rbuf = malloc((size_t)a->bufsize);
	c.ibuf = malloc(c.ibufsize);
	c.in_file = fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
	if (c.rbuf == NULL || c.ibuf == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	c.fd = sock_connect(a, a->timeout, c.name, sizeof(c.name));
	if (a->verbose)
		nd_warnx("connected to %s", c.name);
	c.l = loop_new(BACKEND_POLL);
	if (loop_add(c.l, c.fd, LOOP_IN, on_sock, &c) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
	if (a->message != NULL) {
		c.msg = a->message;
		c.ilen = strlen(a->message);
		c.in_eof = true;
	} else if (c.in_file)
		c.zc_in = true;		/* send_file() falls back if it must */
	else if (loop_add(c.l, STDIN_FILENO, LOOP_IN, on_stdin, &c) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
	c.zp.r = c.zp.w = -1;
	if (raw_to_splice(a) && zc_pipe_open(&c.zp) == 0)
		c.zc_out = true;
	loop_set_tick(c.l, on_tick, &c);
	stats_start(&c.st, NULL);
	c.last_ms = loop_now_ms();
	update(&c);

	status = loop_run(c.l);

	if (a->stats || sig_caught())
		stats_print(&c.st, a);
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
	a->format = FMT_RAW;
}

const struct nd_mode tcp_connect_mode = {
	.name = "tcp-connect",
	.summary = "TCP client: send a message or standard input, write "
	    "what comes back",
	.uses = OPT_HOST | OPT_MESSAGE,
	.run = tcp_connect_run,
	.defaults = tcp_connect_defaults,
};
