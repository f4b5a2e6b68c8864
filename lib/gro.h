/*
 * gro.h: UDP GRO on a receiving socket (Linux >= 5.0): turning it on,
 * the segment size a coalesced read carries in its control message, and
 * the splitting of such a read back into the datagrams that were sent.
 * Elsewhere GRO is never on and every read is one datagram.
 */
#ifndef ND_GRO_H
#define ND_GRO_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>

/*
 * The buffer a coalesced read needs: the kernel coalesces at most 64 KiB,
 * and a read too short for it would drop the datagrams past its end.
 */
#define GRO_BUF		65536

/* Ask the kernel for coalesced reads on fd: true if it agreed. */
bool	gro_enable(int fd);

/*
 * The segment size of a read from msg's control messages: every datagram
 * of it but the last has this length.  0 when the read is one datagram.
 * msg is only read (not const: CMSG_NXTHDR takes it so).
 */
size_t	gro_segment(struct msghdr *msg);

/* One datagram of a read: where it starts, its bytes, its length sent. */
struct gro_piece {
	size_t	 off;		/* offset in the read */
	size_t	 len;		/* bytes to use: wire, cut to the cap */
	size_t	 wire;		/* its length on the wire */
};

/* Walks the datagrams of a read (gro_start, then gro_next until false). */
struct gro_iter {
	size_t	 total, seg, cap, off;
	bool	 done;
};

/*
 * A read of total bytes with segment size seg (0, or >= total: one
 * datagram); each datagram is cut to cap bytes (-b, "bytes per datagram
 * read"), as a read of cap bytes would cut it.
 */
void	gro_start(struct gro_iter *it, size_t total, size_t seg, size_t cap);

/*
 * The next datagram into p: false when there is none left.  The datagrams
 * tile the read: each starts where the one before ended, all but the last
 * are seg bytes, the last is seg bytes or fewer, at least one byte unless
 * the read was an empty datagram (which is one datagram of 0 bytes).
 */
bool	gro_next(struct gro_iter *it, struct gro_piece *p);

/* For --version: "udp-gro" if this build has it. */
const char	*gro_features(void);

#endif
