/*
 * stats.h: the counters of a run, its flows (a receiver's senders with
 * their --seq streams, see seq.h; a --rtt sender's receivers), the
 * summary of SPEC.md and the records of --report.
 */
#ifndef ND_STATS_H
#define ND_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "hist.h"
#include "out.h"
#include "seq.h"
#include "sock.h"

/*
 * A flow: one sender socket (source address and port) of a receiver, or
 * one receiver answering a --rtt sender.  Each is counted on its own, its
 * --seq stream against its own sequence; at most FLOWS_MAX, the rest
 * counted as untracked.
 */
#define FLOWS_MAX	64

/* A flow's counters at its last report. */
struct flowsnap {
	uint64_t	 messages, bytes, lost, duplicated, out_of_order, late;
};

struct flow {
	struct sockaddr_storage	 from;
	char			 name[SOCK_NAMELEN];
	uint64_t		 messages, bytes;
	uint64_t		 late;	/* --rtt: replies after the timeout */
	uint64_t		 rtt_lost;	/* --rtt: no reply in time */
	bool			 answered;	/* --rtt: any reply, even late */
	uint64_t		 first_ans;	/* --rtt: the first seq answered */
	struct seqstat		 q;	/* --seq (or --rtt: the replies) */
	struct hist		 lat;	/* one-way latency, or round trip */
	struct hist		 ivl;	/* the same since the last report */
	struct flowsnap		 snap;
	double			 echo_tokens;	/* --echo's rate limit */
	long long		 echo_ns;
};

struct flows {
	bool		 rtt;		/* the flows are --rtt receivers */
	int		 n;
	struct flow	*f[FLOWS_MAX];
	uint64_t	 untracked;	/* messages from the flows past them */
	uint64_t	 no_seq;	/* datagrams without a valid header */
};

/* The sum over every flow, for the summary and --max-loss. */
struct flowsum {
	int		 sources;
	uint64_t	 received, lost, duplicated, out_of_order, untracked;
	uint64_t	 stale, clock_skew, no_seq, late;
	bool		 any;
	double		 jitter;	/* weighted by received */
	struct hist	 lat;
};

/*
 * Rates are over the active period, first message to last: n - 1
 * intervals carry the messages and bytes after the first.
 */
struct stats {
	long long	 start_ns;	/* CLOCK_MONOTONIC at start */
	long long	 first_ns, last_ns;	/* first and last message */
	uint64_t	 messages;	/* datagrams, or TCP reads */
	uint64_t	 bytes;		/* on the wire (--seq headers too) */
	uint64_t	 first_bytes;	/* of the first message */
	bool		 tcp;		/* print the tcp-serve counters */
	bool		 client;	/* print what a TCP client sent */
	uint64_t	 sent;		/* client: bytes sent */
	long long	 sent_first_ns, sent_last_ns;	/* sending began, ended */
	uint64_t	 clients_served;
	uint64_t	 peak_clients;
	uint64_t	 bytes_in, bytes_out;
	struct flows	*flows;		/* a receiver's senders, else NULL */
	bool		 seq;		/* --seq counters of the flows */
	bool		 rtt;		/* --rtt: the flows are receivers */
	double		 target;	/* --rate asked, or < 0 */
	bool		 target_bits;	/* target in bits/s, else messages/s */
	bool		 histogram;	/* --histogram: draw flows' latency */
	bool		 echo;		/* --echo: the echoes below */
	uint64_t	 echoed, echo_held;	/* answered, not answered */
};

/* Zero the counters and start the clock; flows: a receiver's, or NULL. */
void		stats_start(struct stats *s, struct flows *flows);

/* Count one message of n bytes, now. */
void		stats_count(struct stats *s, uint64_t n);

/*
 * A TCP client sent n bytes in a call that began at began_ns and ends now:
 * the sending rate is over the period from the first such start.
 */
void		stats_sent(struct stats *s, uint64_t n, long long began_ns);


/* The flow of from: found or added; NULL when the set is full. */
struct flow	*flow_find(struct flows *set,
		    const struct sockaddr_storage *from);
/* One latency (or round trip) of f, in microseconds. */
void		 flow_latency(struct flow *f, int64_t us);
void		 flows_sum(const struct flows *set, struct flowsum *sum);
double		 flowsum_loss_pct(const struct flowsum *sum);
void		 flows_free(struct flows *set);

/* Whether a flow counted anything since its last report. */
bool		 flows_pending(const struct flows *set);

/*
 * --report: one record per flow for the interval [start_s, end_s], with
 * the --seq counters when seq.
 */
void		 flows_report(struct flows *set, double start_s, double end_s,
		    bool seq);

/*
 * The summary: text on standard error, or in json format one object on
 * standard output (on standard error as text when standard output is
 * gone).
 */
void	stats_print(const struct stats *s, enum out_format fmt);

/* --histogram: the latencies (or round trips) as bars on standard error. */
void	stats_chart(const struct stats *s);

/*
 * From now on a fatal error (nd_err) prints s's summary first, when
 * asked (--stats) or after a signal; NULL s: no longer.  Call with NULL
 * before the run's own stats_print.
 */
void	stats_print_at_error(const struct stats *s, bool asked,
	    enum out_format fmt);

#endif
