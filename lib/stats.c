/* stats.c: run counters and the summary printed by --stats or a signal. */
#include <inttypes.h>
#include <stdio.h>
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

void
stats_start(struct stats *s)
{
	memset(s, 0, sizeof(*s));
	s->start_ns = stats_now_ns();
}

void
stats_print(const struct stats *s, const struct nd_args *a)
{
	double dur = (double)(stats_now_ns() - s->start_ns) / 1e9;
	double mps = dur > 0 ? (double)s->messages / dur : 0;
	double bps = dur > 0 ? (double)s->bytes / dur : 0;
	char line[1024];
	int n;

	if (a->format == FMT_JSON) {
		n = snprintf(line, sizeof(line), "{\"event\":\"summary\","
		    "\"mode\":\"%s\",\"messages\":%" PRIu64 ",\"bytes\":%"
		    PRIu64 ",\"duration_s\":%.6f,\"messages_per_s\":%.3f,"
		    "\"bytes_per_s\":%.3f", err_mode(), s->messages, s->bytes,
		    dur, mps, bps);
		if (s->tcp && n > 0 && (size_t)n < sizeof(line))
			n += snprintf(line + n, sizeof(line) - (size_t)n,
			    ",\"clients_served\":%" PRIu64 ",\"peak_clients\":%"
			    PRIu64 ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%"
			    PRIu64, s->clients_served, s->peak_clients,
			    s->bytes_in, s->bytes_out);
		if (n > 0 && (size_t)n < sizeof(line) - 2) {
			line[n++] = '}';
			line[n] = '\0';
		}
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
	fflush(stderr);
}
