/*
 * dgram.h: the send and receive loops shared by udp-send/mcast-send and
 * udp-recv/mcast-recv: templates, pacing, --size, --seq, printing,
 * truncation, timeouts and the exit status of SPEC.md.
 */
#ifndef ND_DGRAM_H
#define ND_DGRAM_H

#include <sys/socket.h>

#include "opts.h"

#define DGRAM_MAX	65507	/* largest UDP payload over IPv4 */
#define DGRAM_RCVBUF	(8 << 20)	/* SO_RCVBUF asked for */

struct dgram_tx {
	const struct nd_args	*a;
	int			 fd;		/* connected to the destination */
	const char		*dest;		/* "ADDR:PORT", for json */
	const char		*group;		/* multicast group, or NULL */
};

/* Send until --count, end of --stdin or a signal; returns ND_EXIT_*. */
int	dgram_send(const struct dgram_tx *tx);

struct dgram_rx {
	const struct nd_args	*a;
	int			 fd;
	/* Multicast: only datagrams to these groups are printed. */
	const struct sockaddr_storage *groups;
	int			 ngroups;
	/* Called when --timeout passes with nothing received, or NULL. */
	void			(*on_silence)(void *arg);
	void			*arg;
};

/*
 * Receive until --count, --timeout or a signal; prints the summary when
 * asked (or on a signal) and returns ND_EXIT_SHORT when the run fell
 * short: --timeout before --count datagrams (or before any), or loss
 * above --max-loss.
 */
int	dgram_recv(const struct dgram_rx *rx);

/* Raise SO_RCVBUF so that bursts are not dropped needlessly. */
void	dgram_rcvbuf(int fd);

/* Check --size against --seq's header (usage error if too small). */
void	dgram_check_size(const struct nd_args *a);

#endif
