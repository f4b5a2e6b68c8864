/*
 * zcopy.h: zero-copy transfers for tcp-connect's raw streams: sendfile(2)
 * from a file to a socket, splice(2) from a socket through a pipe to an
 * fd.  Linux only; elsewhere every call fails with ENOSYS and the caller
 * copies through a buffer as before.
 */
#ifndef ND_ZCOPY_H
#define ND_ZCOPY_H

#include <sys/types.h>

#include <stddef.h>

struct zc_pipe {
	int	r, w;		/* the pipe between socket and output */
};

/* Send up to max bytes of file (from its offset) on sock; as sendfile(2). */
ssize_t	zc_sendfile(int sock, int file, size_t max);

/* Make the pipe; -1 with errno (ENOSYS off Linux). */
int	zc_pipe_open(struct zc_pipe *p);
void	zc_pipe_close(struct zc_pipe *p);

/* Move up to max bytes from sock into the pipe without blocking. */
ssize_t	zc_splice_in(struct zc_pipe *p, int sock, size_t max);

/*
 * Move exactly n bytes from the pipe to fd, waiting while fd is full
 * (blocking or not); 0, or -1 with errno (EINTR: the run is ending).
 */
int	zc_splice_out(struct zc_pipe *p, int fd, size_t n);

#endif
