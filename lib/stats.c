/*
 * stats.c: run counters, the flows of a run (a receiver's senders with
 * their --seq streams, a --rtt sender's receivers), --report's records of
 * them, and the summary printed by --stats, a signal, or a run that falls
 * short: human units in text, raw SI numbers in json.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "out.h"
#include "report.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"
#include "units.h"

void
stats_start(struct stats *s, struct flows *flows)
{
	memset(s, 0, sizeof(*s));
	s->flows = flows;
	s->target = -1;
	s->start_ns = clock_ns();
}

void
stats_sent(struct stats *s, uint64_t n, long long began_ns)
{
	if (n == 0)
		return;
	if (s->sent == 0)
		s->sent_first_ns = began_ns;
	s->sent_last_ns = clock_ns();
	s->sent += n;
}

void
stats_count(struct stats *s, uint64_t n)
{
	long long now = clock_ns();

	if (s->messages == 0) {
		s->first_ns = now;
		s->first_bytes = n;
	}
	s->last_ns = now;
	s->messages++;
	s->bytes += n;
}

struct flow *
flow_find(struct flows *set, const struct sockaddr_storage *from)
{
	struct flow *p;

	/* Most recent first: a flood comes from the last sender seen. */
	for (int i = set->n - 1; i >= 0; i--)
		if (sock_same(&set->f[i]->from, from, true)) {
			if (i != set->n - 1) {
				p = set->f[i];
				set->f[i] = set->f[set->n - 1];
				set->f[set->n - 1] = p;
			}
			return set->f[set->n - 1];
		}
	if (set->n == FLOWS_MAX || (p = calloc(1, sizeof(*p))) == NULL) {
		set->untracked++;
		return NULL;
	}
	p->from = *from;
	sock_ntop((const struct sockaddr *)from, p->name, sizeof(p->name));
	hist_reset(&p->lat);
	hist_reset(&p->ivl);
	set->f[set->n++] = p;
	return p;
}

void
flow_latency(struct flow *f, int64_t us)
{
	hist_add(&f->lat, us);
	hist_add(&f->ivl, us);
}

void
flows_sum(const struct flows *set, struct flowsum *sum)
{
	double jit = 0;

	memset(sum, 0, sizeof(*sum));
	hist_reset(&sum->lat);
	sum->sources = set->n;
	sum->untracked = set->untracked;
	sum->no_seq = set->no_seq;
	for (int i = 0; i < set->n; i++) {
		const struct flow *f = set->f[i];
		const struct seqstat *q = &f->q;

		sum->late += f->late;
		/* A receiver whose every answer came late lost them all. */
		if (set->rtt)
			sum->lost += f->rtt_lost;
		if (!q->any)
			continue;
		sum->any = true;
		sum->received += q->unique;
		if (!set->rtt)
			sum->lost += seq_lost(q);
		sum->duplicated += q->duplicated;
		sum->out_of_order += q->out_of_order;
		sum->stale += q->stale;
		sum->clock_skew += q->clock_skew;
		hist_merge(&sum->lat, &f->lat);
		jit += q->jitter * (double)q->unique;
	}
	if (sum->received > 0)
		sum->jitter = jit / (double)sum->received;
}

double
flowsum_loss_pct(const struct flowsum *sum)
{
	uint64_t expected = sum->received + sum->lost;

	return expected ? 100.0 * (double)sum->lost / (double)expected : 0;
}

void
flows_free(struct flows *set)
{
	if (set == NULL)
		return;
	for (int i = 0; i < set->n; i++)
		free(set->f[i]);
	free(set);
}

/* Counters only grow, but lost shrinks when a straggler arrives. */
static uint64_t
delta(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

bool
flows_pending(const struct flows *set)
{
	for (int i = 0; i < set->n; i++)
		if (set->f[i]->messages != set->f[i]->snap.messages)
			return true;
	return false;
}

void
flows_report(struct flows *set, double start_s, double end_s, bool seq)
{
	bool rtt = set->rtt;

	for (int i = 0; i < set->n; i++) {
		struct flow *f = set->f[i];
		struct flowsnap now = { f->messages, f->bytes,
		    rtt ? f->rtt_lost : seq_lost(&f->q), f->q.duplicated,
		    f->q.out_of_order, f->late };
		struct rec r = { .peer = f->name, .start_s = start_s,
		    .end_s = end_s, .seq = seq || rtt, .rtt = rtt,
		    .jitter_us = f->q.jitter, .lat = &f->ivl };

		r.messages = delta(now.messages, f->snap.messages);
		r.bytes = delta(now.bytes, f->snap.bytes);
		r.lost = delta(now.lost, f->snap.lost);
		r.duplicated = delta(now.duplicated, f->snap.duplicated);
		r.out_of_order = delta(now.out_of_order, f->snap.out_of_order);
		r.late = delta(now.late, f->snap.late);
		report_print(&r);
		f->snap = now;
		hist_reset(&f->ivl);
	}
}

/* The rates of SPEC.md: n - 1 intervals over the active period. */
struct rates {
	double	active, elapsed;	/* seconds */
	bool	valid;			/* two messages, some time between */
	double	mps, bps;
};

static void
rates_of(const struct stats *s, struct rates *r)
{
	r->elapsed = (double)(clock_ns() - s->start_ns) / 1e9;
	r->active = s->messages > 0 ?
	    (double)(s->last_ns - s->first_ns) / 1e9 : 0;
	r->valid = s->messages >= 2 && r->active > 0;
	r->mps = r->valid ? (double)(s->messages - 1) / r->active : 0;
	r->bps = r->valid ? (double)(s->bytes - s->first_bytes) / r->active : 0;
}

/*
 * A TCP client's sending side: its bytes over the sending period, from
 * the start of the first send to the end of the last; -1 without one.
 */
static double
sent_rate(const struct stats *s, double *secs)
{
	*secs = s->sent ? (double)(s->sent_last_ns - s->sent_first_ns) / 1e9 :
	    0;
	return *secs > 0 ? (double)s->sent / *secs : -1;
}

/* A json number, or null when there is none. */
static const char *
num_or_null(char *d, size_t cap, bool valid, double v)
{
	if (valid)
		snprintf(d, cap, "%.3f", v);
	else
		snprintf(d, cap, "null");
	return d;
}

static int
json_client(char *d, size_t cap, const struct stats *s)
{
	double secs, rate = sent_rate(s, &secs);
	char r[32];

	return snprintf(d, cap, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%"
	    PRIu64 ",\"sent_duration_s\":%.6f,\"bytes_out_per_s\":%s",
	    s->bytes, s->sent, secs, num_or_null(r, sizeof(r), rate >= 0,
	    rate));
}

static int
json_seq(char *d, size_t cap, const struct flowsum *q, bool rtt)
{
	char h[256];
	int n;

	report_pcts_json(h, sizeof(h), &q->lat);
	if (rtt)
		return snprintf(d, cap, ",\"receivers\":%d,\"replies\":%" PRIu64
		    ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64 ",\"late\":%"
		    PRIu64 ",\"rtt_us\":%s", q->sources, q->received, q->lost,
		    q->duplicated, q->late, h);
	n = snprintf(d, cap, ",\"senders\":%d,\"received\":%" PRIu64
	    ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64
	    ",\"out_of_order\":%" PRIu64 ",\"stale\":%" PRIu64
	    ",\"clock_skew\":%" PRIu64 ",\"no_seq\":%" PRIu64, q->sources,
	    q->received, q->lost, q->duplicated, q->out_of_order, q->stale,
	    q->clock_skew, q->no_seq);
	if (q->any && n > 0 && (size_t)n < cap)
		n += snprintf(d + n, cap - (size_t)n, ",\"latency_us\":%s,"
		    "\"jitter_us\":%.1f", h, q->jitter);
	return n;
}

/* --rtt: one object per receiver. */
static size_t
json_receivers(char *d, size_t cap, const struct flows *set)
{
	size_t n = (size_t)snprintf(d, cap, ",\"per_receiver\":[");

	for (int i = 0; i < set->n && n < cap; i++) {
		const struct flow *f = set->f[i];
		char p[OUT_JSONSTR_MAX(SOCK_NAMELEN) + 1], h[256];

		report_pcts_json(h, sizeof(h), &f->lat);
		n += (size_t)snprintf(d + n, cap - n, "%s{\"peer\":%s,\"replies\""
		    ":%" PRIu64 ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64
		    ",\"late\":%" PRIu64 ",\"first_seq\":%" PRIu64 ",\"rtt_us\":"
		    "%s}", i ? "," : "", json_str(p, sizeof(p), f->name),
		    f->q.unique, f->rtt_lost, f->q.duplicated, f->late,
		    f->first_ans, h);
	}
	if (n < cap)
		n += (size_t)snprintf(d + n, cap - n, "]");
	return n < cap ? n : cap - 1;
}

static void
print_json(const struct stats *s, const struct rates *r,
    const struct flowsum *q)
{
	size_t cap = 2048 + (s->rtt && s->flows ? (size_t)s->flows->n * 512 : 0);
	char *line = malloc(cap), mps[32], bps[32], bits[32];
	size_t n;

	if (line == NULL)
		return;
	n = (size_t)snprintf(line, cap, "{\"event\":\"summary\","
	    "\"mode\":\"%s\",\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"duration_s\":%.6f,\"elapsed_s\":%.6f,\"messages_per_s\":%s,"
	    "\"bytes_per_s\":%s,\"bits_per_s\":%s", err_mode(), s->messages,
	    s->bytes, r->active, r->elapsed,
	    num_or_null(mps, sizeof(mps), r->valid, r->mps),
	    num_or_null(bps, sizeof(bps), r->valid, r->bps),
	    num_or_null(bits, sizeof(bits), r->valid, 8 * r->bps));
	if (s->target > 0)
		n += (size_t)snprintf(line + n, cap - n, ",\"target_%s\":%.3f",
		    s->target_bits ? "bits_per_s" : "messages_per_s", s->target);
	if (s->tcp)
		n += (size_t)snprintf(line + n, cap - n,
		    ",\"clients_served\":%" PRIu64 ",\"peak_clients\":%" PRIu64
		    ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64,
		    s->clients_served, s->peak_clients, s->bytes_in,
		    s->bytes_out);
	if (s->client)
		n += (size_t)json_client(line + n, cap - n, s);
	if (s->echo)
		n += (size_t)snprintf(line + n, cap - n, ",\"echoed\":%" PRIu64
		    ",\"echo_held\":%" PRIu64, s->echoed, s->echo_held);
	if (q != NULL)
		n += (size_t)json_seq(line + n, cap - n, q, s->rtt);
	if (q != NULL && s->rtt && n < cap)
		n += json_receivers(line + n, cap - n, s->flows);
	if (n < cap)
		snprintf(line + n, cap - n, "}");
	out_line(line);
	out_flush();
	free(line);
}

/* "11 bytes", or "100000000 bytes (100 MB)" when large. */
static const char *
bytes_h(char *d, size_t cap, uint64_t n)
{
	char c[32], h[32];

	units_count(c, sizeof(c), (unsigned long long)n, "byte");
	if (n < 10000)
		snprintf(d, cap, "%s", c);
	else
		snprintf(d, cap, "%s (%s)", c, units_bytes(h, sizeof(h),
		    (double)n));
	return d;
}

static void
print_lat_text(const char *what, const struct hist *h, const char *tail)
{
	struct hist_pcts p;
	char b[7][UNITS_MAX];

	hist_pcts(h, &p);
	nd_warnx("summary: %s min %s, p50 %s, p90 %s, p99 %s, p99.9 %s, max %s, "
	    "avg %s%s", what, units_usec(b[0], UNITS_MAX, (double)p.min),
	    units_usec(b[1], UNITS_MAX, (double)p.p50),
	    units_usec(b[2], UNITS_MAX, (double)p.p90),
	    units_usec(b[3], UNITS_MAX, (double)p.p99),
	    units_usec(b[4], UNITS_MAX, (double)p.p999),
	    units_usec(b[5], UNITS_MAX, (double)p.max),
	    units_usec(b[6], UNITS_MAX, p.avg), tail);
}

static void
print_seq_text(const struct flowsum *q)
{
	char extra[128] = "", jit[48];
	size_t n = 0;

	if (q->stale > 0)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    ", %" PRIu64 " stale", q->stale);
	if (q->clock_skew > 0 && n < sizeof(extra))
		snprintf(extra + n, sizeof(extra) - n, ", %" PRIu64
		    " sent ahead of this clock", q->clock_skew);
	nd_warnx("summary: %" PRIu64 " received, %" PRIu64 " lost (%.2f%%), %"
	    PRIu64 " duplicated, %" PRIu64 " out of order, from %d sender%s%s",
	    q->received, q->lost, flowsum_loss_pct(q), q->duplicated,
	    q->out_of_order, q->sources, q->sources == 1 ? "" : "s", extra);
	if (q->no_seq > 0)
		nd_warnx("summary: %" PRIu64 " datagram%s without a --seq "
		    "header", q->no_seq, q->no_seq == 1 ? "" : "s");
	if (q->untracked > 0)
		nd_warnx("summary: %" PRIu64 " datagrams from senders past the "
		    "first %d not counted", q->untracked, FLOWS_MAX);
	if (q->any) {
		char j[UNITS_MAX];

		snprintf(jit, sizeof(jit), "; jitter %s",
		    units_usec(j, sizeof(j), q->jitter));
		print_lat_text("latency", &q->lat, jit);
	}
}

/* --rtt: a line per receiver, its round trips on the next. */
static void
print_rtt_text(const struct stats *s, const struct flowsum *q)
{
	nd_warnx("summary: %" PRIu64 " repl%s from %d receiver%s, %" PRIu64
	    " lost (%.2f%%), %" PRIu64 " duplicated, %" PRIu64 " late",
	    q->received, q->received == 1 ? "y" : "ies", q->sources,
	    q->sources == 1 ? "" : "s", q->lost, flowsum_loss_pct(q),
	    q->duplicated, q->late);
	for (int i = 0; i < s->flows->n; i++) {
		const struct flow *f = s->flows->f[i];
		uint64_t exp = f->q.unique + f->rtt_lost;
		char what[96];

		nd_warnx("summary: %s: %" PRIu64 " repl%s, %" PRIu64 " lost "
		    "(%.2f%%), %" PRIu64 " duplicated, %" PRIu64 " late",
		    f->name, f->q.unique, f->q.unique == 1 ? "y" : "ies",
		    f->rtt_lost, exp ? 100.0 * (double)f->rtt_lost /
		    (double)exp : 0, f->q.duplicated, f->late);
		snprintf(what, sizeof(what), "%s: rtt", f->name);
		if (f->lat.n > 0)
			print_lat_text(what, &f->lat, "");
	}
	if (q->untracked > 0)
		nd_warnx("summary: %" PRIu64 " replies from receivers past the "
		    "first %d not counted", q->untracked, FLOWS_MAX);
}

static void
print_client_text(const struct stats *s)
{
	double secs, rate = sent_rate(s, &secs);
	char a[64], b[64], c[64], d[UNITS_MAX];

	if (rate >= 0)
		nd_warnx("summary: %s sent in %s: %s, %s received",
		    bytes_h(a, sizeof(a), s->sent),
		    units_usec(d, sizeof(d), secs * 1e6),
		    units_byte_rate(b, sizeof(b), rate),
		    bytes_h(c, sizeof(c), s->bytes));
	else
		nd_warnx("summary: %s sent, %s received",
		    bytes_h(a, sizeof(a), s->sent),
		    bytes_h(c, sizeof(c), s->bytes));
}

static void
print_text(const struct stats *s, const struct rates *r,
    const struct flowsum *q)
{
	char m[48], b[64], t[UNITS_MAX], e[UNITS_MAX], mr[32], br[48];

	units_count(m, sizeof(m), s->messages, "message");
	bytes_h(b, sizeof(b), s->bytes);
	units_usec(t, sizeof(t), r->active * 1e6);
	units_usec(e, sizeof(e), r->elapsed * 1e6);
	if (r->valid)
		nd_warnx("summary: %s, %s in %s: %s, %s; %s elapsed", m, b, t,
		    units_msg_rate(mr, sizeof(mr), r->mps),
		    units_byte_rate(br, sizeof(br), r->bps), e);
	else
		nd_warnx("summary: %s, %s in %s: no rate from fewer than 2 "
		    "messages; %s elapsed", m, b, t, e);
	if (s->target > 0 && r->valid) {
		double got = s->target_bits ? 8 * r->bps : r->mps;

		nd_warnx("summary: rate %s asked, %s sent (%.1f%%)",
		    s->target_bits ? units_bits(mr, sizeof(mr), s->target) :
		    units_msg_rate(mr, sizeof(mr), s->target),
		    s->target_bits ? units_bits(br, sizeof(br), got) :
		    units_msg_rate(br, sizeof(br), got),
		    100.0 * got / s->target);
	}
	if (s->tcp) {
		char c[48], in[64], out[64];

		nd_warnx("summary: %s served, peak %" PRIu64 " at once, %s in, "
		    "%s out", units_count(c, sizeof(c), s->clients_served,
		    "client"), s->peak_clients, bytes_h(in, sizeof(in),
		    s->bytes_in), bytes_h(out, sizeof(out), s->bytes_out));
	}
	if (s->client)
		print_client_text(s);
	if (s->echo)
		nd_warnx("summary: %" PRIu64 " echoed, %" PRIu64 " not answered",
		    s->echoed, s->echo_held);
	if (q != NULL && s->rtt)
		print_rtt_text(s, q);
	else if (q != NULL)
		print_seq_text(q);
}

static void
chart_line(void *arg, const char *line)
{
	(void)arg;
	nd_warnx("%s", line);
}

/* --histogram: the distribution as bars, on standard error. */
static void
print_histograms(const struct stats *s, const struct flowsum *q)
{
	if (s->rtt) {
		for (int i = 0; i < s->flows->n; i++) {
			const struct flow *f = s->flows->f[i];

			nd_warnx("round trips from %s, %" PRIu64 " in all:",
			    f->name, f->lat.n);
			if (hist_chart(&f->lat, 12, 40, chart_line, NULL) == 0)
				nd_warnx("  (none)");
		}
		return;
	}
	nd_warnx("latency, %" PRIu64 " datagram%s:", q->lat.n,
	    q->lat.n == 1 ? "" : "s");
	if (hist_chart(&q->lat, 12, 40, chart_line, NULL) == 0)
		nd_warnx("  (none)");
}

void
stats_print(const struct stats *s, enum out_format fmt)
{
	struct flowsum *q = NULL;
	struct rates r;

	/* Warnings held back by a limiter come before the summary. */
	err_flush_limits();
	rates_of(s, &r);
	if (s->flows != NULL && (s->seq || s->rtt)) {
		if ((q = malloc(sizeof(*q))) == NULL)
			return;
		flows_sum(s->flows, q);
	}
	if (fmt == FMT_JSON && out_usable())
		print_json(s, &r, q);
	else {
		out_flush();
		/* After a ^C on a terminal, start on a line of its own. */
		if (sig_caught() && isatty(STDERR_FILENO))
			(void)!write(STDERR_FILENO, "\n", 1);
		print_text(s, &r, q);
	}
	free(q);
}

void
stats_chart(const struct stats *s)
{
	struct flowsum *q;

	if (!s->histogram || s->flows == NULL || (q = malloc(sizeof(*q))) ==
	    NULL)
		return;
	flows_sum(s->flows, q);
	print_histograms(s, q);
	free(q);
}

static struct {
	const struct stats	*s;
	bool			 asked;
	enum out_format		 fmt;
} at_error;

static void
print_at_error(void *arg)
{
	(void)arg;
	if (at_error.s != NULL && (at_error.asked || sig_caught()))
		stats_print(at_error.s, at_error.fmt);
}

void
stats_print_at_error(const struct stats *s, bool asked, enum out_format fmt)
{
	at_error.s = s;
	at_error.asked = asked;
	at_error.fmt = fmt;
	err_set_final(s != NULL ? print_at_error : NULL, NULL);
}
