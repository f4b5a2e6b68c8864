/* stats.h: the counters of a run and the --stats summary of SPEC.md. */
#ifndef ND_STATS_H
#define ND_STATS_H

#include <stdbool.h>
#include <stdint.h>

#include "opts.h"

struct stats {
	long long	 start_ns;	/* CLOCK_MONOTONIC at start */
	uint64_t	 messages;	/* datagrams, or TCP reads */
	uint64_t	 bytes;
	bool		 tcp;		/* print the tcp-serve counters */
	uint64_t	 clients_served;
	uint64_t	 peak_clients;
	uint64_t	 bytes_in, bytes_out;
};

long long	stats_now_ns(void);
void		stats_start(struct stats *s);

/*
 * The summary: text on standard error, or in json format one object on
 * standard output.
 */
void	stats_print(const struct stats *s, const struct nd_args *a);

#endif
