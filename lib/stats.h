/*
 * stats.h: the counters of a run, the --seq streams of every sender (see
 * seq.h for one stream), and the summary of SPEC.md.
 */
#ifndef ND_STATS_H
#define ND_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "out.h"
#include "seq.h"

/*
 * One seqstat per sender socket (source address and port), so that
 * several senders to one receiver are each counted against their own
 * sequence; at most SEQ_SOURCES, the rest counted as untracked.
 */
#define SEQ_SOURCES	64

struct seqsrc {
	struct sockaddr_storage	 from;
	struct seqstat		 q;
};

struct seqset {
	int		 n;
	struct seqsrc	*src[SEQ_SOURCES];
	uint64_t	 untracked;
	uint64_t	 no_seq;	/* datagrams without a valid header */
};

/* The sum over every source, for the summary and --max-loss. */
struct seqsum {
	int		 sources;
	uint64_t	 received, lost, duplicated, out_of_order, untracked;
	uint64_t	 stale, clock_skew, no_seq;
	bool		 any;
	int64_t		 lat_min, lat_max;
	double		 lat_avg, jitter;	/* weighted by received */
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
	struct seqset	*seq;		/* --seq receivers, else NULL */
};

/* Zero the counters and start the clock; seq: --seq state, or NULL. */
void		stats_start(struct stats *s, struct seqset *seq);

/* Count one message of n bytes, now. */
void		stats_count(struct stats *s, uint64_t n);

/*
 * A TCP client sent n bytes in a call that began at began_ns and ends now:
 * the sending rate is over the period from the first such start.
 */
void		stats_sent(struct stats *s, uint64_t n, long long began_ns);


/* The stream of sender from: found or added; NULL when the set is full. */
struct seqstat	*seqset_find(struct seqset *set,
		    const struct sockaddr_storage *from);
void		 seqset_sum(const struct seqset *set, struct seqsum *sum);
double		 seqsum_loss_pct(const struct seqsum *sum);
void		 seqset_free(struct seqset *set);

/*
 * The summary: text on standard error, or in json format one object on
 * standard output (on standard error as text when standard output is
 * gone).
 */
void	stats_print(const struct stats *s, enum out_format fmt);

/*
 * From now on a fatal error (nd_err) prints s's summary first, when
 * asked (--stats) or after a signal; NULL s: no longer.  Call with NULL
 * before the run's own stats_print.
 */
void	stats_print_at_error(const struct stats *s, bool asked,
	    enum out_format fmt);

#endif
