/*
 * stats.c: run counters, the --seq header, loss accounting (after mcjoin's
 * receiver.c) and the summary printed by --stats or a signal.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "err.h"
#include "out.h"
#include "stats.h"

long long
stats_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int64_t
stats_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
stats_start(struct stats *s, struct seqstat *seq)
{
	memset(s, 0, sizeof(*s));
	s->seq = seq;
	s->start_ns = stats_now_ns();
}

void
seq_header(char *dst, uint64_t seq, int64_t us)
{
	char tmp[SEQ_HDR_LEN + 8];

	snprintf(tmp, sizeof(tmp), "#%012" PRIu64 "@%016" PRId64 "|",
	    (uint64_t)(seq % (SEQ_MAX + 1)),
	    (int64_t)(us < 0 ? 0 : us % 10000000000000000LL));
	memcpy(dst, tmp, SEQ_HDR_LEN);
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

int64_t
seq_account(struct seqstat *q, uint64_t seq, int64_t sent_us, int64_t now_us)
{
	int64_t lat = now_us - sent_us, transit = lat, d;

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
		uint64_t from = q->highest + 1;

		if (seq - q->highest >= SEQ_WINDOW)
			memset(q->window, 0, sizeof(q->window));
		else
			for (uint64_t s = from; s <= seq; s++)
				window_clear(q, s);
		q->highest = seq;
		window_test_set(q, seq);
		q->unique++;
	} else if (q->highest - seq < SEQ_WINDOW && window_test_set(q, seq)) {
		q->duplicated++;
		return lat;
	} else {
		/*
		 * Behind the highest: out of order.  Past the window a
		 * duplicate cannot be told from a straggler; count a straggler.
		 */
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

static int
json_seq(char *d, size_t cap, const struct seqstat *q)
{
	if (!q->any)
		return snprintf(d, cap, ",\"lost\":0,\"duplicated\":0,"
		    "\"out_of_order\":0");
	return snprintf(d, cap, ",\"lost\":%" PRIu64 ",\"duplicated\":%"
	    PRIu64 ",\"out_of_order\":%" PRIu64 ",\"latency_us\":{\"min\":%"
	    PRId64 ",\"avg\":%.1f,\"max\":%" PRId64 "},\"jitter_us\":%.1f",
	    seq_lost(q), q->duplicated, q->out_of_order, q->lat_min,
	    q->lat_sum / (double)q->unique, q->lat_max, q->jitter);
}

void
stats_print(const struct stats *s, const struct nd_args *a)
{
	double dur = (double)(stats_now_ns() - s->start_ns) / 1e9;
	double mps = dur > 0 ? (double)s->messages / dur : 0;
	double bps = dur > 0 ? (double)s->bytes / dur : 0;
	const struct seqstat *q = s->seq;
	char line[1024];
	size_t n;

	if (a->format == FMT_JSON) {
		n = (size_t)snprintf(line, sizeof(line), "{\"event\":\"summary\","
		    "\"mode\":\"%s\",\"messages\":%" PRIu64 ",\"bytes\":%"
		    PRIu64 ",\"duration_s\":%.6f,\"messages_per_s\":%.3f,"
		    "\"bytes_per_s\":%.3f", err_mode(), s->messages, s->bytes,
		    dur, mps, bps);
		if (s->tcp)
			n += (size_t)snprintf(line + n, sizeof(line) - n,
			    ",\"clients_served\":%" PRIu64 ",\"peak_clients\":%"
			    PRIu64 ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%"
			    PRIu64, s->clients_served, s->peak_clients,
			    s->bytes_in, s->bytes_out);
		if (q != NULL)
			n += (size_t)json_seq(line + n, sizeof(line) - n, q);
		snprintf(line + n, sizeof(line) - n, "}");
		out_line(line);
		out_flush(NULL);
		return;
	}
	out_flush(NULL);
	fprintf(stderr, "netdemo: %s: summary: %" PRIu64 " messages, %" PRIu64
	    " bytes in %.3f s (%.1f messages/s, %.0f bytes/s)\n", err_mode(),
	    s->messages, s->bytes, dur, mps, bps);
	if (s->tcp)
		fprintf(stderr, "netdemo: %s: summary: %" PRIu64 " clients "
		    "served, peak %" PRIu64 " at once, %" PRIu64 " bytes in, %"
		    PRIu64 " bytes out\n", err_mode(), s->clients_served,
		    s->peak_clients, s->bytes_in, s->bytes_out);
	if (q != NULL) {
		fprintf(stderr, "netdemo: %s: summary: %" PRIu64 " received, %"
		    PRIu64 " lost (%.2f%%), %" PRIu64 " duplicated, %" PRIu64
		    " out of order\n", err_mode(), q->unique, seq_lost(q),
		    seq_loss_pct(q), q->duplicated, q->out_of_order);
		if (q->any)
			fprintf(stderr, "netdemo: %s: summary: latency min/avg/"
			    "max %" PRId64 "/%.1f/%" PRId64 " us, jitter %.1f "
			    "us\n", err_mode(), q->lat_min,
			    q->lat_sum / (double)q->unique, q->lat_max,
			    q->jitter);
	}
	fflush(stderr);
}
