/*
 * dgram_recv.c: the datagram receive loop: several datagrams a call
 * (UDP GRO, recvmmsg), truncation, flows and their --seq accounting,
 * --echo, --timeout and --duration, --report, and the exit status of
 * SPEC.md.
 */
/*
 * glibc declares RFC 3542's struct in6_pktinfo, recvmmsg(2) and struct
 * mmsghdr only under _GNU_SOURCE.
 */
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

#include "call.h"
#include "dgram.h"
#include "clock.h"
#include "err.h"
#include "gro.h"
#include "mcast.h"
#include "out.h"
#include "sig.h"
#include "sock.h"
#include "report.h"
#include "stats.h"

#ifndef __linux__
/* recvmmsg(2)'s vector, for the one read a call made elsewhere. */
struct nd_mmsghdr {
	struct msghdr	 msg_hdr;
	unsigned int	 msg_len;
};
#define mmsghdr	nd_mmsghdr
#endif

/*
 * Reads a call: with recvmmsg(2), up to RX_READS datagrams; with UDP GRO
 * as well, up to RX_READS_GRO reads of up to 64 KiB, each one or more
 * datagrams of one sender.
 */
#define RX_READS	64
#define RX_READS_GRO	16

/* Where one read lands besides its bytes. */
struct rxslot {
	struct sockaddr_storage	 from;
	struct iovec		 iov;
	union {				/* cmsghdr ends in a flexible array */
		struct cmsghdr	align;
		char		buf[256];
	}			 cm;
};

/* A receive run's state. */
struct rxrun {
	unsigned char	*buf;		/* nreads buffers of slot bytes */
	size_t		 slot;
	int		 nreads;
	bool		 gro;		/* reads may be coalesced */
	struct mmsghdr	*mm;
	struct rxslot	*sl;
	char		 gname[MCAST_MAX_GROUPS][INET6_ADDRSTRLEN];
	struct stats	 st;
	struct flows	*flows;
	struct reporter	 rp;
	bool		 timed;		/* a clock to watch: -t, --report */
	long long	 timeout_ns, last;	/* idle limit, last arrival */
	long long	 end_ns;	/* --duration, or -1 */
	unsigned	 tick;		/* datagrams since the clock was read */
	bool		 timed_out, ended;
	int64_t		 now_us;	/* wall clock at the last call */
};

/*
 * --seq: account the header of buf, received at now (wall clock, us);
 * its length, or 0 if it has none.
 */
static size_t
seq_of(struct rxrun *r, struct flow *f, const unsigned char *buf, size_t got,
    const struct sockaddr_storage *from, struct out_meta *m)
{
	uint64_t seq;
	int64_t sent, now = r->now_us;
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
	if (c_sendto(fd, buf, n, MSG_DONTWAIT, (const struct sockaddr *)from,
	    sock_len(from)) < 0) {
		st->echo_held++;
		return;
	}
	st->echoed++;
}

/*
 * One datagram: got bytes of it at buf (wire on the wire), from a sender,
 * to a multicast group or NULL, with a TTL (0: unknown).
 */
static void
on_datagram(const struct dgram_rx *rx, struct rxrun *r,
    const unsigned char *buf, size_t got, size_t wire,
    const struct sockaddr_storage *from, const char *group, int ttl)
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
	if (a->seq && (h = seq_of(r, f, buf, got, from, &m)) > 0)
		m.wire_len = wire;
	/* Only a whole datagram with a header is answered. */
	if (a->echo && h > 0 && wire == got)
		echo(rx, &r->st, f, buf, got, from);
	else if (a->echo)
		r->st.echo_held++;
	if (!a->quiet) {
		m.peer = out_wants_peer() ? peer : NULL;
		out_msg(&m, buf + h, got - h);
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
 * Whether the next datagram of a read is taken: 1, 0 once the count is
 * reached, -1 when the run ends (a signal, --duration).  In a flood, the
 * clock once every CLOCK_EVERY datagrams.
 */
static int
recv_turn(const struct dgram_rx *rx, struct rxrun *r)
{
	if (rx->o.count > 0 && r->st.messages >= (uint64_t)rx->o.count)
		return 0;
	if (sig_ending() || ((++r->tick & (CLOCK_EVERY - 1)) == 0 &&
	    !recv_clock(rx, r)))
		return -1;
	return 1;
}

/* Account the datagrams of the k reads made; false when the run ends. */
static bool
recv_reads(const struct dgram_rx *rx, struct rxrun *r, int k)
{
	size_t cap = (size_t)rx->o.bufsize;
	struct gro_iter it;
	struct gro_piece p;
	int turn;

	for (int i = 0; i < k; i++) {
		struct msghdr *h = &r->mm[i].msg_hdr;
		const struct sockaddr_storage *from = &r->sl[i].from;
		const unsigned char *buf = r->buf + (size_t)i * r->slot;
		size_t n = r->mm[i].msg_len;
		size_t seg = r->gro ? gro_segment(h) : 0;
		const char *group = NULL;
		int g, ttl = 0;

		if (rx->ngroups > 0) {
			if ((g = mcast_dest(h, rx->groups, rx->ngroups,
			    &ttl)) < 0)
				continue;	/* another receiver's group */
			group = r->gname[g];
		}
		if (seg == 0) {
			if ((turn = recv_turn(rx, r)) <= 0)
				return turn == 0;
			/* Without MSG_TRUNC's length, a full buffer was cut. */
			on_datagram(rx, r, buf, n < cap ? n : cap,
			    (h->msg_flags & MSG_TRUNC) && n <= cap ? cap + 1 :
			    n, from, group, ttl);
			continue;
		}
		/*
		 * A coalesced read: its datagrams one by one, each cut to
		 * -b as a read of -b bytes would have cut it.
		 */
		gro_start(&it, n < r->slot ? n : r->slot, seg, cap);
		while (gro_next(&it, &p)) {
			if ((turn = recv_turn(rx, r)) <= 0)
				return turn == 0;
			on_datagram(rx, r, buf + p.off, p.len, p.wire, from,
			    group, ttl);
		}
	}
	return true;
}

/* One call for the datagrams waiting: how many reads, or -1 with errno. */
static int
recv_call(const struct dgram_rx *rx, struct rxrun *r)
{
	int flags = MSG_DONTWAIT, k = r->nreads;
	ssize_t n;

#ifdef __linux__
	flags |= MSG_TRUNC;	/* return the length on the wire */
#endif
	/* Without GRO a read is a datagram: none read past the count. */
	if (!r->gro && rx->o.count > 0 &&
	    (uint64_t)rx->o.count - r->st.messages < (uint64_t)k)
		k = (int)((uint64_t)rx->o.count - r->st.messages);
	for (int i = 0; i < k; i++) {
		struct msghdr *h = &r->mm[i].msg_hdr;

		h->msg_namelen = sizeof(r->sl[i].from);
		h->msg_controllen = r->gro || rx->ngroups > 0 ?
		    sizeof(r->sl[i].cm.buf) : 0;
		h->msg_flags = 0;
	}
#ifdef __linux__
	if (k > 1)
		return c_recvmmsg(rx->fd, r->mm, (unsigned)k, flags);
#endif
	if ((n = c_recvmsg(rx->fd, &r->mm[0].msg_hdr, flags)) < 0)
		return -1;
	r->mm[0].msg_len = (unsigned)n;
	return 1;
}

/*
 * Wait for, receive and account the next datagrams; false when the run
 * ends (a signal, the idle limit: r->timed_out, --duration: r->ended).
 */
static bool
recv_next(const struct dgram_rx *rx, struct rxrun *r)
{
	for (;;) {
		long long idle = r->timeout_ns < 0 ? -1 :
		    r->last + r->timeout_ns;
		int k;

		if (sig_ending())
			return false;
		if ((k = recv_call(rx, r)) > 0) {
			/* What one call brought arrived at one time. */
			if (rx->o.seq)
				r->now_us = clock_wall_us();
			if (r->timeout_ns >= 0)
				r->last = clock_ns();
			return recv_reads(rx, r, k);
		}
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
	}
}

/*
 * How the datagrams are read: a call takes several (recvmmsg), each read
 * perhaps several coalesced (UDP GRO), unless --no-batch; -v says which.
 */
static void
rx_path(const struct dgram_rx *rx, struct rxrun *r)
{
	const struct dgram_opts *a = &rx->o;
	size_t cap = (size_t)a->bufsize;

	/* No datagram is longer than GRO_BUF: a larger buffer is not used. */
	r->slot = cap < GRO_BUF ? cap : GRO_BUF;
	r->nreads = 1;
#ifdef __linux__
	if (!a->no_batch) {
		r->gro = gro_enable(rx->fd);
		r->nreads = r->gro ? RX_READS_GRO : RX_READS;
		if (r->gro)
			r->slot = GRO_BUF;
	}
#endif
	if (!a->verbose)
		return;
	if (r->gro)
		nd_warnx("receiving with UDP GRO and recvmmsg, up to %d reads "
		    "a call", r->nreads);
	else if (r->nreads > 1)
		nd_warnx("receiving with recvmmsg, up to %d datagrams a call",
		    r->nreads);
	else
		nd_warnx("receiving one datagram a call%s", a->no_batch ?
		    " (--no-batch)" : "");
}

static struct rxrun *
rx_start(const struct dgram_rx *rx)
{
	const struct dgram_opts *a = &rx->o;
	struct rxrun *r = calloc(1, sizeof(*r));

	if (r == NULL || (r->flows = calloc(1, sizeof(*r->flows))) == NULL)
		nd_err(ND_EXIT_RUN, "allocate");
	rx_path(rx, r);
	if ((r->buf = malloc(r->slot * (size_t)r->nreads)) == NULL ||
	    (r->mm = calloc((size_t)r->nreads, sizeof(*r->mm))) == NULL ||
	    (r->sl = calloc((size_t)r->nreads, sizeof(*r->sl))) == NULL)
		nd_err(ND_EXIT_RUN, "allocate %zu bytes",
		    r->slot * (size_t)r->nreads);
	for (int i = 0; i < r->nreads; i++) {
		struct msghdr *h = &r->mm[i].msg_hdr;

		r->sl[i].iov.iov_base = r->buf + (size_t)i * r->slot;
		r->sl[i].iov.iov_len = r->slot;
		h->msg_name = &r->sl[i].from;
		h->msg_iov = &r->sl[i].iov;
		h->msg_iovlen = 1;
		h->msg_control = r->sl[i].cm.buf;
	}
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
	free(r->mm);
	free(r->sl);
	free(r);
	return status;
}
