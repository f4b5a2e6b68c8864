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

#include "opts.h"

/*
 * --seq header: "#" 12-digit sequence "@" 16-digit send time in
 * microseconds since the epoch (CLOCK_REALTIME) "|", then the payload.
 */
#define SEQ_HDR_LEN	31
#define SEQ_MAX		999999999999ULL
#define SEQ_WINDOW	65536	/* sequences remembered for duplicates */

struct seqstat {
	bool		 any;
	uint64_t	 first, highest;	/* range seen */
	uint64_t	 unique;		/* distinct sequences */
	uint64_t	 duplicated, out_of_order;
	int64_t		 lat_min, lat_max;	/* microseconds */
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
};

/* The sum over every source, for the summary and --max-loss. */
struct seqsum {
	int		 sources;
	uint64_t	 received, lost, duplicated, out_of_order, untracked;
	bool		 any;
	int64_t		 lat_min, lat_max;
	double		 lat_avg, jitter;	/* weighted by received */
};

struct stats {
	long long	 start_ns;	/* CLOCK_MONOTONIC at start */
	uint64_t	 messages;	/* datagrams, or TCP reads */
	uint64_t	 bytes;
	bool		 tcp;		/* print the tcp-serve counters */
	uint64_t	 clients_served;
	uint64_t	 peak_clients;
	uint64_t	 bytes_in, bytes_out;
	struct seqset	*seq;		/* --seq receivers, else NULL */
};

long long	stats_now_ns(void);
/* Zero the counters and start the clock; seq: --seq state, or NULL. */
void		stats_start(struct stats *s, struct seqset *seq);

/* Microseconds since the epoch, for --seq send times. */
int64_t		stats_wall_us(void);

/* Write the header for seq sent at us into dst (SEQ_HDR_LEN bytes). */
void	seq_header(char *dst, uint64_t seq, int64_t us);

/*
 * Parse a header at the start of p: returns SEQ_HDR_LEN and fills *seq
 * and *us, or returns 0 if p does not start with a well-formed header.
 */
size_t	seq_parse(const unsigned char *p, size_t n, uint64_t *seq,
	    int64_t *us);

/*
 * Account one received sequence sent at sent_us and received at now_us;
 * returns the one-way latency in microseconds.
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
 * standard output.
 */
void	stats_print(const struct stats *s, const struct nd_args *a);

#endif
