/* zcopy.c: sendfile(2) and splice(2) on Linux, ENOSYS elsewhere. */
#ifdef __linux__
/* glibc declares splice(2) and F_SETPIPE_SZ only under _GNU_SOURCE. */
#define _GNU_SOURCE
#include <sys/sendfile.h>
#endif

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include "call.h"
#include "sig.h"
#include "zcopy.h"

#define ZC_PIPE_SIZE	(1 << 20)	/* asked for; the kernel may give less */

#ifdef __linux__

ssize_t
zc_sendfile(int sock, int file, size_t max)
{
	ssize_t n = sendfile(sock, file, NULL, max);

	if (call_tracing)
		call_io("sendfile", sock, n, errno, max);
	return n;
}

int
zc_pipe_open(struct zc_pipe *p)
{
	int fds[2];

	if (pipe(fds) < 0)
		return -1;
	(void)fcntl(fds[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(fds[1], F_SETFD, FD_CLOEXEC);
	/* A larger pipe moves more per splice; the default (64 KiB) works. */
	(void)fcntl(fds[1], F_SETPIPE_SZ, ZC_PIPE_SIZE);
	p->r = fds[0];
	p->w = fds[1];
	p->fill = 0;
	return 0;
}

ssize_t
zc_splice_in(struct zc_pipe *p, int sock, size_t max)
{
	ssize_t n = splice(sock, NULL, p->w, NULL, max,
	    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

	if (call_tracing)
		call_io("splice", sock, n, errno, max);
	if (n > 0)
		p->fill += (size_t)n;
	return n;
}

int
zc_splice_out(struct zc_pipe *p, int fd, bool wait)
{
	while (p->fill > 0) {
		/* Non-blocking on the pipes, so a full output is EAGAIN. */
		ssize_t w = splice(p->r, NULL, fd, NULL, p->fill,
		    SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (w > 0) {
			p->fill -= (size_t)w;
			continue;
		}
		if (w == 0) {
			errno = EPIPE;
			return -1;
		}
		if (errno == EINTR && !sig_ending())
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -1;
		if (!wait)
			return 0;
		if (sig_wait(fd, POLLOUT, -1) < 0)
			return -1;
	}
	return 0;
}

#else

ssize_t
zc_sendfile(int sock, int file, size_t max)
{
	(void)sock;
	(void)file;
	(void)max;
	errno = ENOSYS;
	return -1;
}

int
zc_pipe_open(struct zc_pipe *p)
{
	p->r = p->w = -1;
	errno = ENOSYS;
	return -1;
}

ssize_t
zc_splice_in(struct zc_pipe *p, int sock, size_t max)
{
	(void)p;
	(void)sock;
	(void)max;
	errno = ENOSYS;
	return -1;
}

int
zc_splice_out(struct zc_pipe *p, int fd, bool wait)
{
	(void)p;
	(void)fd;
	(void)wait;
	errno = ENOSYS;
	return -1;
}
#endif

bool
zc_splice_fits(int fd)
{
	struct stat sb;
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_APPEND) || fstat(fd, &sb) < 0)
		return false;
	return S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode);
}

void
zc_pipe_close(struct zc_pipe *p)
{
	if (p->r >= 0)
		close(p->r);
	if (p->w >= 0)
		close(p->w);
	p->r = p->w = -1;
}

const char *
zc_features(void)
{
#ifdef __linux__
	return "sendfile splice";
#else
	return "";
#endif
}
