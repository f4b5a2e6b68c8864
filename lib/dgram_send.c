/*
 * dgram_send.c: the datagram send loop: the template or standard input,
 * the --seq header, --size, pacing by absolute deadlines (--interval,
 * --rate), --duration, --report, and --rtt's replies (rtt.c).
 */
#include <sys/socket.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif
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
#include "report.h"
#include "rtt.h"
#include "stats.h"

static const char *
with_seq(const struct dgram_opts *a)
{
	return a->seq ? " with --seq" : "";
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
		if (!dgram_wait(-1, STDIN_FILENO))
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

/* Send to a connected socket, or to tx->to. */
static ssize_t
send_to(const struct dgram_tx *tx, const char *buf, size_t len)
{
	if (tx->to != NULL)
		return sendto(tx->fd, buf, len, 0,
		    (const struct sockaddr *)tx->to, sock_len(tx->to));
	return send(tx->fd, buf, len, 0);
}

/* Send one datagram, riding out a full queue; false when the run ends. */
static bool
send_one(const struct dgram_tx *tx, const char *buf, size_t len,
    unsigned long long *refused)
{
	for (int tries = 0;; tries++) {
		if (send_to(tx, buf, len) >= 0)
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
			if (!dgram_wait(clock_ns() + 200000, -1))
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

/* A send run's state. */
struct txrun {
	const struct dgram_tx	*tx;
	struct stats		 st;
	struct reporter		 rp;
	bool			 timed;		/* a clock to watch: -t, --report */
	long long		 end_ns;	/* --duration, or -1 */
	bool			 ended;		/* --duration passed */
	long long		 first_ns;	/* the first send: pacing's origin */
	double			 due_ns;	/* next send, after the first */
	uint64_t		 snap_msgs, snap_bytes;	/* at the last report */
	struct flows		*flows;		/* --rtt: the receivers */
	struct rtt		*rtt;
	bool			 draining;	/* after the last send: replies */
	unsigned		 tick;		/* sends since the clock was read */
};

static void
tx_report(struct txrun *t, double start_s, double end_s)
{
	struct rec r = { .peer = t->tx->dest, .start_s = start_s,
	    .end_s = end_s, .messages = t->st.messages - t->snap_msgs,
	    .bytes = t->st.bytes - t->snap_bytes };

	report_print(&r);
	t->snap_msgs = t->st.messages;
	t->snap_bytes = t->st.bytes;
	if (t->flows != NULL)
		flows_report(t->flows, start_s, end_s, true);
}

/*
 * Wait until due (monotonic ns; < 0: now), meanwhile printing reports
 * and reading replies; false when the run ends (a signal, --duration).
 */
static bool
tx_wait(struct txrun *t, long long due)
{
	for (;;) {
		long long now, until = due, next = reporter_next(&t->rp);
		double s, e;

		if (sig_ending())
			return false;
		/* Flat out: the clock only every 64 sends, if at all. */
		if (t->rtt == NULL && due < 0 && (!t->timed ||
		    (++t->tick & 63) != 0))
			return true;
		now = clock_ns();
		if (reporter_due(&t->rp, now, &s, &e))
			tx_report(t, s, e);
		if (t->end_ns >= 0 && now >= t->end_ns) {
			t->ended = true;
			return false;
		}
		if (t->rtt != NULL)
			rtt_poll(t->rtt, now);
		if (due < 0 || now >= due ||
		    (t->draining && rtt_complete(t->rtt)))
			return true;
		if (t->end_ns >= 0 && t->end_ns < until)
			until = t->end_ns;
		if (next >= 0 && next < until)
			until = next;
		if (!dgram_wait(until, t->rtt != NULL ? t->tx->fd : -1))
			return false;
	}
}

/* The next datagram's pacing slot, after one of len bytes went out. */
static void
pace(struct txrun *t, size_t len)
{
	const struct dgram_opts *a = &t->tx->o;

	if (a->rate > 0 && a->rate_bits)
		t->due_ns += 8.0 * (double)len * 1e9 / a->rate;
	else if (a->rate > 0)
		t->due_ns += 1e9 / a->rate;
	else
		t->due_ns += a->interval * 1e9;
}

/* --rtt: the replies still due after the last send, then the verdict. */
static int
rtt_end(struct txrun *t)
{
	const struct dgram_opts *a = &t->tx->o;
	struct flowsum sum;
	long long due = rtt_last_due(t->rtt);

	t->end_ns = -1;		/* --duration is over: replies still count */
	t->draining = true;
	while (due >= 0 && clock_ns() < due && !rtt_complete(t->rtt) &&
	    tx_wait(t, due))
		;
	rtt_finish(t->rtt);
	flows_sum(t->flows, &sum);
	if (t->st.messages > 0 && !sum.any) {
		return ND_EXIT_SHORT;
	}
	if (a->max_loss >= 0 && flowsum_loss_pct(&sum) > a->max_loss)
		return ND_EXIT_SHORT;
	return ND_EXIT_OK;
}

static void
tx_verdict(const struct txrun *t, int status)
{
	const struct dgram_opts *a = &t->tx->o;
	struct flowsum sum;

	if (t->ended && a->count > 0 && t->st.messages < (uint64_t)a->count)
		nd_warnx("%llu of %lld datagrams sent in --duration %g s",
		    (unsigned long long)t->st.messages, a->count, a->duration);
	if (t->rtt == NULL || status != ND_EXIT_SHORT)
		return;
	flows_sum(t->flows, &sum);
	if (!sum.any && sum.late > 0)
		nd_warnx("nothing measured: no reply to %llu datagram%s within "
		    "--rtt-timeout %g s (%llu came later)",
		    (unsigned long long)t->st.messages, t->st.messages == 1 ?
		    "" : "s", a->rtt_timeout, (unsigned long long)sum.late);
	else if (!sum.any)
		nd_warnx("nothing measured: no reply to %llu datagram%s in "
		    "--rtt-timeout %g s", (unsigned long long)t->st.messages,
		    t->st.messages == 1 ? "" : "s", a->rtt_timeout);
	else if (a->max_loss >= 0 && flowsum_loss_pct(&sum) > a->max_loss)
		nd_warnx("round-trip loss %.2f%% is above --max-loss %g%%",
		    flowsum_loss_pct(&sum), a->max_loss);
}

static void
tx_start(struct txrun *t, const struct dgram_tx *tx)
{
	const struct dgram_opts *a = &tx->o;

	memset(t, 0, sizeof(*t));
	t->tx = tx;
	stats_start(&t->st, NULL);
	t->st.target = a->rate;
	t->st.target_bits = a->rate_bits;
	t->st.histogram = a->histogram;
	t->end_ns = a->duration > 0 ? t->st.start_ns +
	    (long long)(a->duration * 1e9) : -1;
	reporter_start(&t->rp, a->report, t->st.start_ns);
	t->timed = t->end_ns >= 0 || a->report > 0;
	if (a->rtt) {
		if ((t->flows = calloc(1, sizeof(*t->flows))) == NULL)
			nd_err(ND_EXIT_RUN, "allocate --rtt state");
		t->rtt = rtt_new(tx->fd, a->rtt_timeout, t->flows, !a->quiet,
		    tx->group);
		t->st.flows = t->flows;
		t->st.rtt = true;
	}
#ifdef __linux__
	/* Paced: wake on time, not up to 50 us late (the default slack). */
	if (a->rate > 0 || a->interval > 0)
		(void)prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
#endif
}

int
dgram_send(const struct dgram_tx *tx)
{
	const struct dgram_opts *a = &tx->o;
	size_t hdr = a->seq ? SEQ_HDR_LEN : 0;
	bool paced = a->rate > 0 || a->interval > 0;
	char *buf = malloc(DGRAM_MAX + 1);
	struct lines *ln = NULL;
	struct txrun *t = malloc(sizeof(*t));
	unsigned long long n, refused = 0;
	int status = ND_EXIT_OK;
	double s, e;
	bool more;

	if (buf == NULL || t == NULL || (a->use_stdin &&
	    (ln = calloc(1, sizeof(*ln))) == NULL))
		nd_err(ND_EXIT_RUN, "allocate buffers");
	tx_start(t, tx);
	stats_print_at_error(&t->st, a->stats, a->format);
	for (n = 0; a->count == 0 || n < (unsigned long long)a->count; n++) {
		size_t len;

		if (!tx_wait(t, n > 0 && paced ? t->first_ns +
		    (long long)t->due_ns : -1))
			break;
		len = hdr + next_payload(tx, ln, buf, hdr, n, &more);
		if (!more)
			break;
		if (a->size >= 0) {
			if ((size_t)a->size > len)
				memset(buf + len, '.', (size_t)a->size - len);
			len = (size_t)a->size;
		}
		if (n == 0)
			t->first_ns = clock_ns();
		if (a->seq)
			seq_header(buf, n, clock_wall_us());
		if (!send_one(tx, buf, len, &refused))
			break;
		if (t->rtt != NULL)
			rtt_sent(t->rtt, n, clock_ns());
		stats_count(&t->st, len);
		pace(t, len);
		if (!a->quiet && t->rtt == NULL) {
			struct out_meta m = { .peer = tx->dest,
			    .group = tx->group, .seq = a->seq ? (long long)n :
			    -1, .latency_us = LLONG_MIN,
			    .wire_len = a->seq ? len : 0 };

			/* Printed as a receiver prints it: the payload. */
			out_msg(&m, buf + hdr, len - hdr);
		}
	}
	if (t->rtt != NULL && !sig_ending())
		status = rtt_end(t);
	else if (t->rtt != NULL)
		rtt_finish(t->rtt);
	if (t->ended && a->count > 0 && t->st.messages < (uint64_t)a->count)
		status = ND_EXIT_SHORT;
	if (reporter_last(&t->rp, clock_ns(), t->st.messages != t->snap_msgs ||
	    (t->flows != NULL && flows_pending(t->flows)), &s, &e))
		tx_report(t, s, e);
	if (refused > 0 && a->verbose)
		nd_warnx("%llu sends reported nobody listening at %s", refused,
		    tx->dest);
	stats_print_at_error(NULL, false, 0);
	if (a->stats || a->report > 0 || sig_caught() ||
	    status == ND_EXIT_SHORT)
		stats_print(&t->st, a->format);
	stats_chart(&t->st);
	tx_verdict(t, status);
	rtt_free(t->rtt);
	flows_free(t->flows);
	free(t);
	free(buf);
	free(ln);
	return status;
}
