/*
 * seq.c: the --seq wire header and the accounting of one sender's stream
 * (after mcjoin's receiver.c): loss, duplicates, reordering, staleness,
 * the wrap, latency and RFC 3550 jitter.  It depends on nothing else of
 * netdemo, so the benchmarks' sender and sink use the same header.
 */
#include <stdbool.h>
#include <string.h>

#include "seq.h"

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

bool
seq_seen(const struct seqstat *q, uint64_t ext)
{
	if (!q->any || ext > q->highest || q->highest - ext >= SEQ_WINDOW ||
	    ext < q->first)
		return false;
	return (q->window[(ext % SEQ_WINDOW) / 64] >> (ext % 64)) & 1;
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
