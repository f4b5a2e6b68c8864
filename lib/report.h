/*
 * report.h: --report's records and its clock.  A record is one flow (a
 * sender, a client, a receiver answering --rtt) over one interval: a text
 * line on standard error, aligned in columns as iperf's are, or a json
 * object {"event":"report",...} on standard output between the data.
 */
#ifndef ND_REPORT_H
#define ND_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist.h"

/* One flow over one interval. */
struct rec {
	const char	*peer;
	double		 start_s, end_s;	/* since the run began */
	uint64_t	 messages, bytes;	/* received (a sender: sent) */
	bool		 tcp;		/* bytes both ways, no messages */
	uint64_t	 bytes_out;	/* tcp: what went the other way */
	bool		 seq;		/* --seq counters below */
	uint64_t	 lost, duplicated, out_of_order;
	double		 jitter_us;
	const struct hist *lat;		/* one-way latency, or NULL */
	bool		 rtt;		/* --rtt: lat is the round trip */
	uint64_t	 late;		/* --rtt: replies after the timeout */
};

/* Print r: text on standard error, or json on standard output. */
void	report_print(const struct rec *r);

/* A histogram's percentiles as json ({"min":...} or null) or as text. */
int	report_pcts_json(char *d, size_t cap, const struct hist *h);
int	report_pcts_text(char *d, size_t cap, const struct hist *h);

struct loop;

/* --report's clock: every_ns apart from the start of the run. */
struct reporter {
	long long	 every_ns;	/* 0: no reports */
	long long	 start_ns, prev_ns, next_ns;
	/* On a loop (report_on_loop): the records of an interval. */
	void		(*fn)(void *arg, double start_s, double end_s);
	void		*arg;
};

void	reporter_start(struct reporter *rp, double every_s, long long start_ns);

/* The next report's time in ns, or -1 without reports. */
long long reporter_next(const struct reporter *rp);

/*
 * If a report is due at now: true, the interval's bounds in seconds since
 * the start, and the clock moved on to the next one.
 */
bool	reporter_due(struct reporter *rp, long long now, double *start_s,
	    double *end_s);

/*
 * Call fn(arg, start_s, end_s) for every report due, from timers of l
 * (lib/loop); nothing without reports.
 */
void	report_on_loop(struct reporter *rp, struct loop *l,
	    void (*fn)(void *, double, double), void *arg);

/* The interval so far, from the last report to now (no more reports). */
void	reporter_span(const struct reporter *rp, long long now, double *start_s,
	    double *end_s);

/*
 * At the end of the run: the last, partial interval's bounds, if it is
 * at least a millisecond long or pending (something was counted in it);
 * then no more.
 */
bool	reporter_last(struct reporter *rp, long long now, bool pending,
	    double *start_s, double *end_s);

#endif
