/*
 * zcopy.h: zero-copy transfers for tcp-connect's raw streams: sendfile(2)
 * from a file to a socket, splice(2) from a socket through a pipe to an
 * fd.  Linux only; elsewhere every call fails with ENOSYS and the caller
 * copies through a buffer as before.
 */
#ifndef ND_ZCOPY_H
#define ND_ZCOPY_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>

struct zc_pipe {
	int	r, w;		/* the pipe between socket and output */
	size_t	fill;		/* bytes in it, not yet out */
};

/* Send up to max bytes of file (from its offset) on sock; as sendfile(2). */
ssize_t	zc_sendfile(int sock, int file, size_t max);

/* fd can take splice(2): a pipe, or a file not opened for appending. */
bool	zc_splice_fits(int fd);

/* Make the pipe; -1 with errno (ENOSYS off Linux). */
int	zc_pipe_open(struct zc_pipe *p);
void	zc_pipe_close(struct zc_pipe *p);

/*
 * Move up to max bytes from sock into the pipe without blocking; as
 * splice(2), and the bytes moved are added to p->fill.
 */
ssize_t	zc_splice_in(struct zc_pipe *p, int sock, size_t max);

/*
 * Move what the pipe holds to fd.  Without wait, as much as fd takes now
 * (0 even if some is left: try again when fd polls writable); with wait,
 * all of it, waiting while fd is full.  0, or -1 with errno (EINTR: the
 * run is ending; EPIPE: fd's reader is gone).
 */
int	zc_splice_out(struct zc_pipe *p, int fd, bool wait);

/* For --version: "sendfile splice" as this build has them. */
const char	*zc_features(void);

#endif
