/*
 * call.h: the socket system calls, through one layer that --trace can
 * watch.  Each c_NAME behaves exactly as NAME(2), errno included; with
 * tracing on it also writes one line after the call:
 *
 *	netdemo: MODE: recv(4, 65536) = 11
 *
 * (a {"event":"call",...} object on standard output with -f json).  Off,
 * the cost is one branch on a flag.  In a hot loop the first CALL_SHOWN
 * calls of one kind on one descriptor are written, the rest counted and
 * summarised once a second, when the descriptor is closed, when a call of
 * that kind fails otherwise, and at the end (call_flush).  Waits of the
 * event loops (select, poll, epoll_wait) are traced by the loop itself
 * with call_wait().
 */
#ifndef ND_CALL_H
#define ND_CALL_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stddef.h>

#define CALL_SHOWN	3	/* calls of a kind written before summarising */

extern bool	call_tracing;

/* Turn tracing on; json: as objects on standard output. */
void	call_trace(bool json);

/* Write what the summaries still hold. */
void	call_flush(void);

int	c_socket(int domain, int type, int protocol);
int	c_setsockopt(int fd, int level, int name, const void *val,
	    socklen_t len);
int	c_getsockopt(int fd, int level, int name, void *val, socklen_t *len);
int	c_bind(int fd, const struct sockaddr *sa, socklen_t len);
int	c_listen(int fd, int backlog);
int	c_accept(int fd, struct sockaddr *sa, socklen_t *len);
int	c_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int	c_connect(int fd, const struct sockaddr *sa, socklen_t len);
int	c_getsockname(int fd, struct sockaddr *sa, socklen_t *len);
int	c_shutdown(int fd, int how);
int	c_close(int fd);

/* The traced halves of the inline wrappers below; errno kept. */
void	call_recvd(const char *name, int fd, ssize_t rc, size_t n,
	    const struct sockaddr *from);
void	call_sent(const char *name, int fd, ssize_t rc, size_t n,
	    const struct sockaddr *to);
void	call_recvmsgd(int fd, ssize_t rc, const struct msghdr *msg);
void	call_sentmsg(int fd, ssize_t rc, const struct msghdr *msg);

/* The calls of the data path, inline: off, a test of the flag is all. */
static inline ssize_t
c_recv(int fd, void *buf, size_t n, int flags)
{
	ssize_t rc = recv(fd, buf, n, flags);

	if (call_tracing)
		call_recvd("recv", fd, rc, n, NULL);
	return rc;
}

static inline ssize_t
c_send(int fd, const void *buf, size_t n, int flags)
{
	ssize_t rc = send(fd, buf, n, flags);

	if (call_tracing)
		call_sent("send", fd, rc, n, NULL);
	return rc;
}

static inline ssize_t
c_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa,
    socklen_t *len)
{
	ssize_t rc = recvfrom(fd, buf, n, flags, sa, len);

	if (call_tracing)
		call_recvd("recvfrom", fd, rc, n, sa);
	return rc;
}

static inline ssize_t
c_sendto(int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	ssize_t rc = sendto(fd, buf, n, flags, sa, len);

	if (call_tracing)
		call_sent("sendto", fd, rc, n, sa);
	return rc;
}

static inline ssize_t
c_recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t rc = recvmsg(fd, msg, flags);

	if (call_tracing)
		call_recvmsgd(fd, rc, msg);
	return rc;
}

static inline ssize_t
c_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t rc = sendmsg(fd, msg, flags);

	if (call_tracing)
		call_sentmsg(fd, rc, msg);
	return rc;
}
/* recvmmsg/sendmmsg where they exist (Linux); vec is struct mmsghdr. */
int	c_recvmmsg(int fd, void *vec, unsigned n, int flags);
int	c_sendmmsg(int fd, void *vec, unsigned n, int flags);

/*
 * A call made elsewhere that moved up to n bytes on a socket (splice,
 * sendfile): traced as recv and send are.  errno is kept.
 */
void	call_io(const char *name, int fd, ssize_t rc, int err, size_t n);

/*
 * A loop's wait returned rc: "poll(3 fds, 1000 ms) = 1 ready".  what is
 * "select", "poll" or "epoll_wait"; n the descriptors watched (select:
 * nfds; epoll_wait: the epoll fd); ms the time-out, < 0 for none.
 */
void	call_wait(const char *what, int n, int ms, int rc);

#endif
