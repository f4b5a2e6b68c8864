/*
 * tcp_block.c: plain tcp-serve, the tutorial's blocking server
 * (tcp_server1.py): a blocking accept(2), then recv(2) and send(2) on
 * that one client until it leaves, then the next accept; the others wait
 * in the listen backlog.  No event loop: a signal interrupts the blocked
 * call (its handler has no SA_RESTART), and SO_RCVTIMEO and SO_SNDTIMEO
 * wake it for -w, -t and --report.
 */
#define _GNU_SOURCE		/* accept4(2) */
#include <sys/socket.h>
#include <sys/time.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"
#include "tcp_serve.h"

#define PAUSE_NS	100000000LL	/* out of fds or memory: accept later */
/* A socket time-out already set is kept if it ends the call this late. */
#define SLACK_NS	5000000LL

/* The run: its server, its end, the time-outs set on each socket. */
struct blk {
	struct server	*s;
	long long	 end_ns;	/* -t: the run ends, or -1 */
	long long	 lset;		/* SO_RCVTIMEO of the listener, ns */
	long long	 rset, sset;	/* the client's, ns; 0: none set */
	int		 status;
};

/* What came of waiting for a client's next call. */
enum step { GO, GONE, END };

/*
 * Make the next blocking call on fd give up at deadline (ns, < 0: never)
 * through SO_RCVTIMEO or SO_SNDTIMEO (opt); *set is the value set last.
 * A value that ends the call no later than SLACK_NS past the deadline is
 * kept: -w alone sets it once per client.  The caller handles a deadline
 * that has passed; a zero timeval would mean no limit at all.
 */
static int
arm(int fd, int opt, long long *set, long long deadline, long long now)
{
	long long want = deadline < 0 ? 0 : deadline - now, us;
	struct timeval tv;

	if (deadline < 0 ? *set == 0 : *set > 0 && now + *set >= deadline &&
	    now + *set <= deadline + SLACK_NS)
		return 0;
	/* Rounded up, so that the call does not end before the deadline. */
	us = (want + 999) / 1000;
	if (deadline >= 0 && us < 1)
		us = 1;
	tv.tv_sec = (time_t)(us / 1000000);
	tv.tv_usec = (suseconds_t)(us % 1000000);
	if (c_setsockopt(fd, SOL_SOCKET, opt, &tv, sizeof(tv)) < 0)
		return -1;
	*set = want;
	return 0;
}

/* The earlier of two deadlines, either of which may be -1 (none). */
static long long
earlier(long long x, long long y)
{
	return x < 0 || (y >= 0 && y < x) ? y : x;
}

/* What -t's end means: short if it came before --count clients did. */
static int
duration_status(const struct server *s)
{
	return s->a->count > 0 && s->accepted < s->a->count ? ND_EXIT_SHORT :
	    ND_EXIT_OK;
}

/* A report due: the records of the interval; -t past: the run ends. */
static bool
tick(struct blk *b, long long now)
{
	struct reporter *rp = &b->s->rp;
	double start_s, end_s;

	if (reporter_due(rp, now, &start_s, &end_s))
		rp->fn(rp->arg, start_s, end_s);
	if (b->end_ns >= 0 && now >= b->end_ns) {
		b->status = duration_status(b->s);
		return true;
	}
	return false;
}

/* The next time something is due: a report, the end of -t. */
static long long
next_due(const struct blk *b)
{
	return earlier(b->end_ns, reporter_next(&b->s->rp));
}

/* The client leaves: -v's line, its last record, closed and counted. */
static void
leave(struct blk *b, struct client *c, const char *why)
{
	struct server *s = b->s;

	if (s->a->verbose)
		echo_said_close(c, why);
	serve_report_gone(s, c);
	echo_unlink(s, c);
	echo_free(s, c);
}

/*
 * Before each blocking call on c: the run may be ending, output goes out
 * (a line per read, as it was read), what is due is done, an idle client
 * is dropped, and the call's time-out is set to the nearest deadline.
 */
static enum step
before(struct blk *b, struct client *c, int opt)
{
	struct server *s = b->s;
	long long now, deadline;

	if (sig_ending())
		return END;
	out_flush();
	if (sig_ending())
		return END;
	now = clock_ns();
	if (tick(b, now))
		return END;
	deadline = next_due(b);
	if (s->timeout_ms >= 0) {
		if (echo_idle(c, now / 1000000, s->timeout_ms)) {
			char pn[SOCK_NAMELEN];

			nd_warnx("%s: idle for %g s: dropped",
			    echo_peer(c, pn, sizeof(pn)), s->a->timeout);
			leave(b, c, "dropped");
			return GONE;
		}
		deadline = earlier(deadline, (c->last_ms + s->timeout_ms) *
		    1000000);
	}
	if (arm(c->fd, opt, opt == SO_RCVTIMEO ? &b->rset : &b->sset,
	    deadline, now) < 0) {
		char pn[SOCK_NAMELEN];

		nd_warn("%s: setsockopt %s", echo_peer(c, pn, sizeof(pn)),
		    opt == SO_RCVTIMEO ? "SO_RCVTIMEO" : "SO_SNDTIMEO");
		leave(b, c, strerror(errno));
		return GONE;
	}
	/* A signal from here on wakes the call (lib/sig). */
	sig_blocking_on(c->fd);
	if (sig_ending()) {
		sig_blocking_on(-1);
		return END;
	}
	return GO;
}

/*
 * Send all n bytes back, however long the client takes to read them.  A
 * signal, a time-out (SO_SNDTIMEO) or a partial send comes back here and
 * goes through before() again.
 */
static enum step
echo_all(struct blk *b, struct client *c, const unsigned char *p, size_t n)
{
	struct server *s = b->s;

	while (n > 0) {
		enum step st = before(b, c, SO_SNDTIMEO);
		ssize_t w;

		if (st != GO)
			return st;
		w = c_send(c->fd, p, n, MSG_NOSIGNAL);
		sig_blocking_on(-1);
		if (w <= 0 && sig_ending())
			return END;	/* the signal shut the socket down */
		if (w < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			leave(b, c, strerror(errno));
			return GONE;
		}
		s->st.bytes_out += (uint64_t)w;
		c->out += (uint64_t)w;
		p += w;
		n -= (size_t)w;
		if (w > 0)
			echo_active(c);
	}
	return GO;
}

/* Serve c until it leaves (GONE) or the run ends (END). */
static enum step
serve(struct blk *b, struct client *c)
{
	struct server *s = b->s;
	const struct nd_args *a = s->a;

	for (;;) {
		enum step st = before(b, c, SO_RCVTIMEO);
		ssize_t n;

		if (st != GO)
			return st;
		n = c_recv(c->fd, s->rbuf, (size_t)a->bufsize, 0);
		sig_blocking_on(-1);
		if (n <= 0 && sig_ending())
			return END;	/* the signal shut the socket down */
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK)
				continue;
			leave(b, c, strerror(errno));
			return GONE;
		}
		echo_active(c);
		if (n == 0) {
			leave(b, c, "closed");
			return GONE;
		}
		stats_count(&s->st, (uint64_t)n);
		s->st.bytes_in += (uint64_t)n;
		c->in += (uint64_t)n;
		if (!a->quiet) {
			char pn[SOCK_NAMELEN];
			struct out_meta m = { .seq = -1,
			    .latency_us = LLONG_MIN };

			if (out_wants_peer())
				m.peer = echo_peer(c, pn, sizeof(pn));
			out_msg(&m, s->rbuf, (size_t)n);
		}
		if (!a->sink && (st = echo_all(b, c, s->rbuf, (size_t)n)) !=
		    GO)
			return st;
	}
}

/* Sleep until ns have passed or a deadline comes, whichever is first. */
static void
pause_accept(struct blk *b, long long ns)
{
	long long now = clock_ns(), until = earlier(now + ns, next_due(b));
	struct timespec ts;

	if (until <= now)
		return;
	ts.tv_sec = (time_t)((until - now) / 1000000000);
	ts.tv_nsec = (long)((until - now) % 1000000000);
	(void)nanosleep(&ts, NULL);	/* a signal ends it early: fine */
}

/*
 * The next connection, close-on-exec and blocking, its address into ss;
 * -1 once the run ends.  Out of descriptors, Linux fails at once, before
 * a connection is even there: the spare descriptor is given up so that
 * accept(2) can block for the next one; if the spare cannot be had back
 * then, that connection is shed.  Either way no spin, and a descriptor
 * freed meanwhile serves the client.  With no spare, accepting pauses.
 */
static int
accept_next(struct blk *b, struct sockaddr_storage *ss)
{
	static struct err_limit lim = { .kind = "accept" };
	struct server *s = b->s;
	bool traded = false;

	for (;;) {
		socklen_t sl = sizeof(*ss);
		long long now;
		int fd;

		if (sig_ending())
			return -1;
		out_flush();
		if (sig_ending())
			return -1;
		now = clock_ns();
		if (tick(b, now))
			return -1;
		/* Linux honours SO_RCVTIMEO in accept(2) too. */
		if (arm(s->lfd, SO_RCVTIMEO, &b->lset, next_due(b), now) < 0)
			nd_err(ND_EXIT_RUN, "setsockopt SO_RCVTIMEO");
		sig_blocking_on(s->lfd);
		if (sig_ending()) {
			sig_blocking_on(-1);
			return -1;
		}
#if defined(__linux__) && defined(SOCK_CLOEXEC)
		fd = c_accept4(s->lfd, (struct sockaddr *)ss, &sl,
		    SOCK_CLOEXEC);
#else
		fd = c_accept(s->lfd, (struct sockaddr *)ss, &sl);
		if (fd >= 0 && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			int saved = errno;

			c_close(fd);
			errno = saved;
			fd = -1;
		} else if (fd >= 0) {
			int one = 1;

			/* Elsewhere it is not inherited from the listener. */
			(void)c_setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
			    sizeof(one));
		}
#endif
		sig_blocking_on(-1);
		if (traded) {
			int saved = errno;

			traded = false;
			if ((s->spare = sock_spare()) < 0 && fd >= 0) {
				/* Still out of descriptors: shed this one. */
				c_close(fd);
				s->spare = sock_spare();
				continue;
			}
			errno = saved;
		}
		if (fd >= 0)
			return fd;
		if (sig_ending())
			return -1;	/* the signal shut the listener down */
		/* A signal, a time-out, a connection gone before accepted. */
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ECONNABORTED)
			continue;
		nd_warn_limited(&lim, "accept %s", s->name);
		if ((errno == EMFILE || errno == ENFILE) && s->spare >= 0) {
			close(s->spare);
			s->spare = -1;
			traded = true;
			continue;
		}
		if (!sig_ending())
			pause_accept(b, PAUSE_NS);
	}
}

/*
 * Accept, serve, repeat, until --count clients were served, -t ends or a
 * signal comes; a client still connected then is left on s's list for
 * the caller to close.  The run's exit status.
 */
int
block_run(struct server *s)
{
	const struct nd_args *a = s->a;
	struct blk b = { .s = s, .end_ns = -1, .status = ND_EXIT_OK };

	if (a->duration > 0)
		b.end_ns = s->st.start_ns + (long long)(a->duration * 1e9);
	while (a->count <= 0 || s->accepted < a->count) {
		struct sockaddr_storage ss;
		struct client *c;
		int fd;

		if ((fd = accept_next(&b, &ss)) < 0)
			break;
		if ((c = echo_new(s, fd, &ss)) == NULL)
			continue;
		b.rset = b.sset = 0;	/* a new socket: no time-outs set */
		echo_joined(c);
		if (serve(&b, c) == END)
			break;
	}
	return b.status;
}
