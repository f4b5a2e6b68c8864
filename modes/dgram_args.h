/*
 * dgram_args.h: what the four datagram modes share between their options
 * and the engines of lib/dgram and lib/mcast: the settings, the usage
 * checks and the multicast defaults.
 */
#ifndef ND_DGRAM_ARGS_H
#define ND_DGRAM_ARGS_H

#include <sys/socket.h>

#include "dgram.h"
#include "opts.h"

/* The engines' settings from the options. */
void	dgram_opts_of(const struct nd_args *a, struct dgram_opts *o);

/* udp-send and mcast-send: --size against --seq, -m against a datagram. */
void	dgram_check_send(const struct nd_args *a);

/*
 * What measures: --max-loss and --histogram need --seq or --echo on a
 * receiver, --rtt on a sender.
 */
void	dgram_check_measure(const struct nd_args *a, bool sender);

/* The multicast modes: the group and interface of the family, if not given. */
void	mcast_args_defaults(struct nd_args *a);

/*
 * The multicast modes: every --group a multicast address of one family,
 * --interface and --source of that family; the groups parsed into g
 * (OPTS_MAX_GROUPS); returns the family.  Usage errors exit 2.
 */
int	mcast_args_groups(const struct nd_args *a, struct sockaddr_storage *g);

#endif
