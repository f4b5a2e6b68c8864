/*
 * dgram.c: the datagram send loop (template, --seq header, --size, pacing
 * by absolute deadlines) and receive loop (truncation, --seq accounting,
 * --timeout, exit status).
 */
/* glibc declares RFC 3542's struct in6_pktinfo only under _GNU_SOURCE. */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dgram.h"
#include "err.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "stats.h"

/*
 * Wait until the monotonic deadline (ns) or a signal; also returns early
 * when fd (>= 0) is readable.  Returns false on a signal.
 */
#define SHORT_WAIT_NS	2000000LL	/* below this, sleep, do not poll */

static bool
wait_until(long long deadline_ns, int fd)
{
	struct pollfd p[2] = { { sig_fd(), POLLIN, 0 }, { fd, POLLIN, 0 } };

	out_flush(NULL);
	for (;;) {
		long long left = deadline_ns < 0 ? -1 :
		    deadline_ns - stats_now_ns();
		int ms;

		if (sig_caught())
			return false;
		if (deadline_ns >= 0 && left <= 0)
			return true;
		if (fd < 0 && left < SHORT_WAIT_NS) {
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
		/* Round up: waking early would spin until the deadline. */
		ms = left < 0 ? -1 : left / 1000000 + 1 > INT_MAX ? INT_MAX :
		    (int)(left / 1000000 + 1);
		if (poll(p, fd >= 0 ? 2 : 1, ms) < 0 && errno != EINTR)
			nd_err(ND_EXIT_RUN, "poll");
		if (fd >= 0 && p[1].revents)
			return true;
	}
}

void
dgram_check_size(const struct nd_args *a)
{
	if (a->seq && a->size >= 0 && a->size < SEQ_HDR_LEN)
		nd_usage("--size %lld: --seq needs at least %d bytes", a->size,
		    SEQ_HDR_LEN);
}

/* --stdin: the next line, without its newline; false at end of input. */
struct lines {
	char	buf[DGRAM_MAX + 1];
	size_t	start, len;
	bool	eof;
};

static bool
next_line(struct lines *ln, const char **line, size_t *n)
{
	for (;;) {
		char *nl = memchr(ln->buf + ln->start, '\n', ln->len -
		    ln->start);

		if (nl != NULL || (ln->eof && ln->start < ln->len) ||
		    (ln->len - ln->start == DGRAM_MAX)) {
			size_t end = nl ? (size_t)(nl - ln->buf) : ln->len;

			*line = ln->buf + ln->start;
			*n = end - ln->start;
			ln->start = nl ? end + 1 : end;
			return true;
		}
		if (ln->eof)
			return false;
		if (ln->start > 0) {
			memmove(ln->buf, ln->buf + ln->start,
			    ln->len - ln->start);
			ln->len -= ln->start;
			ln->start = 0;
		}
		if (!wait_until(-1, STDIN_FILENO))
			return false;
		ssize_t r = read(STDIN_FILENO, ln->buf + ln->len,
		    DGRAM_MAX - ln->len);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			nd_err(ND_EXIT_RUN, "read standard input");
		if (r == 0)
			ln->eof = true;
		ln->len += (size_t)r;
	}
}

/* Expand "{n}" in tmpl into dst (cap bytes); returns the length. */
static size_t
expand(char *dst, size_t cap, const char *tmpl, unsigned long long n)
{
	char num[24];
	size_t len = 0, k = 0;

	/* The counter's digits, once: by hand, this runs per datagram. */
	do
		num[sizeof(num) - ++k] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	for (const char *p = tmpl; *p != '\0' && len < cap; p++) {
		if (p[0] == '{' && p[1] == 'n' && p[2] == '}') {
			size_t m = k < cap - len ? k : cap - len;

			memcpy(dst + len, num + sizeof(num) - k, m);
			len += m;
			p += 2;
		} else
			dst[len++] = *p;
	}
	return len;
}

int
dgram_send(const struct dgram_tx *tx)
{
	const struct nd_args *a = tx->a;
	const char *tmpl = a->message ? a->message : "Hello world : {n}";
	size_t cap = DGRAM_MAX + SEQ_HDR_LEN, hdr = a->seq ? SEQ_HDR_LEN : 0;
	long long iv_ns = (long long)(a->interval * 1e9);
	char *buf = malloc(cap);
	struct lines *ln = NULL;
	struct stats st;
	unsigned long long n, refused = 0;

	if (buf == NULL || (a->use_stdin && (ln = calloc(1, sizeof(*ln))) ==
	    NULL))
		nd_err(ND_EXIT_RUN, "allocate buffers");
	/* A file on standard input goes as fast as it reads unless -i says. */
	if (a->use_stdin && !a->interval_set)
		iv_ns = 0;
	stats_start(&st, NULL);
	for (n = 0; a->count == 0 || n < (unsigned long long)a->count; n++) {
		size_t len;

		if (n > 0 && iv_ns > 0 && !wait_until(st.start_ns +
		    (long long)n * iv_ns, -1))
			break;
		if (sig_caught())
			break;
		if (ln != NULL) {
			const char *line;
			size_t ll;

			if (!next_line(ln, &line, &ll))
				break;
			len = ll < cap - hdr ? ll : cap - hdr;
			memcpy(buf + hdr, line, len);
		} else
			len = expand(buf + hdr, cap - hdr, tmpl, n);
		len += hdr;
		if (a->size >= 0) {
			if ((size_t)a->size > len)
				memset(buf + len, '.', (size_t)a->size - len);
			len = (size_t)a->size;
		} else if (len > DGRAM_MAX)
			len = DGRAM_MAX;
		if (a->seq)
			seq_header(buf, n, stats_wall_us());
		for (int tries = 0;; tries++) {
			ssize_t w = send(tx->fd, buf, len, 0);

			if (w >= 0)
				break;
			if (errno == EINTR)
				continue;
			if (errno == ECONNREFUSED && tries == 0) {
				/*
				 * An ICMP port unreachable for an earlier
				 * datagram: count it and send this one again.
				 */
				if (refused++ == 0 && a->verbose)
					nd_warn("send %s (nobody listens; "
					    "counted, not fatal)", tx->dest);
				continue;
			}
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == ECONNREFUSED) {
				/* Queue full: wait a little, try again. */
				if (!wait_until(stats_now_ns() + 200000, -1))
					goto out;
				continue;
			}
			nd_err(ND_EXIT_RUN, "send %s", tx->dest);
		}
		st.messages++;
		st.bytes += len;
		if (!a->quiet) {
			struct out_meta m = { .peer = tx->dest,
			    .group = tx->group, .seq = a->seq ? (long long)n :
			    -1, .latency_us = LLONG_MIN };

			out_msg(&m, buf, len);
		}
	}
out:
	if (refused > 0 && a->verbose)
		nd_warnx("%llu sends reported nobody listening at %s", refused,
		    tx->dest);
	if (a->stats || sig_caught())
		stats_print(&st, a);
	free(buf);
	free(ln);
	return ND_EXIT_OK;
}

void
dgram_rcvbuf(int fd)
{
	int sz = DGRAM_RCVBUF;

#ifdef SO_RCVBUFFORCE
	/* Root may pass net.core.rmem_max; others get what it allows. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == 0)
		return;
#endif
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
}

/*
 * The destination of a received datagram, from IP(V6)_PKTINFO, and its
 * TTL or hop limit (IP_RECVTTL, IPV6_RECVHOPLIMIT) into *ttl.
 */
static bool
dst_of(struct msghdr *msg, struct sockaddr_storage *dst, int *ttl)
{
	bool found = false;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c != NULL;
	    c = CMSG_NXTHDR(msg, c)) {
#ifdef IP_TTL
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
			continue;
		}
#endif
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_HOPLIMIT) {
			memcpy(ttl, CMSG_DATA(c), sizeof(*ttl));
			continue;
		}
#ifdef IP_PKTINFO
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			struct sockaddr_in *s = (struct sockaddr_in *)dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(s, 0, sizeof(*s));
			s->sin_family = AF_INET;
			s->sin_addr = pi.ipi_addr;
			found = true;
			continue;
		}
#endif
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			struct sockaddr_in6 *s = (struct sockaddr_in6 *)dst;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memset(s, 0, sizeof(*s));
			s->sin6_family = AF_INET6;
			s->sin6_addr = pi.ipi6_addr;
			found = true;
		}
	}
	return found;
}

/*
 * Which joined group a datagram went to: its index, or -1 for one this
 * receiver did not join (another process's group on a wildcard socket).
 */
static int
which_group(const struct dgram_rx *rx, struct msghdr *msg, int *ttl)
{
	struct sockaddr_storage dst;

	*ttl = 0;
	if (rx->ngroups == 0)
		return 0;
	if (!dst_of(msg, &dst, ttl))
		return rx->ngroups == 1 ? 0 : -1;
	for (int i = 0; i < rx->ngroups; i++)
		if (sock_same(&dst, &rx->groups[i], false))
			return i;
	return -1;
}

static void
on_datagram(const struct dgram_rx *rx, struct stats *st, unsigned char *buf,
    size_t got, size_t wire, const struct sockaddr_storage *from,
    const char *group, int ttl)
{
	const struct nd_args *a = rx->a;
	struct out_meta m = { .group = group, .seq = -1,
	    .latency_us = LLONG_MIN, .ttl = ttl };
	char peer[SOCK_NAMELEN];
	unsigned char *p = buf;
	size_t len = got;

	st->messages++;
	st->bytes += wire;
	if (wire > got || a->format == FMT_JSON)
		sock_ntop((const struct sockaddr *)from, peer, sizeof(peer));
	if (wire > got) {
		nd_warnx("datagram from %s truncated: %zu bytes, --bufsize %lld",
		    peer, wire, a->bufsize);
		m.orig_len = wire;
	}
	if (st->seq != NULL) {
		uint64_t seq;
		int64_t sent;
		size_t h = seq_parse(buf, got, &seq, &sent);

		struct seqstat *q = h > 0 ? seqset_find(st->seq, from) : NULL;

		if (h > 0) {
			m.seq = (long long)seq;
			m.latency_us = stats_wall_us() - sent;
			if (q != NULL)
				(void)seq_account(q, seq, sent, sent +
				    m.latency_us);
			p += h;
			len -= h;
		}
	}
	if (!a->quiet) {
		m.peer = peer;
		out_msg(&m, p, len);
	}
}

int
dgram_recv(const struct dgram_rx *rx)
{
	const struct nd_args *a = rx->a;
	unsigned char *buf = malloc((size_t)a->bufsize);
	char gname[OPTS_MAX_GROUPS][INET6_ADDRSTRLEN];
	union {
		struct cmsghdr	align;
		char		buf[256];
	} cm;
	struct stats st;
	struct seqset *seq;
	long long timeout_ns = a->timeout >= 0 ? (long long)(a->timeout * 1e9) :
	    -1, last;
	bool timed_out = false, lossy = false;
	struct seqsum sum;
	int status = ND_EXIT_OK;

	if (buf == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	for (int i = 0; i < rx->ngroups; i++)
		sock_ntoa((const struct sockaddr *)&rx->groups[i], gname[i],
		    sizeof(gname[i]));
	seq = a->seq ? calloc(1, sizeof(*seq)) : NULL;
	if (a->seq && seq == NULL)
		nd_err(ND_EXIT_RUN, "allocate");
	stats_start(&st, seq);
	last = st.start_ns;
	while (a->count == 0 || st.messages < (uint64_t)a->count) {
		struct sockaddr_storage from;
		struct iovec iov = { buf, (size_t)a->bufsize };
		struct msghdr msg = { .msg_name = &from,
		    .msg_namelen = sizeof(from), .msg_iov = &iov,
		    .msg_iovlen = 1, .msg_control = cm.buf,
		    .msg_controllen = rx->ngroups ? sizeof(cm.buf) : 0 };
		int flags = MSG_DONTWAIT, g, ttl;
		ssize_t n;

#ifdef __linux__
		flags |= MSG_TRUNC;	/* return the length on the wire */
#endif
		if (sig_caught())
			break;
		n = recvmsg(rx->fd, &msg, flags);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				long long dl = timeout_ns < 0 ? -1 :
				    last + timeout_ns;

				if (dl >= 0 && stats_now_ns() >= dl) {
					timed_out = true;
					break;
				}
				if (!wait_until(dl, rx->fd))
					break;
				continue;
			}
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			nd_err(ND_EXIT_RUN, "recv");
		}
		if ((g = which_group(rx, &msg, &ttl)) < 0)
			continue;
		if (timeout_ns >= 0)
			last = stats_now_ns();
		on_datagram(rx, &st, buf, (size_t)n < (size_t)a->bufsize ?
		    (size_t)n : (size_t)a->bufsize,
		    (msg.msg_flags & MSG_TRUNC) && (size_t)n <=
		    (size_t)a->bufsize ? (size_t)a->bufsize + 1 : (size_t)n,
		    &from, rx->ngroups ? gname[g] : NULL, ttl);
	}
	out_flush(NULL);
	if (timed_out) {
		if (st.messages == 0) {
			nd_warnx("nothing received in %g s", a->timeout);
			if (rx->on_silence != NULL)
				rx->on_silence(rx->arg);
			status = ND_EXIT_SHORT;
		} else if (a->count > 0 && st.messages < (uint64_t)a->count) {
			nd_warnx("%llu of %lld datagrams received before "
			    "--timeout %g s", (unsigned long long)st.messages,
			    a->count, a->timeout);
			status = ND_EXIT_SHORT;
		}
	}
	/* The loss verdict holds however the run ended, a signal included. */
	if (seq != NULL && a->max_loss >= 0) {
		seqset_sum(seq, &sum);
		lossy = seqsum_loss_pct(&sum) > a->max_loss;
	}
	/* A run that fell short always shows the summary it is judged by. */
	if (a->stats || sig_caught() || lossy || status == ND_EXIT_SHORT)
		stats_print(&st, a);
	if (lossy) {
		nd_warnx("loss %.2f%% is above --max-loss %g%%",
		    seqsum_loss_pct(&sum), a->max_loss);
		status = ND_EXIT_SHORT;
	}
	seqset_free(seq);
	free(buf);
	return status;
}
