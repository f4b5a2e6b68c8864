/* sig.c: turns SIGINT and SIGTERM into a flag and a byte on a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "sig.h"

static volatile sig_atomic_t caught;
static int pipefd[2] = { -1, -1 };

static void
on_signal(int sig)
{
	int saved = errno;
	char c = 0;

	caught = sig;
	/* Full pipe: a byte is already waiting, which is all we need. */
	(void)!write(pipefd[1], &c, 1);
	errno = saved;
}

void
sig_init(void)
{
	struct sigaction sa;

	if (pipe(pipefd) < 0)
		nd_err(ND_EXIT_RUN, "pipe");
	for (int i = 0; i < 2; i++)
		if (fcntl(pipefd[i], F_SETFL, O_NONBLOCK) < 0 ||
		    fcntl(pipefd[i], F_SETFD, FD_CLOEXEC) < 0)
			nd_err(ND_EXIT_RUN, "fcntl");
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	if (sigaction(SIGPIPE, &sa, NULL) < 0)
		nd_err(ND_EXIT_RUN, "sigaction");
	/* No SA_RESTART: a blocking call returns EINTR and sees the flag. */
	sa.sa_handler = on_signal;
	if (sigaction(SIGINT, &sa, NULL) < 0 ||
	    sigaction(SIGTERM, &sa, NULL) < 0)
		nd_err(ND_EXIT_RUN, "sigaction");
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
