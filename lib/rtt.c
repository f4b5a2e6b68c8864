/*
 * rtt.c: --rtt's replies: matched by sequence number, timed by the
 * kernel's receive timestamp against the send time they carry back,
 * counted per receiver, and expired after --rtt-timeout.
 */
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "out.h"
#include "rtt.h"
#include "seq.h"
#include "sock.h"

/*
 * Send times of the datagrams still in flight, by sequence.  A run faster
 * than RTT_RING per --rtt-timeout expires the oldest early (a reply to
 * one of them that comes later is counted late).
 */
#define RTT_RING	(1u << 17)
#define RTT_BUF		65536
#define RTT_BURST	256	/* replies read per poll, at most */

struct rtt {
	int		 fd;
	long long	 timeout_ns;
	struct flows	*flows;
	bool		 print;		/* a data line per reply */
	const char	*group;
	uint64_t	 sent;		/* datagrams sent: 0 .. sent - 1 */
	uint64_t	 expired;	/* those before this are settled */
	long long	*sent_ns;	/* [seq % RTT_RING] */
	unsigned char	*buf;
	union {				/* last: cmsghdr ends in a flexible array */
		struct cmsghdr	align;
		char		buf[128];
	}		 cm;
};

struct rtt *
rtt_new(int fd, double timeout_s, struct flows *flows, bool print,
    const char *group)
{
	struct rtt *r = calloc(1, sizeof(*r));
	int one = 1;

	if (r == NULL || (r->sent_ns = calloc(RTT_RING, sizeof(long long))) ==
	    NULL || (r->buf = malloc(RTT_BUF)) == NULL)
		nd_err(ND_EXIT_RUN, "allocate --rtt state");
	r->fd = fd;
	r->timeout_ns = (long long)(timeout_s * 1e9);
	r->flows = flows;
	r->print = print;
	r->group = group;
	flows->rtt = true;
	/* Without it, the time is read after recvmsg: a little later. */
	(void)c_setsockopt(fd, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one));
	return r;
}

void
rtt_free(struct rtt *r)
{
	if (r == NULL)
		return;
	free(r->sent_ns);
	free(r->buf);
	free(r);
}

void
rtt_sent(struct rtt *r, uint64_t seq, long long now_ns)
{
	r->sent_ns[seq % RTT_RING] = now_ns;
	r->sent = seq + 1;
}

/* The receive time of msg: the kernel's stamp, or now. */
static int64_t
received_us(struct msghdr *msg)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	    c = CMSG_NXTHDR(msg, c))
		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SCM_TIMESTAMP) {
			struct timeval tv;

			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		}
	return clock_wall_us();
}

/* One reply of n bytes from from, received at rx_us. */
static void
on_reply(struct rtt *r, const unsigned char *p, size_t n,
    const struct sockaddr_storage *from, int64_t rx_us)
{
	static struct err_limit bogus = { .kind = "not a reply" };
	struct flow *f;
	uint64_t seq, dup;
	int64_t sent_us, us;
	size_t h = seq_parse(p, n, &seq, &sent_us);

	if (h == 0 || seq >= r->sent) {
		char peer[SOCK_NAMELEN];

		sock_ntop((const struct sockaddr *)from, peer, sizeof(peer));
		nd_warnx_limited(&bogus, "%s: a datagram that is no reply to "
		    "one sent (ignored)", peer);
		return;
	}
	if ((f = flow_find(r->flows, from)) == NULL)
		return;
	f->messages++;
	f->bytes += n;
	us = rx_us > sent_us ? rx_us - sent_us : 0;
	if (!f->answered || seq < f->first_ans) {
		/*
		 * This receiver's loss now counts from seq: what was settled
		 * from there on, before its first answer, had no reply in
		 * time (a reply in time is read before its datagram is
		 * settled).
		 */
		uint64_t upto = f->answered && f->first_ans < r->expired ?
		    f->first_ans : r->expired;

		if (upto > seq)
			f->rtt_lost += upto - seq;
		f->answered = true;
		f->first_ans = seq;
	}
	if (us * 1000 > r->timeout_ns) {
		/* Counted lost when its time ran out: now also late. */
		f->late++;
	} else {
		dup = f->q.duplicated;
		(void)seq_account(&f->q, seq, sent_us, rx_us);
		if (f->q.duplicated == dup)
			flow_latency(f, us);
	}
	if (r->print) {
		struct out_meta m = { .peer = f->name, .group = r->group,
		    .seq = (long long)seq, .latency_us = LLONG_MIN,
		    .has_rtt = true, .rtt_us = us, .wire_len = n };

		out_msg(&m, p + h, n - h);
	}
}

/*
 * Settle datagram seq, its time up: lost for every receiver that had
 * answered it or an earlier one, but not this one in time.
 */
static void
settle(struct rtt *r, uint64_t seq)
{
	/* seq.c puts a stream's first sequence one wrap up its line. */
	uint64_t ext = seq % (SEQ_MAX + 1) + SEQ_MAX + 1;

	for (int i = 0; i < r->flows->n; i++) {
		struct flow *f = r->flows->f[i];

		if (f->answered && seq >= f->first_ans && !seq_seen(&f->q, ext))
			f->rtt_lost++;
	}
}

static void
expire(struct rtt *r, long long now_ns)
{
	if (r->sent > RTT_RING)
		while (r->expired < r->sent - RTT_RING)
			settle(r, r->expired++);
	while (r->expired < r->sent && now_ns >=
	    r->sent_ns[r->expired % RTT_RING] + r->timeout_ns)
		settle(r, r->expired++);
}

void
rtt_poll(struct rtt *r, long long now_ns)
{
	for (int i = 0; i < RTT_BURST; i++) {
		struct sockaddr_storage from;
		struct iovec iov = { r->buf, RTT_BUF };
		struct msghdr msg = { .msg_name = &from,
		    .msg_namelen = sizeof(from), .msg_iov = &iov,
		    .msg_iovlen = 1, .msg_control = r->cm.buf,
		    .msg_controllen = sizeof(r->cm.buf) };
		ssize_t n = c_recvmsg(r->fd, &msg, MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;	/* counted as a try */
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				nd_err(ND_EXIT_RUN, "recv replies");
			break;
		}
		on_reply(r, r->buf, (size_t)n, &from, received_us(&msg));
	}
	expire(r, now_ns);
}

long long
rtt_last_due(const struct rtt *r)
{
	if (r->sent == 0)
		return -1;
	return r->sent_ns[(r->sent - 1) % RTT_RING] + r->timeout_ns;
}

bool
rtt_complete(const struct rtt *r)
{
	for (int i = 0; i < r->flows->n; i++) {
		const struct flow *f = r->flows->f[i];

		if (!f->answered || f->q.unique < r->sent - f->first_ans)
			return false;
	}
	return r->flows->n > 0;
}

void
rtt_finish(struct rtt *r)
{
	while (r->expired < r->sent)
		settle(r, r->expired++);
}
