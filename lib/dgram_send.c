/*
 * dgram_send.c: the datagram send loop: the template or standard input,
 * the --seq header, --size, pacing by absolute deadlines (--interval,
 * --rate), --duration, --report, --rtt's replies (rtt.c), and the
 * batches that carry several datagrams a call (UDP GSO, sendmmsg).
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

#include "call.h"
#include "dgram.h"
#include "batch.h"
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
 * the end of input (or of the run), or -1 when it is not read yet and
 * wait is false.  A longer line is cut to max and its rest dropped when
 * cut is true (--size asked for it), else it ends the run with an error:
 * it cannot be one datagram, and no byte is dropped unannounced.
 */
static int
next_line(struct lines *ln, size_t max, bool cut, bool wait,
    const char **line, size_t *n)
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
		if (!ln->eof && !wait)
			return -1;
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
		return c_sendto(tx->fd, buf, len, 0,
		    (const struct sockaddr *)tx->to, sock_len(tx->to));
	return c_send(tx->fd, buf, len, 0);
}

/*
 * A send failed (the tries-th time) with errno: true to send again, after
 * a wait if the queue was full; false when the run ends.  An error that
 * is not passing ends the run with exit 1.
 */
static bool
send_again(const struct dgram_tx *tx, int tries, unsigned long long *refused)
{
	if (errno == EINTR)
		return !sig_ending();
	if (errno == ECONNREFUSED && tries == 0) {
		/*
		 * An ICMP port unreachable for an earlier datagram: count it
		 * and send this one again.
		 */
		if ((*refused)++ == 0 && tx->o.verbose)
			nd_warn("send %s (nobody listens; counted, not fatal)",
			    tx->dest);
		return true;
	}
	if (errno == ENOBUFS || errno == EAGAIN || errno == ECONNREFUSED)
		/* Queue full: wait a little, try again. */
		return dgram_wait(clock_ns() + 200000, -1) != DW_ENDING;
	nd_err(ND_EXIT_RUN, "send %s", tx->dest);
}

/* Send one datagram, riding out a full queue; false when the run ends. */
static bool
send_one(const struct dgram_tx *tx, const char *buf, size_t len,
    unsigned long long *refused)
{
	for (int tries = 0;; tries++) {
		if (send_to(tx, buf, len) >= 0)
			return true;
		if (!send_again(tx, tries, refused))
			return false;
	}
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
	struct batch		*b;
	unsigned long long	 refused;	/* sends told nobody listens */
};

/*
 * Send every datagram of the batch, riding out a full queue; false when
 * the run ends first.  b->sent counts the datagrams that went.  Where
 * the kernel refuses GSO, the batch goes again without, and so does
 * the rest of the run.
 */
static bool
tx_send(struct txrun *t)
{
	const struct dgram_tx *tx = t->tx;
	struct batch *b = t->b;

	if (b->path == BATCH_ONE) {
		for (; b->sent < b->n; b->sent++)
			if (!send_one(tx, b->buf + b->at[b->sent],
			    b->len[b->sent], &t->refused))
				return false;
		return true;
	}
	for (int m = 0, tries = 0; m < b->nmsg;) {
		int k = batch_send(b, tx->fd, (const struct sockaddr *)tx->to,
		    tx->to != NULL ? sock_len(tx->to) : 0, m);

		if (k > 0) {
			for (int i = m; i < m + k; i++)
				b->sent += b->count[i];
			m += k;
			tries = 0;
		} else if (batch_gso_refused(b, m, errno)) {
			if (tx->o.verbose)
				nd_warnx("UDP GSO refused (%s): sending with "
				    "sendmmsg, up to %d datagrams a call",
				    strerror(errno), BATCH_MAX);
		} else if (!send_again(tx, tries++, &t->refused))
			return false;
	}
	return true;
}

/* The payload of datagram n into buf + hdr; returns its length. */
static int
next_payload(const struct dgram_tx *tx, struct lines *ln, char *buf,
    size_t hdr, unsigned long long n, bool wait, size_t *len)
{
	const struct dgram_opts *a = &tx->o;
	size_t max = dgram_payload_max(a->seq);

	if (ln != NULL) {
		const char *line;
		int r = next_line(ln, max, a->size >= 0, wait, &line, len);

		if (r > 0)
			memcpy(buf + hdr, line, *len);
		return r;
	}
	*len = expand(buf + hdr, max + 1, a->message, n);
	if (*len > max && a->size < 0)
		nd_errx(ND_EXIT_RUN, "--message: datagram %llu is longer than "
		    "%zu bytes, the most one datagram holds%s", n, max,
		    with_seq(a));
	if (*len > max)
		*len = max;
	return 1;
}

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
		if (t->rtt == NULL && due < 0 && (!t->timed || t->tick < 64))
			return true;
		t->tick = 0;
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

/*
 * The way datagrams leave (see batch.h); -v says which.  A paced run
 * sends every datagram as a packet of its own, those due together in one
 * call: in a GSO message they would travel inside this host (loopback, a
 * veth pair) as one packet, which a qdisc, netem or a packet filter on
 * the way would delay, drop or count as one.
 */
static enum batch_path
tx_path(const struct dgram_tx *tx)
{
	const struct dgram_opts *a = &tx->o;
	enum batch_path p = batch_path(tx->fd, a->no_batch);
	bool paced = a->rate > 0 || a->interval > 0;

	if (p == BATCH_GSO && paced)
		p = BATCH_MMSG;
	if (!a->verbose)
		return p;
	if (p == BATCH_GSO)
		nd_warnx("sending with UDP GSO, up to %d datagrams a call",
		    BATCH_MAX);
	else if (p == BATCH_MMSG)
		nd_warnx("sending with sendmmsg, up to %d datagrams a call%s",
		    BATCH_MAX, paced ? " (paced: a packet each)" : "");
	else
		nd_warnx("sending one datagram a call%s", a->no_batch ?
		    " (--no-batch)" : "");
	return p;
}

static void
tx_start(struct txrun *t, const struct dgram_tx *tx)
{
	const struct dgram_opts *a = &tx->o;

	memset(t, 0, sizeof(*t));
	t->tx = tx;
	if ((t->b = batch_new(tx_path(tx))) == NULL)
		nd_err(ND_EXIT_RUN, "allocate buffers");
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
		/* Flat out, replies wait while a batch is built and sent. */
		dgram_rcvbuf(tx->fd);
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

/*
 * Fill the batch from datagram *n on with those due now: paced, those
 * whose slot has come; flat out, as many as a call takes.  Standard input
 * is waited for only while the batch is empty: a line that is slow to
 * come does not hold back those read.  False at the end of the input.
 */
static bool
tx_fill(struct txrun *t, struct lines *ln, unsigned long long *n)
{
	const struct dgram_opts *a = &t->tx->o;
	struct batch *b = t->b;
	size_t hdr = a->seq ? SEQ_HDR_LEN : 0;
	bool paced = a->rate > 0 || a->interval > 0;
	long long now = 0;
	int64_t wall = 0;

	batch_clear(b);
	while (a->count == 0 || *n < (unsigned long long)a->count) {
		char *p = b->buf + b->used;
		size_t len;
		int r;

		if (b->n > 0 && (batch_full(b, DGRAM_MAX + 1) || (paced &&
		    t->first_ns + (long long)t->due_ns > now)))
			break;
		if ((r = next_payload(t->tx, ln, p, hdr, *n, b->n == 0,
		    &len)) <= 0)
			return r < 0;
		len += hdr;
		if (a->size >= 0) {
			if ((size_t)a->size > len)
				memset(p + len, '.', (size_t)a->size - len);
			len = (size_t)a->size;
		}
		/* After the wait for input: the batch leaves now. */
		if (b->n == 0) {
			now = paced || *n == 0 ? clock_ns() : 0;
			wall = a->seq ? clock_wall_us() : 0;
		}
		if (*n == 0)
			t->first_ns = now;
		if (a->seq)
			seq_header(p, *n, wall);
		batch_add(b, len);
		pace(t, len);
		(*n)++;
	}
	return true;
}

/* Account and print the datagrams of the batch that went, from seq n0. */
static void
tx_sent(struct txrun *t, unsigned long long n0)
{
	const struct dgram_tx *tx = t->tx;
	const struct dgram_opts *a = &tx->o;
	const struct batch *b = t->b;
	size_t hdr = a->seq ? SEQ_HDR_LEN : 0;
	long long now = t->rtt != NULL ? clock_ns() : 0;

	for (int i = 0; i < b->sent; i++) {
		const char *p = b->buf + b->at[i];
		size_t len = b->len[i];

		if (t->rtt != NULL)
			rtt_sent(t->rtt, n0 + (unsigned)i, now);
		stats_count(&t->st, len);
		if (!a->quiet && t->rtt == NULL) {
			struct out_meta m = { .peer = tx->dest,
			    .group = tx->group, .seq = a->seq ?
			    (long long)(n0 + (unsigned)i) : -1,
			    .latency_us = LLONG_MIN,
			    .wire_len = a->seq ? len : 0 };

			/* Printed as a receiver prints it: the payload. */
			out_msg(&m, p + hdr, len - hdr);
		}
	}
	t->tick += (unsigned)b->sent;
}

int
dgram_send(const struct dgram_tx *tx)
{
	const struct dgram_opts *a = &tx->o;
	bool paced = a->rate > 0 || a->interval > 0, more = true;
	struct lines *ln = NULL;
	struct txrun *t = malloc(sizeof(*t));
	unsigned long long n = 0;
	int status = ND_EXIT_OK;
	double s, e;

	if (t == NULL || (a->use_stdin &&
	    (ln = calloc(1, sizeof(*ln))) == NULL))
		nd_err(ND_EXIT_RUN, "allocate buffers");
	tx_start(t, tx);
	stats_print_at_error(&t->st, a->stats, a->format);
	while (more && (a->count == 0 || n < (unsigned long long)a->count)) {
		unsigned long long n0 = n;
		bool went;

		if (!tx_wait(t, n > 0 && paced ? t->first_ns +
		    (long long)t->due_ns : -1))
			break;
		more = tx_fill(t, ln, &n);
		if (t->b->n == 0)
			break;
		went = tx_send(t);
		tx_sent(t, n0);
		if (!went)
			break;
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
	if (t->refused > 0 && a->verbose)
		nd_warnx("%llu sends reported nobody listening at %s",
		    t->refused, tx->dest);
	stats_print_at_error(NULL, false, 0);
	if (a->stats || a->report > 0 || sig_caught() ||
	    status == ND_EXIT_SHORT)
		stats_print(&t->st, a->format);
	stats_chart(&t->st);
	tx_verdict(t, status);
	rtt_free(t->rtt);
	flows_free(t->flows);
	batch_free(t->b);
	free(t);
	free(ln);
	return status;
}
