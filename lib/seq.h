/*
 * seq.h: the --seq wire header and the counters of one sender's stream.
 */
#ifndef ND_SEQ_H
#define ND_SEQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/*
 * Whether the unwrapped sequence ext has arrived, as far as the window
 * remembers (false past it).
 */
bool	seq_seen(const struct seqstat *q, uint64_t ext);

/* Sequences in [first, highest] that never arrived. */
uint64_t	seq_lost(const struct seqstat *q);

/* Lost as a percentage of the expected, 0 when nothing was expected. */
double		seq_loss_pct(const struct seqstat *q);

#endif
