/*
 * stats.c: run counters, the --seq streams of every sender, and the
 * summary printed by --stats, a signal, or a run that falls short.
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

static int
json_client(char *d, size_t cap, const struct stats *s)
{
	double secs, rate = sent_rate(s, &secs);
	char r[32];

	if (rate >= 0)
		snprintf(r, sizeof(r), "%.3f", rate);
	else
		snprintf(r, sizeof(r), "null");
	return snprintf(d, cap, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%"
	    PRIu64 ",\"sent_duration_s\":%.6f,\"bytes_out_per_s\":%s",
	    s->bytes, s->sent, secs, r);
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
	if (s->client)
		n += (size_t)json_client(line + n, sizeof(line) - n, s);
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

static void
print_client_text(const struct stats *s)
{
	double secs, rate = sent_rate(s, &secs);

	if (rate >= 0)
		nd_warnx("summary: %" PRIu64 " bytes sent in %.3f s (%.0f "
		    "bytes/s), %" PRIu64 " bytes received", s->sent, secs, rate,
		    s->bytes);
	else
		nd_warnx("summary: %" PRIu64 " bytes sent, %" PRIu64 " bytes "
		    "received", s->sent, s->bytes);
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
	if (s->client)
		print_client_text(s);
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
