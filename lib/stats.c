/*
 * stats.c: run counters, the --seq header, loss accounting (after mcjoin's
 * receiver.c) and the summary printed by --stats or a signal.
 */
#include <sys/socket.h>
#include <netinet/in.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"

void
stats_start(struct stats *s, struct seqset *seq)
{
	memset(s, 0, sizeof(*s));
	s->seq = seq;
	s->start_ns = clock_ns();
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

/* Write v as exactly n decimal digits, zero-padded, ending at dst + n. */
static void
put_digits(char *dst, uint64_t v, int n)
{
	while (n-- > 0) {
		dst[n] = (char)('0' + v % 10);
		v /= 10;
	}
}

void
seq_header(char *dst, uint64_t seq, int64_t us)
{
	/* By hand, not snprintf: a flat-out sender writes one per datagram. */
	dst[0] = '#';
	put_digits(dst + 1, seq % (SEQ_MAX + 1), 12);
	dst[13] = '@';
	put_digits(dst + 14, (uint64_t)(us < 0 ? 0 : us) %
	    10000000000000000ULL, 16);
	dst[30] = '|';
}

static bool
digits(const unsigned char *p, size_t n, uint64_t *v)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		x = x * 10 + (uint64_t)(p[i] - '0');
	}
	*v = x;
	return true;
}

size_t
seq_parse(const unsigned char *p, size_t n, uint64_t *seq, int64_t *us)
{
	uint64_t t;

	if (n < SEQ_HDR_LEN || p[0] != '#' || p[13] != '@' || p[30] != '|')
		return 0;
	if (!digits(p + 1, 12, seq) || !digits(p + 14, 16, &t))
		return 0;
	*us = (int64_t)t;
	return SEQ_HDR_LEN;
}

static bool
window_test_set(struct seqstat *q, uint64_t s)
{
	uint64_t bit = 1ULL << (s % 64);
	uint64_t *w = &q->window[(s % SEQ_WINDOW) / 64];
	bool was = (*w & bit) != 0;

	*w |= bit;
	return was;
}

static void
window_clear(struct seqstat *q, uint64_t s)
{
	q->window[(s % SEQ_WINDOW) / 64] &= ~(1ULL << (s % 64));
}

#define SEQ_MOD		(SEQ_MAX + 1)	/* the wire's sequences wrap here */

/*
 * The unwrapped sequence nearest to the highest that is w on the wire;
 * false when it would lie before the start of the line.  The first one
 * is put a whole wrap up the line, so that what came before it fits.
 */
static bool
unwrap(const struct seqstat *q, uint64_t w, uint64_t *ext)
{
	uint64_t d;

	if (!q->any) {
		*ext = w + SEQ_MOD;
		return true;
	}
	d = (w + SEQ_MOD - q->highest % SEQ_MOD) % SEQ_MOD;
	if (d < SEQ_MOD / 2) {
		*ext = q->highest + d;
		return true;
	}
	if (q->highest < SEQ_MOD - d)
		return false;
	*ext = q->highest - (SEQ_MOD - d);
	return true;
}

static int64_t
latency(struct seqstat *q, int64_t sent_us, int64_t now_us)
{
	int64_t lat = now_us - sent_us;

	if (lat < 0) {
		q->clock_skew++;
		lat = 0;
	}
	return lat;
}

int64_t
seq_account(struct seqstat *q, uint64_t wire, int64_t sent_us, int64_t now_us)
{
	int64_t lat = latency(q, sent_us, now_us);
	int64_t transit = now_us - sent_us, d;
	uint64_t seq;

	if (!unwrap(q, wire, &seq)) {
		q->stale++;
		return lat;
	}
	if (!q->any) {
		q->any = true;
		q->first = q->highest = seq;
		q->lat_min = q->lat_max = lat;
		q->prev_transit = transit;
		window_test_set(q, seq);
		q->unique = 1;
		q->lat_sum = (double)lat;
		return lat;
	}
	if (seq > q->highest) {
		/* Forget what slides out of the window before reusing bits. */
		if (seq - q->highest >= SEQ_WINDOW)
			memset(q->window, 0, sizeof(q->window));
		else
			for (uint64_t s = q->highest + 1; s <= seq; s++)
				window_clear(q, s);
		q->highest = seq;
		window_test_set(q, seq);
		q->unique++;
	} else if (q->highest - seq >= SEQ_WINDOW) {
		/* Too far behind to tell a straggler from a duplicate. */
		q->stale++;
		return lat;
	} else if (window_test_set(q, seq)) {
		q->duplicated++;
		return lat;
	} else {
		/* Arrived after a later one: out of order, not lost. */
		q->out_of_order++;
		q->unique++;
		if (seq < q->first)
			q->first = seq;
	}
	if (lat < q->lat_min)
		q->lat_min = lat;
	if (lat > q->lat_max)
		q->lat_max = lat;
	q->lat_sum += (double)lat;
	/* RFC 3550 6.4.1: J += (|D(i-1,i)| - J) / 16. */
	d = transit - q->prev_transit;
	q->prev_transit = transit;
	q->jitter += ((double)(d < 0 ? -d : d) - q->jitter) / 16.0;
	return lat;
}

uint64_t
seq_lost(const struct seqstat *q)
{
	uint64_t range;

	if (!q->any)
		return 0;
	range = q->highest - q->first + 1;
	return range > q->unique ? range - q->unique : 0;
}

double
seq_loss_pct(const struct seqstat *q)
{
	uint64_t lost = seq_lost(q), expected = q->unique + lost;

	return expected ? 100.0 * (double)lost / (double)expected : 0;
}

struct seqstat *
seqset_find(struct seqset *set, const struct sockaddr_storage *from)
{
	struct seqsrc *p;

	/* Most recent first: a flood comes from the last sender seen. */
	for (int i = set->n - 1; i >= 0; i--)
		if (sock_same(&set->src[i]->from, from, true)) {
			if (i != set->n - 1) {
				p = set->src[i];
				set->src[i] = set->src[set->n - 1];
				set->src[set->n - 1] = p;
			}
			return &set->src[set->n - 1]->q;
		}
	if (set->n == SEQ_SOURCES || (p = calloc(1, sizeof(*p))) == NULL) {
		set->untracked++;
		return NULL;
	}
	p->from = *from;
	set->src[set->n++] = p;
	return &p->q;
}

void
seqset_sum(const struct seqset *set, struct seqsum *sum)
{
	double lat = 0, jit = 0;

	memset(sum, 0, sizeof(*sum));
	sum->sources = set->n;
	sum->untracked = set->untracked;
	sum->no_seq = set->no_seq;
	for (int i = 0; i < set->n; i++) {
		const struct seqstat *q = &set->src[i]->q;

		if (!q->any)
			continue;
		if (!sum->any || q->lat_min < sum->lat_min)
			sum->lat_min = q->lat_min;
		if (!sum->any || q->lat_max > sum->lat_max)
			sum->lat_max = q->lat_max;
		sum->any = true;
		sum->received += q->unique;
		sum->lost += seq_lost(q);
		sum->duplicated += q->duplicated;
		sum->out_of_order += q->out_of_order;
		sum->stale += q->stale;
		sum->clock_skew += q->clock_skew;
		lat += q->lat_sum;
		jit += q->jitter * (double)q->unique;
	}
	if (sum->received > 0) {
		sum->lat_avg = lat / (double)sum->received;
		sum->jitter = jit / (double)sum->received;
	}
}

double
seqsum_loss_pct(const struct seqsum *sum)
{
	uint64_t expected = sum->received + sum->lost;

	return expected ? 100.0 * (double)sum->lost / (double)expected : 0;
}

void
seqset_free(struct seqset *set)
{
	if (set == NULL)
		return;
	for (int i = 0; i < set->n; i++)
		free(set->src[i]);
	free(set);
}

static int
json_seq(char *d, size_t cap, const struct seqsum *q)
{
	int n = snprintf(d, cap, ",\"senders\":%d,\"received\":%" PRIu64
	    ",\"lost\":%" PRIu64 ",\"duplicated\":%" PRIu64
	    ",\"out_of_order\":%" PRIu64 ",\"stale\":%" PRIu64
	    ",\"clock_skew\":%" PRIu64 ",\"no_seq\":%" PRIu64, q->sources,
	    q->received, q->lost, q->duplicated, q->out_of_order, q->stale,
	    q->clock_skew, q->no_seq);

	if (q->any && n > 0 && (size_t)n < cap)
		n += snprintf(d + n, cap - (size_t)n, ",\"latency_us\":{"
		    "\"min\":%" PRId64 ",\"avg\":%.1f,\"max\":%" PRId64 "},"
		    "\"jitter_us\":%.1f", q->lat_min, q->lat_avg, q->lat_max,
		    q->jitter);
	return n;
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

static void
print_json(const struct stats *s, const struct rates *r,
    const struct seqsum *q)
{
	char line[1024], mps[32], bps[32];
	size_t n;

	if (r->valid) {
		snprintf(mps, sizeof(mps), "%.3f", r->mps);
		snprintf(bps, sizeof(bps), "%.3f", r->bps);
	} else {
		snprintf(mps, sizeof(mps), "null");
		snprintf(bps, sizeof(bps), "null");
	}
	n = (size_t)snprintf(line, sizeof(line), "{\"event\":\"summary\","
	    "\"mode\":\"%s\",\"messages\":%" PRIu64 ",\"bytes\":%" PRIu64
	    ",\"duration_s\":%.6f,\"elapsed_s\":%.6f,\"messages_per_s\":%s,"
	    "\"bytes_per_s\":%s", err_mode(), s->messages, s->bytes, r->active,
	    r->elapsed, mps, bps);
	if (s->tcp)
		n += (size_t)snprintf(line + n, sizeof(line) - n,
		    ",\"clients_served\":%" PRIu64 ",\"peak_clients\":%" PRIu64
		    ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64,
		    s->clients_served, s->peak_clients, s->bytes_in,
		    s->bytes_out);
	if (q != NULL)
		n += (size_t)json_seq(line + n, sizeof(line) - n, q);
	snprintf(line + n, sizeof(line) - n, "}");
	out_line(line);
	out_flush();
}

static void
print_seq_text(const struct seqsum *q)
{
	char extra[128] = "";
	size_t n = 0;

	if (q->stale > 0)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
		    ", %" PRIu64 " stale", q->stale);
	if (q->clock_skew > 0 && n < sizeof(extra))
		snprintf(extra + n, sizeof(extra) - n, ", %" PRIu64
		    " sent ahead of this clock", q->clock_skew);
	nd_warnx("summary: %" PRIu64 " received, %" PRIu64 " lost (%.2f%%), %"
	    PRIu64 " duplicated, %" PRIu64 " out of order, from %d sender%s%s",
	    q->received, q->lost, seqsum_loss_pct(q), q->duplicated,
	    q->out_of_order, q->sources, q->sources == 1 ? "" : "s", extra);
	if (q->no_seq > 0)
		nd_warnx("summary: %" PRIu64 " datagram%s without a --seq "
		    "header", q->no_seq, q->no_seq == 1 ? "" : "s");
	if (q->untracked > 0)
		nd_warnx("summary: %" PRIu64 " datagrams from senders past the "
		    "first %d not counted", q->untracked, SEQ_SOURCES);
	if (q->any)
		nd_warnx("summary: latency min/avg/max %" PRId64 "/%.1f/%"
		    PRId64 " us, jitter %.1f us", q->lat_min, q->lat_avg,
		    q->lat_max, q->jitter);
}

void
stats_print(const struct stats *s, enum out_format fmt)
{
	struct seqsum sum, *q = NULL;
	struct rates r;

	/* Warnings held back by a limiter come before the summary. */
	err_flush_limits();
	rates_of(s, &r);
	if (s->seq != NULL) {
		seqset_sum(s->seq, &sum);
		q = &sum;
	}
	if (fmt == FMT_JSON && out_usable()) {
		print_json(s, &r, q);
		return;
	}
	out_flush();
	if (r.valid)
		nd_warnx("summary: %" PRIu64 " messages, %" PRIu64 " bytes in "
		    "%.3f s (%.1f messages/s, %.0f bytes/s; %.3f s elapsed)",
		    s->messages, s->bytes, r.active, r.mps, r.bps, r.elapsed);
	else
		nd_warnx("summary: %" PRIu64 " messages, %" PRIu64 " bytes in "
		    "%.3f s (no rate from fewer than 2 messages; %.3f s "
		    "elapsed)", s->messages, s->bytes, r.active, r.elapsed);
	if (s->tcp)
		nd_warnx("summary: %" PRIu64 " clients served, peak %" PRIu64
		    " at once, %" PRIu64 " bytes in, %" PRIu64 " bytes out",
		    s->clients_served, s->peak_clients, s->bytes_in,
		    s->bytes_out);
	if (q != NULL)
		print_seq_text(q);
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
