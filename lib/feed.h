/*
 * feed.h: what a TCP client sends: --message, or standard input read in
 * bursts, or sent from a regular file by sendfile(2); partial sends
 * finished, a failed send recorded (not fatal: the caller still reads the
 * reply), and what was not sent described.
 */
#ifndef ND_FEED_H
#define ND_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct feed {
	const char	*msg;		/* --message, else NULL */
	char		*buf;		/* read and not yet sent: [off, len) */
	size_t		 off, len, cap;
	long long	 size;		/* a file's bytes from our start, or -1 */
	bool		 file;		/* standard input is a regular file */
	bool		 zc;		/* sending it with sendfile(2) */
	bool		 eof;		/* read to its end */
	int		 err;		/* a failed send's errno, or 0 */
	uint64_t	 sent;
};

/* Send msg (not NULL), or standard input read bufsize at a time.  (setup) */
void	feed_init(struct feed *f, const char *msg, size_t bufsize);
void	feed_free(struct feed *f);

/* Bytes read and not yet sent. */
size_t	feed_pending(const struct feed *f);

/* All of the input is out, and no send failed. */
bool	feed_done(const struct feed *f);

/* Waiting for standard input to be readable; for the socket to take more. */
bool	feed_wants_read(const struct feed *f);
bool	feed_wants_send(const struct feed *f);

/*
 * Read standard input (a burst from a file, once from anything else) and
 * send it on sock; returns the bytes sent, or -1 on a read error (errno).
 */
long long	feed_read(struct feed *f, int sock);

/* Send what is pending (or more of the file); returns the bytes sent. */
long long	feed_send(struct feed *f, int sock);

/* Known to be left: read and unsent, or the rest of a file or message. */
bool	feed_left(const struct feed *f);

/* "N of M bytes of standard input not sent" and the like, into buf. */
void	feed_unsent(const struct feed *f, char *buf, size_t cap);

/*
 * How a client's run ends, after its summary, given the status so far and
 * recv_err (a failed recv's errno, or 0): a failed direction is exit 1
 * and names what was not sent; input left unsent otherwise (--count, -w,
 * a signal) is said, never passed over, but for a closed standard output,
 * whose reader ended the run on purpose.
 */
int	feed_verdict(const struct feed *f, const char *peer, int recv_err,
	    int status);

#endif
