/*
 * stats.h: the counters of a run, the --seq wire header and its loss,
 * duplicate, reordering, latency and jitter accounting, and the summary
 * of SPEC.md.
 */
#ifndef ND_STATS_H
#define ND_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "out.h"

/*
 * --seq header: "#" 12-digit sequence "@" 16-digit send time in
 * microseconds since the epoch (CLOCK_REALTIME) "|", then the payload.
 */
#define SEQ_HDR_LEN	31
#define SEQ_MAX		999999999999ULL
#define SEQ_WINDOW	65536	/* sequences remembered for duplicates */

/*
 * Counters of one sender's stream.  Sequence numbers are unwrapped onto a
 * 64-bit line (the wire's 12 digits wrap to 0), so the invariants hold:
 * unique counts distinct sequences, unique + lost = highest - first + 1.
 * A sequence more than SEQ_WINDOW behind the highest cannot be told from
 * a duplicate: it counts as stale, neither received nor subtracted from
 * lost.  A send time ahead of the receiver's clock counts as clock_skew,
 * its latency as 0.
 */
struct seqstat {
	bool		 any;
	uint64_t	 first, highest;	/* unwrapped range seen */
	uint64_t	 unique;		/* distinct sequences */
	uint64_t	 duplicated, out_of_order, stale, clock_skew;
	int64_t		 lat_min, lat_max;	/* microseconds, >= 0 */
	double		 lat_sum;
	double		 jitter;		/* RFC 3550, microseconds */
	int64_t		 prev_transit;
	uint64_t	 window[SEQ_WINDOW / 64];	/* bit s % SEQ_WINDOW */
};

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
	uint64_t	 clients_served;
	uint64_t	 peak_clients;
	uint64_t	 bytes_in, bytes_out;
	struct seqset	*seq;		/* --seq receivers, else NULL */
};

/* Zero the counters and start the clock; seq: --seq state, or NULL. */
void		stats_start(struct stats *s, struct seqset *seq);

/* Count one message of n bytes, now. */
void		stats_count(struct stats *s, uint64_t n);


/* Write the header for seq sent at us into dst (SEQ_HDR_LEN bytes). */
void	seq_header(char *dst, uint64_t seq, int64_t us);

/*
 * Parse a header at the start of p: returns SEQ_HDR_LEN and fills *seq
 * and *us, or returns 0 if p does not start with a well-formed header.
 */
size_t	seq_parse(const unsigned char *p, size_t n, uint64_t *seq,
	    int64_t *us);

/*
 * Account one received sequence (as on the wire) sent at sent_us and
 * received at now_us; returns the one-way latency in microseconds,
 * clamped at 0.
 */
int64_t	seq_account(struct seqstat *q, uint64_t seq, int64_t sent_us,
	    int64_t now_us);

/* Sequences in [first, highest] that never arrived. */
uint64_t	seq_lost(const struct seqstat *q);

/* Lost as a percentage of the expected, 0 when nothing was expected. */
double		seq_loss_pct(const struct seqstat *q);

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
