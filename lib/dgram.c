/*
 * dgram.c: what the datagram send and receive loops share: waiting for a
 * deadline (to the nanosecond) or a readable socket, the sizes of a
 * datagram, the receive buffer.  dgram_send.c and dgram_recv.c are the
 * loops.
 */
#include <sys/socket.h>
#ifdef __linux__
#include <sys/timerfd.h>
#endif
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "call.h"
#include "dgram.h"
#include "clock.h"
#include "err.h"
#include "mcast.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"


#define SHORT_WAIT_NS	2000000LL	/* below this, sleep, do not poll */

#ifdef __linux__
/*
 * A wait for a socket with a deadline: poll(2) with a time-out arms a
 * kernel timer on every call, which costs a receiver 5-10 % of its CPU in
 * a flood of datagrams (-w, --report, -t).  A timerfd armed once per
 * deadline costs nothing per wait; elsewhere poll's time-out does.
 */
static int		tfd = -2;	/* -2: not tried yet, -1: none */
static long long	tfd_armed = -1;

/*
 * tfd armed for at_ns or earlier, or false when there is no timerfd.  An
 * earlier time is kept: -w's deadline moves with every datagram, and the
 * timer is set again only when it goes off early.
 */
static bool
tfd_arm(long long at_ns)
{
	struct itimerspec its = { { 0, 0 }, { (time_t)(at_ns / 1000000000),
	    (long)(at_ns % 1000000000) } };

	if (tfd == -2)
		tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (tfd < 0)
		return false;
	if (tfd_armed >= 0 && tfd_armed <= at_ns)
		return true;
	if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		close(tfd);
		tfd = -1;
		return false;
	}
	tfd_armed = at_ns;
	return true;
}

/* Wait for fd or the deadline on the timerfd: DW_READABLE, or 0 to go on. */
static int
tfd_wait(int fd, long long deadline_ns)
{
	uint64_t ticks;
	int r;

	/* A millisecond early: dgram_wait sleeps the rest to the ns. */
	if (!tfd_arm(deadline_ns - SHORT_WAIT_NS / 2))
		return -1;
	r = sig_wait2(fd, tfd);
	/* The socket, the timer and the signal pipe; one is ready. */
	call_wait("poll", 3, -1, r > 0 ? 1 : r);
	if (r < 0 && errno != EINTR)
		nd_err(ND_EXIT_RUN, "poll");
	if (r == 1)
		return DW_READABLE;
	if (r == 2) {
		(void)!read(tfd, &ticks, sizeof(ticks));
		tfd_armed = -1;
	}
	return 0;
}
#endif

int
dgram_wait(long long deadline_ns, int fd)
{
	out_flush();
	for (;;) {
		long long left = deadline_ns < 0 ? -1 :
		    deadline_ns - clock_ns();
		int r, ms;

		if (sig_ending())
			return DW_ENDING;
		if (deadline_ns >= 0 && left <= 0)
			return DW_DEADLINE;
		if (left >= 0 && left < SHORT_WAIT_NS) {
			/*
			 * Under 2 ms, poll's milliseconds would round a 10 us
			 * gap up to 1 ms and send in bursts: sleep to the
			 * nanosecond.  A signal cuts it short (EINTR); one
			 * just before it costs at most this wait.
			 */
			struct timespec ts = { (time_t)(deadline_ns /
			    1000000000), (long)(deadline_ns % 1000000000) };

			(void)clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME,
			    &ts, NULL);
			continue;
		}
#ifdef __linux__
		if (fd >= 0 && deadline_ns >= 0 &&
		    (r = tfd_wait(fd, deadline_ns)) >= 0) {
			if (r == DW_READABLE)
				return DW_READABLE;
			continue;
		}
#endif
		/*
		 * Poll's milliseconds to within 1-2 ms of the deadline, then
		 * the sleep above to the nanosecond: on time, never spinning.
		 */
		ms = left < 0 ? -1 : left / 1000000 - 1 > INT_MAX ? INT_MAX :
		    (int)(left / 1000000 - 1);
		r = sig_wait(fd >= 0 ? fd : sig_fd(), POLLIN, ms);
		/* The socket and the signal pipe. */
		if (fd >= 0)
			call_wait("poll", 2, ms, r);
		if (r < 0 && errno != EINTR)
			nd_err(ND_EXIT_RUN, "poll");
		if (r > 0 && fd >= 0)
			return DW_READABLE;
	}
}

size_t
dgram_payload_max(bool seq)
{
	return DGRAM_MAX - (seq ? SEQ_HDR_LEN : 0);
}

size_t
dgram_template_len(const char *tmpl)
{
	size_t len = 0;

	for (const char *p = tmpl; *p != '\0'; p++, len++)
		if (p[0] == '{' && p[1] == 'n' && p[2] == '}')
			p += 2;		/* "{n}" becomes "0" */
	return len;
}

void
dgram_rcvbuf(int fd)
{
	int sz = DGRAM_RCVBUF;

#ifdef SO_RCVBUFFORCE
	/* Root may pass net.core.rmem_max; others get what it allows. */
	if (c_setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == 0)
		return;
#endif
	(void)c_setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

const char *
dgram_features(void)
{
#ifdef __linux__
	return "recvmmsg timerfd";
#else
	return "";
#endif
}
