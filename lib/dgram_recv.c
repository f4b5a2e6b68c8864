/*
 * dgram_recv.c: the datagram receive loop: truncation, flows and their
 * --seq accounting, --echo, --timeout and --duration, --report, and the
 * exit status of SPEC.md.
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
#include "clock.h"
#include "err.h"
#include "mcast.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "report.h"
#include "stats.h"

/* A receive run's state. */
struct rxrun {
	unsigned char	*buf;
	char		 gname[MCAST_MAX_GROUPS][INET6_ADDRSTRLEN];
	struct stats	 st;
	struct flows	*flows;
	struct reporter	 rp;
	bool		 timed;		/* a clock to watch: -t, --report */
	long long	 timeout_ns, last;	/* idle limit, last arrival */
	long long	 end_ns;	/* --duration, or -1 */
	unsigned	 tick;		/* datagrams since the clock was read */
	bool		 timed_out, ended;
	union {				/* last: cmsghdr ends in a flexible array */
		struct cmsghdr	align;
		char		buf[256];
	}		 cm;
};

/* --seq: account the header of buf; its length, or 0 if it has none. */
static size_t
seq_of(struct rxrun *r, struct flow *f, const unsigned char *buf, size_t got,
    const struct sockaddr_storage *from, struct out_meta *m)
{
	uint64_t seq;
	int64_t sent, now = clock_wall_us();
	size_t h = seq_parse(buf, got, &seq, &sent);
	char peer[SOCK_NAMELEN];

	if (h == 0) {
		if (r->flows->no_seq++ == 0) {
			sock_ntop((const struct sockaddr *)from, peer,
			    sizeof(peer));
			nd_warnx("datagram from %s has no --seq header (counted "
			    "as no_seq; warned once)", peer);
		}
		return 0;
	}
	m->seq = (long long)seq;
	if (f != NULL) {
		uint64_t dup = f->q.duplicated, stale = f->q.stale;

		m->latency_us = seq_account(&f->q, seq, sent, now);
		if (f->q.duplicated == dup && f->q.stale == stale)
			flow_latency(f, m->latency_us);
	} else
		m->latency_us = now > sent ? now - sent : 0;
	return h;
}

/* -v: say when a sender is heard from the first time. */
static void
note_sender(const struct flows *set, const struct flow *f)
{
	if (out_json())
		out_event("new_sender", f->name, "");
	else if (set->n == FLOWS_MAX)
		nd_warnx("%s: new sender (the last one reported: %d "
		    "remembered)", f->name, FLOWS_MAX);
	else
		nd_warnx("%s: new sender", f->name);
}

/*
 * --echo: the datagram back to its sender, unchanged, by unicast, at most
 * ECHO_RATE a second to one sender (ECHO_BURST at once); never to a
 * multicast, broadcast or unspecified address, never anything larger
 * than what came, never blocking the receiver.
 */
#define ECHO_RATE	20000.0
#define ECHO_BURST	2000.0

static bool
echo_may(struct flow *f, const struct sockaddr_storage *from)
{
	long long now = clock_ns();

	if (!sock_unicast(from))
		return false;
	if (f->echo_ns == 0)
		f->echo_tokens = ECHO_BURST;
	else
		f->echo_tokens += (double)(now - f->echo_ns) * ECHO_RATE / 1e9;
	if (f->echo_tokens > ECHO_BURST)
		f->echo_tokens = ECHO_BURST;
	f->echo_ns = now;
	if (f->echo_tokens < 1)
		return false;
	f->echo_tokens -= 1;
	return true;
}

static void
echo(const struct dgram_rx *rx, struct stats *st, struct flow *f,
    const unsigned char *buf, size_t n, const struct sockaddr_storage *from)
{
	int fd = rx->echo_fd >= 0 ? rx->echo_fd : rx->fd;

	if (f == NULL || !echo_may(f, from)) {
		st->echo_held++;
		return;
	}
	if (sendto(fd, buf, n, MSG_DONTWAIT, (const struct sockaddr *)from,
	    sock_len(from)) < 0) {
		st->echo_held++;
		return;
	}
	st->echoed++;
}

static void
on_datagram(const struct dgram_rx *rx, struct rxrun *r, size_t got,
    size_t wire, const struct sockaddr_storage *from, const char *group,
    int ttl)
{
	static struct err_limit trunc = { .kind = "truncated" };
	const struct dgram_opts *a = &rx->o;
	struct out_meta m = { .group = group, .seq = -1,
	    .latency_us = LLONG_MIN, .ttl = ttl };
	struct flow *f = flow_find(r->flows, from);
	const char *peer = f != NULL ? f->name : NULL;
	char name[SOCK_NAMELEN];
	size_t h = 0;

	stats_count(&r->st, wire);
	if (f != NULL) {
		if (f->messages++ == 0 && a->verbose)
			note_sender(r->flows, f);
		f->bytes += wire;
	}
	if (peer == NULL && (wire > got || (out_wants_peer() && !a->quiet))) {
		sock_ntop((const struct sockaddr *)from, name, sizeof(name));
		peer = name;
	}
	if (wire > got) {
		nd_warnx_limited(&trunc, "datagram from %s truncated: %zu "
		    "bytes, --bufsize %lld", peer, wire, a->bufsize);
		m.orig_len = wire;
	}
	if (a->seq && (h = seq_of(r, f, r->buf, got, from, &m)) > 0)
		m.wire_len = wire;
	/* Only a whole datagram with a header is answered. */
	if (a->echo && h > 0 && wire == got)
		echo(rx, &r->st, f, r->buf, got, from);
	else if (a->echo)
		r->st.echo_held++;
	if (!a->quiet) {
		m.peer = out_wants_peer() ? peer : NULL;
		out_msg(&m, r->buf + h, got - h);
	}
}

/*
 * The verdict of a receive run: SPEC.md's exit 3 when it fell short.
 * With say, each reason is printed (after the summary, which is printed
 * first so that the reason closes the run's output).
 */
static int
recv_verdict(const struct dgram_rx *rx, const struct rxrun *r, bool say)
{
	const struct dgram_opts *a = &rx->o;
	const struct stats *st = &r->st;
	bool cut = r->timed_out || r->ended;
	const char *why = r->ended ? "in --duration" : "before --timeout";
	double secs = r->ended ? a->duration : a->timeout;
	struct flowsum *sum = calloc(1, sizeof(*sum));
	int status = ND_EXIT_OK;

	if (sum == NULL)
		nd_err(ND_EXIT_RUN, "allocate");
	flows_sum(r->flows, sum);
	if (cut && st->messages == 0) {
		if (say) {
			nd_warnx("nothing received in %s%g s", r->ended ?
			    "--duration " : "", secs);
			if (rx->on_silence != NULL && r->timed_out)
				rx->on_silence(rx->arg);
		}
		status = ND_EXIT_SHORT;
	} else if (cut && a->count > 0 && st->messages < (uint64_t)a->count) {
		if (say)
			nd_warnx("%llu of %lld datagrams received %s %g s",
			    (unsigned long long)st->messages, a->count, why,
			    secs);
		status = ND_EXIT_SHORT;
	}
	/* Asked to measure, measured nothing: not a pass. */
	if (status == ND_EXIT_OK || st->messages > 0) {
		if (a->seq && (a->max_loss >= 0 || a->count > 0) && !sum->any) {
			if (say && st->messages == 0)
				nd_warnx("nothing measured: no datagram arrived");
			else if (say)
				nd_warnx("nothing measured: %llu datagram%s, "
				    "none with a --seq header",
				    (unsigned long long)st->messages,
				    st->messages == 1 ? "" : "s");
			status = ND_EXIT_SHORT;
		} else if (a->seq && a->max_loss >= 0 &&
		    flowsum_loss_pct(sum) > a->max_loss) {
			/* Whatever ended the run, a signal included. */
			if (say)
				nd_warnx("loss %.2f%% is above --max-loss %g%%",
				    flowsum_loss_pct(sum), a->max_loss);
			status = ND_EXIT_SHORT;
		}
	}
	free(sum);
	return status;
}

/*
 * The clock: a report due, --duration over (false).  Read only when
 * there is one to watch: when the wait for a datagram reaches its
 * deadline, and in a flood every CLOCK_EVERY datagrams (a few
 * microseconds late at most).
 */
#define CLOCK_EVERY	64
static bool
recv_clock(const struct dgram_rx *rx, struct rxrun *r)
{
	long long now;
	double s, e;

	if (!r->timed)
		return true;
	now = clock_ns();
	if (reporter_due(&r->rp, now, &s, &e))
		flows_report(r->flows, s, e, rx->o.seq);
	if (r->end_ns >= 0 && now >= r->end_ns) {
		r->ended = true;
		return false;
	}
	return true;
}

/* The earliest of the idle limit, --duration and the next report. */
static long long
recv_deadline(const struct rxrun *r)
{
	long long dl = r->timeout_ns < 0 ? -1 : r->last + r->timeout_ns;
	long long t[2] = { r->end_ns, reporter_next(&r->rp) };

	for (int i = 0; i < 2; i++)
		if (t[i] >= 0 && (dl < 0 || t[i] < dl))
			dl = t[i];
	return dl;
}

/*
 * Wait for, receive and account the next datagram; false when the run
 * ends (a signal, the idle limit: r->timed_out, --duration: r->ended).
 */
static bool
recv_next(const struct dgram_rx *rx, struct rxrun *r)
{
	const struct dgram_opts *a = &rx->o;
	size_t cap = (size_t)a->bufsize;

	for (;;) {
		struct sockaddr_storage from;
		struct iovec iov = { r->buf, cap };
		struct msghdr msg = { .msg_name = &from,
		    .msg_namelen = sizeof(from), .msg_iov = &iov,
		    .msg_iovlen = 1, .msg_control = r->cm.buf,
		    .msg_controllen = rx->ngroups ? sizeof(r->cm.buf) : 0 };
		int flags = MSG_DONTWAIT, g = 0, ttl = 0;
		long long idle = r->timeout_ns < 0 ? -1 :
		    r->last + r->timeout_ns;
		ssize_t n;

#ifdef __linux__
		flags |= MSG_TRUNC;	/* return the length on the wire */
#endif
		/* In a flood, the clock once every CLOCK_EVERY datagrams. */
		if (sig_ending() || ((++r->tick & (CLOCK_EVERY - 1)) == 0 &&
		    !recv_clock(rx, r)))
			return false;
		if ((n = recvmsg(rx->fd, &msg, flags)) < 0) {
			if (errno == EINTR || errno == ECONNREFUSED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				nd_err(ND_EXIT_RUN, "recv");
			if (idle >= 0 && clock_ns() >= idle) {
				r->timed_out = true;
				return false;
			}
			/* Nothing waits: the clock's turn, if it is due. */
			switch (dgram_wait(recv_deadline(r), rx->fd)) {
			case DW_ENDING:
				return false;
			case DW_DEADLINE:
				if (!recv_clock(rx, r))
					return false;
				break;
			default:
				break;
			}
			continue;
		}
		if (rx->ngroups > 0 && (g = mcast_dest(&msg, rx->groups,
		    rx->ngroups, &ttl)) < 0)
			continue;	/* another receiver's group */
		if (r->timeout_ns >= 0)
			r->last = clock_ns();
		/* Without MSG_TRUNC's length, a full buffer was cut short. */
		on_datagram(rx, r, (size_t)n < cap ? (size_t)n : cap,
		    (msg.msg_flags & MSG_TRUNC) && (size_t)n <= cap ? cap + 1 :
		    (size_t)n, &from, rx->ngroups ? r->gname[g] : NULL, ttl);
		return true;
	}
}

static struct rxrun *
rx_start(const struct dgram_rx *rx)
{
	const struct dgram_opts *a = &rx->o;
	struct rxrun *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->buf = malloc((size_t)a->bufsize)) == NULL ||
	    (r->flows = calloc(1, sizeof(*r->flows))) == NULL)
		nd_err(ND_EXIT_RUN, "allocate %lld bytes", a->bufsize);
	for (int i = 0; i < rx->ngroups; i++)
		sock_ntoa((const struct sockaddr *)&rx->groups[i], r->gname[i],
		    sizeof(r->gname[i]));
	r->timeout_ns = a->timeout >= 0 ? (long long)(a->timeout * 1e9) : -1;
	stats_start(&r->st, r->flows);
	r->st.seq = a->seq;
	r->st.echo = a->echo;
	r->st.histogram = a->histogram;
	r->end_ns = a->duration > 0 ? r->st.start_ns +
	    (long long)(a->duration * 1e9) : -1;
	reporter_start(&r->rp, a->report, r->st.start_ns);
	r->timed = r->end_ns >= 0 || a->report > 0;
	r->last = r->st.start_ns;
	return r;
}

int
dgram_recv(const struct dgram_rx *rx)
{
	const struct dgram_opts *a = &rx->o;
	struct rxrun *r = rx_start(rx);
	double s, e;
	int status;

	stats_print_at_error(&r->st, a->stats, a->format);
	while ((a->count == 0 || r->st.messages < (uint64_t)a->count) &&
	    recv_next(rx, r))
		;
	if (reporter_last(&r->rp, clock_ns(), flows_pending(r->flows), &s, &e))
		flows_report(r->flows, s, e, a->seq);
	out_flush();
	stats_print_at_error(NULL, false, 0);
	/* A run that fell short shows the summary it is judged by, first. */
	status = recv_verdict(rx, r, false);
	if (a->stats || a->report > 0 || sig_caught() ||
	    status == ND_EXIT_SHORT)
		stats_print(&r->st, a->format);
	stats_chart(&r->st);
	(void)recv_verdict(rx, r, true);
	flows_free(r->flows);
	free(r->buf);
	free(r);
	return status;
}
