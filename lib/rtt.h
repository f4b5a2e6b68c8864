/*
 * rtt.h: --rtt, the sender's side of round trips.  Each datagram carries
 * the --seq header; an --echo receiver sends it back unchanged, so the
 * send time comes home in the reply and the round trip needs no clock but
 * this host's (the kernel's receive timestamp, SO_TIMESTAMP, less the
 * send time in the header).  Replies are counted per receiver (a flow of
 * stats.h): a receiver's loss counts from the first datagram it answered,
 * and a datagram counts as lost once --rtt-timeout has passed without its
 * reply; a reply after that is late (lost, and said so).
 */
#ifndef ND_RTT_H
#define ND_RTT_H

#include <stdbool.h>
#include <stdint.h>

#include "out.h"
#include "stats.h"

struct rtt;

/* Replies on fd to the datagrams sent; flows gets one per receiver. */
struct rtt	*rtt_new(int fd, double timeout_s, struct flows *flows,
		    bool print, const char *group);
void		 rtt_free(struct rtt *r);

/* Datagram seq (0, 1, ... in order) left at now_ns. */
void		 rtt_sent(struct rtt *r, uint64_t seq, long long now_ns);

/* Read every reply waiting, then count what has expired by now_ns. */
void		 rtt_poll(struct rtt *r, long long now_ns);

/* When the last reply is due: the last send plus the timeout (-1: none). */
long long	 rtt_last_due(const struct rtt *r);

/* Every receiver heard so far has answered every datagram since its first. */
bool		 rtt_complete(const struct rtt *r);

/* The run is over: whatever has no reply yet is lost. */
void		 rtt_finish(struct rtt *r);

#endif
