/*
 * dgram.c: the datagram send loop (template, --seq header, --size, pacing
 * by absolute deadlines) and receive loop (truncation, --seq accounting,
 * --timeout, exit status).
 */
/* glibc declares RFC 3542's struct in6_pktinfo only under _GNU_SOURCE. */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgram.h"
#include "clock.h"
#include "err.h"
#include "mcast.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"

/*
 * Wait until the monotonic deadline (ns; < 0: none) or until the run
 * ends; also returns early when fd (>= 0) is readable.  Returns false
 * when the run is ending.
 */
#define SHORT_WAIT_NS	2000000LL	/* below this, sleep, do not poll */

static bool
wait_until(long long deadline_ns, int fd)
{
	out_flush();
	for (;;) {
		long long left = deadline_ns < 0 ? -1 :
		    deadline_ns - clock_ns();
		int r;

		if (sig_ending())
			return false;
		if (deadline_ns >= 0 && left <= 0)
			return true;
		if (fd < 0 && left < SHORT_WAIT_NS) {
			/*
			 * Under 2 ms, poll's milliseconds would round a 10 us
			 * gap up to 1 ms and send in bursts: sleep to the
			 * nanosecond.  A signal cuts it short (EINTR); one
			 * just before it costs at most this wait.
			 */
			struct timespec ts = { (time_t)(deadline_ns /
			    1000000000), (long)(deadline_ns % 1000000000) };

			(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    &ts, NULL);
			continue;
		}
		/* Round up: waking early would spin until the deadline. */
		r = sig_wait(fd >= 0 ? fd : sig_fd(), POLLIN, left < 0 ? -1 :
		    left / 1000000 + 1 > INT_MAX ? INT_MAX :
		    (int)(left / 1000000 + 1));
		if (r < 0 && errno != EINTR)
			nd_err(ND_EXIT_RUN, "poll");
		if (r > 0 && fd >= 0)
			return true;
	}
}

size_t
dgram_payload_max(bool seq)
{
	return DGRAM_MAX - (seq ? SEQ_HDR_LEN : 0);
}

static const char *
with_seq(const struct dgram_opts *a)
{
	return a->seq ? " with --seq" : "";
}

size_t
dgram_template_len(const char *tmpl)
{
	size_t len = 0;

	for (const char *p = tmpl; *p != '\0'; p++, len++)
		if (p[0] == '{' && p[1] == 'n' && p[2] == '}')
			p += 2;		/* "{n}" becomes "0" */
	return len;
}

/*
 * --stdin: one line a datagram.  The buffer holds one byte more than the
 * largest payload, so a line too long for a datagram is seen as such.
 */
struct lines {
	char		 buf[DGRAM_MAX + 1];
	size_t		 start, len;
	bool		 eof;
	bool		 skip;		/* dropping the rest of a cut line */
	unsigned long long lineno;
};

/* Read more of standard input; false at its end or when the run ends. */
static bool
fill(struct lines *ln)
{
	ssize_t r;

	if (ln->start > 0) {
		memmove(ln->buf, ln->buf + ln->start, ln->len - ln->start);
		ln->len -= ln->start;
		ln->start = 0;
	}
	for (;;) {
		if (!wait_until(-1, STDIN_FILENO))
			return false;
		r = read(STDIN_FILENO, ln->buf + ln->len,
		    sizeof(ln->buf) - ln->len);
		if (r >= 0)
			break;
		if (errno != EINTR && errno != EAGAIN)
			nd_err(ND_EXIT_RUN, "read standard input");
	}
	if (r == 0)
		ln->eof = true;
	ln->len += (size_t)r;
	return true;
}

/*
 * The next line, without its newline, of at most max bytes: 1, or 0 at
 * the end of input (or of the run).  A longer line is cut to max and its
 * rest dropped when cut is true (--size asked for it), else it ends the
 * run with an error: it cannot be one datagram, and no byte is dropped
 * unannounced.
 */
static int
next_line(struct lines *ln, size_t max, bool cut, const char **line,
    size_t *n)
{
	for (;;) {
		size_t have = ln->len - ln->start;
		char *p = ln->buf + ln->start, *nl = memchr(p, '\n', have);
		size_t end = nl ? (size_t)(nl - p) : have;

		if (ln->skip) {
			ln->start = nl ? ln->start + end + 1 : ln->len;
			ln->skip = nl == NULL;
			if (nl != NULL)
				continue;
		} else if (end <= max && (nl != NULL || (ln->eof && have))) {
			*line = p;
			*n = end;
			ln->start += nl ? end + 1 : end;
			ln->lineno++;
			return 1;
		} else if (end > max) {
			ln->lineno++;
			if (!cut)
				nd_errx(ND_EXIT_RUN, "--stdin: line %llu is "
				    "longer than %zu bytes, the most one "
				    "datagram holds%s", ln->lineno, max,
				    max < DGRAM_MAX ? " with --seq" : "");
			*line = p;
			*n = max;
			ln->start += nl ? end + 1 : have;
			ln->skip = nl == NULL;
			return 1;
		}
		if (ln->eof || !fill(ln))
			return 0;
	}
}

/* Expand "{n}" in tmpl into dst (cap bytes); returns the length. */
static size_t
expand(char *dst, size_t cap, const char *tmpl, unsigned long long n)
{
	char num[24];
	size_t len = 0, k = 0;

	/* The counter's digits, once: by hand, this runs per datagram. */
	do
		num[sizeof(num) - ++k] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	for (const char *p = tmpl; *p != '\0' && len < cap; p++) {
		if (p[0] == '{' && p[1] == 'n' && p[2] == '}') {
			size_t m = k < cap - len ? k : cap - len;

			memcpy(dst + len, num + sizeof(num) - k, m);
			len += m;
			p += 2;
		} else
			dst[len++] = *p;
	}
	return len;
}

/* Send one datagram, riding out a full queue; false when the run ends. */
static bool
send_one(const struct dgram_tx *tx, const char *buf, size_t len,
    unsigned long long *refused)
{
	for (int tries = 0;; tries++) {
		if (send(tx->fd, buf, len, 0) >= 0)
			return true;
		if (errno == EINTR) {
			if (sig_ending())
				return false;
			continue;
		}
		if (errno == ECONNREFUSED && tries == 0) {
			/*
			 * An ICMP port unreachable for an earlier datagram:
			 * count it and send this one again.
			 */
			if ((*refused)++ == 0 && tx->o.verbose)
				nd_warn("send %s (nobody listens; counted, not "
				    "fatal)", tx->dest);
			continue;
		}
		if (errno == ENOBUFS || errno == EAGAIN ||
		    errno == ECONNREFUSED) {
			/* Queue full: wait a little, try again. */
			if (!wait_until(clock_ns() + 200000, -1))
				return false;
			continue;
		}
		nd_err(ND_EXIT_RUN, "send %s", tx->dest);
	}
}

/* The payload of datagram n into buf + hdr; returns its length. */
static size_t
next_payload(const struct dgram_tx *tx, struct lines *ln, char *buf,
    size_t hdr, unsigned long long n, bool *more)
{
	const struct dgram_opts *a = &tx->o;
	size_t max = dgram_payload_max(a->seq), len;

	*more = true;
	if (ln != NULL) {
		const char *line;

		if (next_line(ln, max, a->size >= 0, &line, &len) == 0) {
			*more = false;
			return 0;
		}
		memcpy(buf + hdr, line, len);
		return len;
	}
	len = expand(buf + hdr, max + 1, a->message, n);
	if (len > max && a->size < 0)
		nd_errx(ND_EXIT_RUN, "--message: datagram %llu is longer than "
		    "%zu bytes, the most one datagram holds%s", n, max,
		    with_seq(a));
	return len > max ? max : len;
}

int
dgram_send(const struct dgram_tx *tx)
{
	const struct dgram_opts *a = &tx->o;
	size_t hdr = a->seq ? SEQ_HDR_LEN : 0;
	long long iv_ns = (long long)(a->interval * 1e9);
	char *buf = malloc(DGRAM_MAX + 1);
	struct lines *ln = NULL;
	struct stats st;
	unsigned long long n, refused = 0;
	bool more;

	if (buf == NULL || (a->use_stdin && (ln = calloc(1, sizeof(*ln))) ==
	    NULL))
		nd_err(ND_EXIT_RUN, "allocate buffers");
	stats_start(&st, NULL);
	stats_print_at_error(&st, a->stats, a->format);
	for (n = 0; a->count == 0 || n < (unsigned long long)a->count; n++) {
		size_t len;

		if (n > 0 && iv_ns > 0 && !wait_until(st.start_ns +
		    (long long)n * iv_ns, -1))
			break;
		if (sig_ending())
			break;
		len = hdr + next_payload(tx, ln, buf, hdr, n, &more);
		if (!more)
			break;
		if (a->size >= 0) {
			if ((size_t)a->size > len)
				memset(buf + len, '.', (size_t)a->size - len);
			len = (size_t)a->size;
		}
		if (a->seq)
			seq_header(buf, n, clock_wall_us());
		if (!send_one(tx, buf, len, &refused))
			break;
		stats_count(&st, len);
		if (!a->quiet) {
			struct out_meta m = { .peer = tx->dest,
			    .group = tx->group, .seq = a->seq ? (long long)n :
			    -1, .latency_us = LLONG_MIN,
			    .wire_len = a->seq ? len : 0 };

			/* Printed as a receiver prints it: the payload. */
			out_msg(&m, buf + hdr, len - hdr);
		}
	}
	if (refused > 0 && a->verbose)
		nd_warnx("%llu sends reported nobody listening at %s", refused,
		    tx->dest);
	stats_print_at_error(NULL, false, 0);
	if (a->stats || sig_caught())
		stats_print(&st, a->format);
	free(buf);
	free(ln);
	return ND_EXIT_OK;
}

void
dgram_rcvbuf(int fd)
{
	int sz = DGRAM_RCVBUF;

#ifdef SO_RCVBUFFORCE
	/* Root may pass net.core.rmem_max; others get what it allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == 0)
		return;
#endif
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/* --seq: account the header of buf; its length, or 0 if it has none. */
static size_t
seq_of(struct stats *st, const unsigned char *buf, size_t got,
    const struct sockaddr_storage *from, struct out_meta *m)
{
	uint64_t seq;
	int64_t sent, now = clock_wall_us();
	size_t h = seq_parse(buf, got, &seq, &sent);
	struct seqstat *q;
	char peer[SOCK_NAMELEN];

	if (h == 0) {
		if (st->seq->no_seq++ == 0) {
			sock_ntop((const struct sockaddr *)from, peer,
			    sizeof(peer));
			nd_warnx("datagram from %s has no --seq header (counted "
			    "as no_seq; warned once)", peer);
		}
		return 0;
	}
	m->seq = (long long)seq;
	if ((q = seqset_find(st->seq, from)) != NULL)
		m->latency_us = seq_account(q, seq, sent, now);
	else
		m->latency_us = now > sent ? now - sent : 0;
	return h;
}

/* -v: say when a sender is heard from the first time (64 remembered). */
#define SENDERS_NOTED	64

static void
note_sender(const struct sockaddr_storage *from)
{
	static struct sockaddr_storage seen[SENDERS_NOTED];
	static int n;
	char peer[SOCK_NAMELEN];

	for (int i = n - 1; i >= 0; i--)
		if (sock_same(&seen[i], from, true))
			return;
	if (n == SENDERS_NOTED)
		return;
	seen[n++] = *from;
	sock_ntop((const struct sockaddr *)from, peer, sizeof(peer));
	if (out_json())
		out_event("new_sender", peer, "");
	else if (n == SENDERS_NOTED)
		nd_warnx("%s: new sender (the last one reported: %d "
		    "remembered)", peer, SENDERS_NOTED);
	else
		nd_warnx("%s: new sender", peer);
}

static void
on_datagram(const struct dgram_rx *rx, struct stats *st, unsigned char *buf,
    size_t got, size_t wire, const struct sockaddr_storage *from,
    const char *group, int ttl)
{
	static struct err_limit trunc = { .kind = "truncated" };
	const struct dgram_opts *a = &rx->o;
	struct out_meta m = { .group = group, .seq = -1,
	    .latency_us = LLONG_MIN, .ttl = ttl };
	char peer[SOCK_NAMELEN];
	size_t h = 0;

	stats_count(st, wire);
	if (a->verbose)
		note_sender(from);
	/* The peer's name costs a formatting per datagram: only if shown. */
	if (wire > got || (out_wants_peer() && !a->quiet))
		sock_ntop((const struct sockaddr *)from, peer, sizeof(peer));
	if (wire > got) {
		nd_warnx_limited(&trunc, "datagram from %s truncated: %zu "
		    "bytes, --bufsize %lld", peer, wire, a->bufsize);
		m.orig_len = wire;
	}
	if (st->seq != NULL && (h = seq_of(st, buf, got, from, &m)) > 0)
		m.wire_len = wire;
	if (!a->quiet) {
		m.peer = out_wants_peer() ? peer : NULL;
		out_msg(&m, buf + h, got - h);
	}
}

/*
 * The verdict of a receive run: SPEC.md's exit 3 when it fell short.
 * With say, each reason is printed (after the summary, which is printed
 * first so that the reason closes the run's output).
 */
static int
recv_verdict(const struct dgram_rx *rx, const struct stats *st,
    bool timed_out, bool say)
{
	const struct dgram_opts *a = &rx->o;
	struct seqsum sum = { 0 };
	int status = ND_EXIT_OK;

	if (st->seq != NULL)
		seqset_sum(st->seq, &sum);
	if (timed_out && st->messages == 0) {
		if (say) {
			nd_warnx("nothing received in %g s", a->timeout);
			if (rx->on_silence != NULL)
				rx->on_silence(rx->arg);
		}
		return ND_EXIT_SHORT;
	}
	if (timed_out && a->count > 0 && st->messages < (uint64_t)a->count) {
		if (say)
			nd_warnx("%llu of %lld datagrams received before "
			    "--timeout %g s", (unsigned long long)st->messages,
			    a->count, a->timeout);
		status = ND_EXIT_SHORT;
	}
	/* Asked to measure, measured nothing: not a pass. */
	if (a->seq && (a->max_loss >= 0 || a->count > 0) && !sum.any) {
		if (say && st->messages == 0)
			nd_warnx("nothing measured: no datagram arrived");
		else if (say)
			nd_warnx("nothing measured: %llu datagram%s, none with "
			    "a --seq header", (unsigned long long)st->messages,
			    st->messages == 1 ? "" : "s");
		return ND_EXIT_SHORT;
	}
	/* The loss verdict holds however the run ended, a signal included. */
	if (a->seq && a->max_loss >= 0 && seqsum_loss_pct(&sum) > a->max_loss) {
		if (say)
			nd_warnx("loss %.2f%% is above --max-loss %g%%",
			    seqsum_loss_pct(&sum), a->max_loss);
		status = ND_EXIT_SHORT;
	}
	return status;
}

/* A receive run's state. */
struct rxrun {
	unsigned char	*buf;
	char		 gname[MCAST_MAX_GROUPS][INET6_ADDRSTRLEN];
	struct stats	 st;
	long long	 timeout_ns, last;	/* idle limit, last arrival */
	bool		 timed_out;
	union {				/* last: cmsghdr ends in a flexible array */
		struct cmsghdr	align;
		char		buf[256];
	}		 cm;
};

/*
 * Wait for, receive and account the next datagram; false when the run
 * ends (a signal, or the idle limit: r->timed_out).
 */
static bool
recv_next(const struct dgram_rx *rx, struct rxrun *r)
{
	const struct dgram_opts *a = &rx->o;
	size_t cap = (size_t)a->bufsize;

	for (;;) {
		struct sockaddr_storage from;
		struct iovec iov = { r->buf, cap };
		struct msghdr msg = { .msg_name = &from,
		    .msg_namelen = sizeof(from), .msg_iov = &iov,
		    .msg_iovlen = 1, .msg_control = r->cm.buf,
		    .msg_controllen = rx->ngroups ? sizeof(r->cm.buf) : 0 };
		int flags = MSG_DONTWAIT, g = 0, ttl = 0;
		long long dl = r->timeout_ns < 0 ? -1 : r->last + r->timeout_ns;
		ssize_t n;

#ifdef __linux__
		flags |= MSG_TRUNC;	/* return the length on the wire */
#endif
		if (sig_ending())
			return false;
		if ((n = recvmsg(rx->fd, &msg, flags)) < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				nd_err(ND_EXIT_RUN, "recv");
			if (dl >= 0 && clock_ns() >= dl) {
				r->timed_out = true;
				return false;
			}
			if (!wait_until(dl, rx->fd))
				return false;
			continue;
		}
		if (rx->ngroups > 0 && (g = mcast_dest(&msg, rx->groups,
		    rx->ngroups, &ttl)) < 0)
			continue;	/* another receiver's group */
		if (r->timeout_ns >= 0)
			r->last = clock_ns();
		/* Without MSG_TRUNC's length, a full buffer was cut short. */
		on_datagram(rx, &r->st, r->buf, (size_t)n < cap ? (size_t)n : cap,
		    (msg.msg_flags & MSG_TRUNC) && (size_t)n <= cap ? cap + 1 :
		    (size_t)n, &from, rx->ngroups ? r->gname[g] : NULL, ttl);
		return true;
	}
}

int
dgram_recv(const struct dgram_rx *rx)
{
	const struct dgram_opts *a = &rx->o;
	struct rxrun *r = calloc(1, sizeof(*r));
	struct seqset *seq = a->seq ? calloc(1, sizeof(*seq)) : NULL;
	int status;

	if (r == NULL || (r->buf = malloc((size_t)a->bufsize)) == NULL ||
	    (a->seq && seq == NULL))
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	for (int i = 0; i < rx->ngroups; i++)
		sock_ntoa((const struct sockaddr *)&rx->groups[i], r->gname[i],
		    sizeof(r->gname[i]));
	r->timeout_ns = a->timeout >= 0 ? (long long)(a->timeout * 1e9) : -1;
	stats_start(&r->st, seq);
	stats_print_at_error(&r->st, a->stats, a->format);
	r->last = r->st.start_ns;
	while ((a->count == 0 || r->st.messages < (uint64_t)a->count) &&
	    recv_next(rx, r))
		;
	out_flush();
	stats_print_at_error(NULL, false, 0);
	/* A run that fell short shows the summary it is judged by, first. */
	status = recv_verdict(rx, &r->st, r->timed_out, false);
	if (a->stats || sig_caught() || status == ND_EXIT_SHORT)
		stats_print(&r->st, a->format);
	(void)recv_verdict(rx, &r->st, r->timed_out, true);
	seqset_free(seq);
	free(r->buf);
	free(r);
	return status;
}
