/*
 * report.c: --report's records (text in aligned columns, or json) and the
 * clock that says when the next one is due.  Interval rates are over the
 * interval's length, as iperf's are; the summary's are over the active
 * period (stats.c).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "err.h"
#include "loop.h"
#include "out.h"
#include "report.h"
#include "units.h"

void
reporter_start(struct reporter *rp, double every_s, long long start_ns)
{
	memset(rp, 0, sizeof(*rp));
	if (every_s <= 0)
		return;
	rp->every_ns = (long long)(every_s * 1e9);
	rp->start_ns = rp->prev_ns = start_ns;
	rp->next_ns = start_ns + rp->every_ns;
}

long long
reporter_next(const struct reporter *rp)
{
	return rp->every_ns > 0 ? rp->next_ns : -1;
}

bool
reporter_due(struct reporter *rp, long long now, double *start_s,
    double *end_s)
{
	if (rp->every_ns <= 0 || now < rp->next_ns)
		return false;
	*start_s = (double)(rp->prev_ns - rp->start_ns) / 1e9;
	*end_s = (double)(now - rp->start_ns) / 1e9;
	rp->prev_ns = now;
	/* Keep to the grid; after a stall, the next slot after now. */
	rp->next_ns += rp->every_ns;
	if (rp->next_ns <= now)
		rp->next_ns = now + rp->every_ns -
		    (now - rp->start_ns) % rp->every_ns;
	return true;
}

static void
on_timer(struct loop *l, void *arg)
{
	struct reporter *rp = arg;
	double s, e;

	if (reporter_due(rp, clock_ns(), &s, &e))
		rp->fn(rp->arg, s, e);
	if (loop_timer(l, reporter_next(rp) / 1000000, on_timer, rp) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
}

void
report_on_loop(struct reporter *rp, struct loop *l,
    void (*fn)(void *, double, double), void *arg)
{
	rp->fn = fn;
	rp->arg = arg;
	if (rp->every_ns > 0 && loop_timer(l, reporter_next(rp) / 1000000,
	    on_timer, rp) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
}

void
reporter_span(const struct reporter *rp, long long now, double *start_s,
    double *end_s)
{
	*start_s = (double)(rp->prev_ns - rp->start_ns) / 1e9;
	*end_s = (double)(now - rp->start_ns) / 1e9;
}

bool
reporter_last(struct reporter *rp, long long now, bool pending,
    double *start_s, double *end_s)
{
	if (rp->every_ns <= 0 || (!pending && now - rp->prev_ns < 1000000))
		return false;
	rp->next_ns = now;
	(void)reporter_due(rp, now, start_s, end_s);
	rp->every_ns = 0;
	return true;
}

int
report_pcts_json(char *d, size_t cap, const struct hist *h)
{
	struct hist_pcts p;

	if (h == NULL || h->n == 0)
		return snprintf(d, cap, "null");
	hist_pcts(h, &p);
	return snprintf(d, cap, "{\"min\":%" PRId64 ",\"p50\":%" PRId64
	    ",\"p90\":%" PRId64 ",\"p99\":%" PRId64 ",\"p999\":%" PRId64
	    ",\"max\":%" PRId64 ",\"avg\":%.1f}", p.min, p.p50, p.p90, p.p99,
	    p.p999, p.max, p.avg);
}

int
report_pcts_text(char *d, size_t cap, const struct hist *h)
{
	struct hist_pcts p;
	char u[7][UNITS_MAX];

	if (h == NULL || h->n == 0)
		return snprintf(d, cap, "-");
	hist_pcts(h, &p);
	return snprintf(d, cap, "min %s  p50 %s  p90 %s  p99 %s  p99.9 %s  "
	    "max %s  avg %s", units_usec(u[0], UNITS_MAX, (double)p.min),
	    units_usec(u[1], UNITS_MAX, (double)p.p50),
	    units_usec(u[2], UNITS_MAX, (double)p.p90),
	    units_usec(u[3], UNITS_MAX, (double)p.p99),
	    units_usec(u[4], UNITS_MAX, (double)p.p999),
	    units_usec(u[5], UNITS_MAX, (double)p.max),
	    units_usec(u[6], UNITS_MAX, p.avg));
}

static double
pct(uint64_t part, uint64_t whole)
{
	return whole ? 100.0 * (double)part / (double)whole : 0;
}

/* v per second over secs; -1 (printed as null, or "-") without a time. */
static double
per(double v, double secs)
{
	return secs > 0 ? v / secs : -1;
}

/* A json rate: the number, or null. */
static const char *
jrate(char *d, size_t cap, double v)
{
	if (v < 0)
		snprintf(d, cap, "null");
	else
		snprintf(d, cap, "%.3f", v);
	return d;
}

static void
print_json(const struct rec *r, double secs)
{
	char f[1024], h[256], a[32], b[32], c[32];
	size_t n;

	n = (size_t)snprintf(f, sizeof(f), ",\"start_s\":%.3f,\"end_s\":%.3f",
	    r->start_s, r->end_s);
	if (r->tcp)
		n += (size_t)snprintf(f + n, sizeof(f) - n, ",\"bytes_in\":%"
		    PRIu64 ",\"bytes_out\":%" PRIu64 ",\"bytes_in_per_s\":%s,"
		    "\"bytes_out_per_s\":%s", r->bytes, r->bytes_out,
		    jrate(a, sizeof(a), per((double)r->bytes, secs)),
		    jrate(b, sizeof(b), per((double)r->bytes_out, secs)));
	else
		n += (size_t)snprintf(f + n, sizeof(f) - n, ",\"messages\":%"
		    PRIu64 ",\"bytes\":%" PRIu64 ",\"messages_per_s\":%s,"
		    "\"bytes_per_s\":%s,\"bits_per_s\":%s", r->messages,
		    r->bytes, jrate(a, sizeof(a), per((double)r->messages,
		    secs)), jrate(b, sizeof(b), per((double)r->bytes, secs)),
		    jrate(c, sizeof(c), per(8.0 * (double)r->bytes, secs)));
	if (r->seq) {
		report_pcts_json(h, sizeof(h), r->lat);
		n += (size_t)snprintf(f + n, sizeof(f) - n, ",\"lost\":%" PRIu64
		    ",\"duplicated\":%" PRIu64, r->lost, r->duplicated);
		if (r->rtt)
			snprintf(f + n, sizeof(f) - n, ",\"late\":%" PRIu64
			    ",\"rtt_us\":%s", r->late, h);
		else
			snprintf(f + n, sizeof(f) - n, ",\"out_of_order\":%"
			    PRIu64 ",\"jitter_us\":%.1f,\"latency_us\":%s",
			    r->out_of_order, r->jitter_us, h);
	}
	out_event("report", r->peer, f);
}

void
report_print(const struct rec *r)
{
	double secs = r->end_s - r->start_s;
	char a[32], b[32], c[32], d[32], h[256], tail[420] = "", iv[48];

	/* Rates over less than a millisecond would mean nothing: none. */
	if (secs < 1e-3)
		secs = 0;
	if (out_json()) {
		print_json(r, secs);
		return;
	}
	if (r->seq) {
		report_pcts_text(h, sizeof(h), r->lat);
		if (r->rtt)
			snprintf(tail, sizeof(tail), "  lost %" PRIu64 " (%.2f%%)"
			    "  dup %" PRIu64 "  late %" PRIu64 "  rtt %s",
			    r->lost, pct(r->lost, r->messages - r->duplicated +
			    r->lost), r->duplicated, r->late, h);
		else
			snprintf(tail, sizeof(tail), "  lost %" PRIu64 " (%.2f%%)"
			    "  dup %" PRIu64 "  ooo %" PRIu64 "  jitter %s  "
			    "latency %s", r->lost, pct(r->lost, r->messages -
			    r->duplicated + r->lost), r->duplicated,
			    r->out_of_order, units_usec(d, sizeof(d),
			    r->jitter_us), h);
	}
	snprintf(iv, sizeof(iv), "%.2f-%.2f s", r->start_s, r->end_s);
	if (r->tcp)
		nd_warnx("report %-22s %15s  in %9s %13s  out %9s %13s",
		    r->peer, iv,
		    units_bytes(a, sizeof(a), (double)r->bytes),
		    units_bits(b, sizeof(b), per(8.0 * (double)r->bytes, secs)),
		    units_bytes(c, sizeof(c), (double)r->bytes_out),
		    units_bits(d, sizeof(d), per(8.0 * (double)r->bytes_out,
		    secs)));
	else
		nd_warnx("report %-22s %15s %8" PRIu64 " msg %9s %13s %13s%s",
		    r->peer, iv, r->messages,
		    units_bytes(a, sizeof(a), (double)r->bytes),
		    units_msg_rate(b, sizeof(b), per((double)r->messages, secs)),
		    units_bits(c, sizeof(c), per(8.0 * (double)r->bytes, secs)),
		    tail);
}
