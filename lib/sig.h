/*
 * sig.h: SIGINT and SIGTERM as a flag and a readable fd (self-pipe);
 * SIGPIPE ignored; and the waits and writes that a signal must be able to
 * end, so that no blocked output outlives SIGTERM.
 */
#ifndef ND_SIG_H
#define ND_SIG_H

#include <stdbool.h>
#include <stddef.h>

/* Install the handlers and make the pipe; 0, or -1 with errno. */
int	sig_init(void);

/*
 * A blocking call (accept, recv, send) is about to wait on socket fd; -1
 * once it returned.  A signal shuts the socket down, so the call returns
 * at once even when the signal came between the caller's last look at
 * sig_ending() and the call: set it, look, call, clear it.
 */
void	sig_blocking_on(int fd);

/* Read end of the self-pipe: readable once the run is ending. */
int	sig_fd(void);

/* The signal that arrived (SIGINT or SIGTERM), or 0. */
int	sig_caught(void);

/*
 * End the run as a signal would, without one (standard output closed):
 * sig_ending() turns true and the self-pipe readable; sig_caught() stays 0.
 */
void	sig_stop(void);

/* True once a signal arrived or sig_stop() was called. */
bool	sig_ending(void);

/*
 * Wait until fd is ready for events (POLLIN, POLLOUT) or ms pass (< 0:
 * no limit).  Returns 1 when ready, 0 on time-out, -1 with errno EINTR
 * when the run is ending, or -1 with poll's errno.
 */
int	sig_wait(int fd, short events, int ms);

/*
 * sig_wait() for two fds, both for POLLIN and without a time limit: 1 when
 * fd is readable, 2 when only fd2 is, -1 as sig_wait().
 */
int	sig_wait2(int fd, int fd2);

/*
 * Write all n bytes of p to fd, finishing partial writes and waiting out
 * EAGAIN.  wait_ms < 0: wait as long as fd needs (data); >= 0: give fd at
 * most that long to take the bytes (diagnostics).  Once the run is ending,
 * fd gets a short grace and no more: a blocked output never holds up the
 * exit.  Returns 0, or -1 with errno (EINTR: gave up; ETIMEDOUT: timed
 * out; else write's errno, e.g. EPIPE).
 */
int	sig_write(int fd, const void *p, size_t n, int wait_ms);

#endif
