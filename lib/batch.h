/*
 * batch.h: datagrams sent several a call.  A batch holds them one after
 * another, grouped in messages: a message is one datagram or, with UDP
 * GSO (UDP_SEGMENT, Linux >= 4.18), a run of datagrams of one length, the
 * last maybe shorter, that the kernel cuts apart again; one call sends
 * every message (sendmmsg(2)).  Elsewhere a batch holds one datagram.
 */
#ifndef ND_BATCH_H
#define ND_BATCH_H

#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __linux__
#define BATCH_MAX	64		/* datagrams a call, at most */
#else
#define BATCH_MAX	1
#endif
#define BATCH_BYTES	(256 << 10)	/* a batch's buffer */
#define GSO_SEGS	64		/* datagrams of a GSO message */
#define GSO_BYTES	65507		/* and its bytes: an IPv4 datagram's */

/*
 * How datagrams leave: one a call (--no-batch, or not Linux), several a
 * call with sendmmsg(2), or in GSO messages, several of them a call when
 * lengths vary.
 */
enum batch_path { BATCH_ONE, BATCH_MMSG, BATCH_GSO };

struct batch {
	char		 buf[BATCH_BYTES];	/* the datagrams */
	size_t		 used;
	int		 n, sent;	/* datagrams: in it, sent */
	size_t		 at[BATCH_MAX], len[BATCH_MAX];	/* each one */
	int		 nmsg;		/* messages */
	int		 first[BATCH_MAX], count[BATCH_MAX];	/* each */
	size_t		 seg[BATCH_MAX], bytes[BATCH_MAX];
	bool		 open;		/* the last message takes more */
	enum batch_path	 path;
	struct sockaddr_storage to;	/* not connected: the destination */
#ifdef __linux__
	struct mmsghdr	*mm;		/* BATCH_MAX of each */
	struct iovec	*iov;
	void		*cm;
#endif
};

/*
 * The way fd sends best: BATCH_ONE with no_batch or off Linux; GSO if
 * the kernel has it, else sendmmsg.
 */
enum batch_path	batch_path(int fd, bool no_batch);

/* A batch for path p; NULL with errno.  batch_free() frees it. */
struct batch	*batch_new(enum batch_path p);
void		 batch_free(struct batch *b);

/* Empty b for the next call. */
void	batch_clear(struct batch *b);

/*
 * Take the datagram of len bytes that the caller built at b->buf +
 * b->used (with room for it: see batch_full).
 */
void	batch_add(struct batch *b, size_t len);

/*
 * b takes no more: it holds its most datagrams, has fewer than room bytes
 * left (room: what the next datagram may need), or its last GSO message
 * is as large as one can be (sent now, it reaches a GRO receiver as one
 * read).
 */
bool	batch_full(const struct batch *b, size_t room);

/*
 * Send messages m on in one call on fd, to to (tolen bytes; NULL when fd
 * is connected): how many went, or -1 with errno.  Not for BATCH_ONE.
 */
int	batch_send(struct batch *b, int fd, const struct sockaddr *to,
	    socklen_t tolen, int m);

/*
 * The kernel refused GSO: message m failed with errno e and holds several
 * datagrams.  Its datagrams and the rest become messages of their own,
 * and b's path BATCH_MMSG; true.  False when e is another error.
 */
bool	batch_gso_refused(struct batch *b, int m, int e);

/* For --version: "sendmmsg udp-gso" as this build has them. */
const char	*batch_features(void);

#endif
