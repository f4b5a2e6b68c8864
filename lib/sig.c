/*
 * sig.c: turns SIGINT and SIGTERM into a flag and a byte on a pipe, and
 * writes and waits that end when the run does.
 */
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "sig.h"

/* Once the run is ending, how long a blocked output may hold up the exit. */
#define SIG_GRACE_MS	100

static volatile sig_atomic_t caught, stopping;
static volatile sig_atomic_t blocker = -1;	/* sig_blocking_on */
static int pipefd[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;
	char c = 0;

	caught = sig;
	/* shutdown(2) is async-signal-safe; the blocked call returns. */
	if (blocker >= 0)
		(void)shutdown(blocker, SHUT_RDWR);
	/* Full pipe: a byte is already waiting, which is all we need. */
	(void)!write(pipefd[1], &c, 1);
	errno = saved;
}

int
sig_init(void)
{
	struct sigaction sa;

	if (pipe(pipefd) < 0)
		return -1;
	for (int i = 0; i < 2; i++)
		if (fcntl(pipefd[i], F_SETFL, O_NONBLOCK) < 0 ||
		    fcntl(pipefd[i], F_SETFD, FD_CLOEXEC) < 0)
			return -1;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		return -1;
	/* No SA_RESTART: a blocking call returns EINTR and sees the flag. */
	sa.sa_handler = on_signal;
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		return -1;
	return 0;
}

void
sig_blocking_on(int fd)
{
	blocker = fd;
}

int
sig_fd(void)
{
	return pipefd[0];
}

int
sig_caught(void)
{
	return caught;
}

void
sig_stop(void)
{
	char c = 0;

	stopping = 1;
	if (pipefd[1] >= 0)
		(void)!write(pipefd[1], &c, 1);
}

bool
sig_ending(void)
{
	return caught != 0 || stopping != 0;
}

int
sig_wait(int fd, short events, int ms)
{
	struct pollfd p[2] = { { fd, events, 0 }, { pipefd[0], POLLIN, 0 } };
	long long deadline = ms < 0 ? -1 : clock_ms() + ms;

	for (;;) {
		long long left = deadline < 0 ? -1 : deadline - clock_ms();
		int n;

		if (sig_ending()) {
			errno = EINTR;
			return -1;
		}
		if (deadline >= 0 && left < 0)
			return 0;
		n = poll(p, pipefd[0] >= 0 ? 2 : 1, left > INT_MAX ? INT_MAX :
		    (int)left);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && p[0].revents != 0)
			return 1;
	}
}

int
sig_wait2(int fd, int fd2)
{
	struct pollfd p[3] = { { fd, POLLIN, 0 }, { fd2, POLLIN, 0 },
	    { pipefd[0], POLLIN, 0 } };

	for (;;) {
		int n;

		if (sig_ending()) {
			errno = EINTR;
			return -1;
		}
		n = poll(p, pipefd[0] >= 0 ? 3 : 2, -1);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n > 0 && p[0].revents != 0)
			return 1;
		if (n > 0 && p[1].revents != 0)
			return 2;
	}
}

/*
 * Wait at most ms for fd to take bytes, ignoring the signal pipe (the run
 * is ending already, or the caller bounds the wait itself).
 */
static int
wait_out(int fd, int ms)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	long long deadline = clock_ms() + ms;

	for (;;) {
		long long left = deadline - clock_ms();
		int n = poll(&p, 1, left < 0 ? 0 : (int)left);

		if (n > 0)
			return 1;
		if (n == 0 || errno != EINTR)
			return n;
	}
}

int
sig_write(int fd, const void *buf, size_t n, int wait_ms)
{
	const char *p = buf;
	long long deadline = wait_ms < 0 ? -1 : clock_ms() + wait_ms;

	while (n > 0) {
		bool bounded = deadline >= 0 || sig_ending();
		size_t chunk = n;
		ssize_t w;

		if (bounded) {
			/*
			 * Ask first, then write no more than a pipe takes at
			 * once (PIPE_BUF): a blocking fd that polled writable
			 * then takes it without blocking.
			 */
			long long left = deadline < 0 ? SIG_GRACE_MS :
			    deadline - clock_ms();
			int r;

			if (sig_ending() && left > SIG_GRACE_MS)
				left = SIG_GRACE_MS;
			r = wait_out(fd, left < 0 ? 0 : (int)left);
			if (r < 0)
				return -1;
			if (r == 0) {
				errno = sig_ending() ? EINTR : ETIMEDOUT;
				return -1;
			}
			if (chunk > PIPE_BUF)
				chunk = PIPE_BUF;
		}
		w = write(fd, p, chunk);
		if (w < 0) {
			/* A signal, or a full non-blocking fd: loop and ask. */
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				return -1;
			if (!bounded && sig_wait(fd, POLLOUT, -1) < 0)
				return -1;
			continue;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}
