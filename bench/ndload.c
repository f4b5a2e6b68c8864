/*
 * ndload.c: the benchmark load generator.  It drives a TCP echo server on
 * 127.0.0.1 and checks every byte that comes back against a deterministic
 * pseudo-random pattern, and it is the bare send()/recv() pair that the
 * datagram modes are measured against, with netdemo's --seq header.  Each
 * run prints one line of key=value pairs on standard output; a wrong byte,
 * a stall or a failed call exits 1 with a message on standard error.
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* netdemo's --seq header, from the same code (lib/seq.c). */
#include "seq.h"

#define PAT_LEN		1048573		/* prime: no shift lines up again */
#define CHUNK		(256 * 1024)	/* largest read or write */
#define HELLO_LEN	11
#define DGRAM_MAX	65507
#define SINK_RCVBUF	(8 << 20)	/* as netdemo's receivers ask */
#define SEQ_LIMIT	(1ULL << 32)	/* sequences udpsink can track */
#define START_WAIT	10.0		/* seconds udpsink waits for a first */

struct opts {
	long long	 port, n, conns, rounds, size, pid, count;
	double		 rate, idle, stall, dur, open;
	const char	*group, *iface;
};

static const char	 hello_msg[] = "Hello world";
static const char	*scenario = "ndload";
static unsigned char	*pat;		/* PAT_LEN + CHUNK bytes */

static void	fail(const char *, ...)
		    __attribute__((format(printf, 1, 2), noreturn));

static void
fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "ndload: %s: ", scenario);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	printf("scenario=%s ok=0\n", scenario);
	exit(1);
}

static void
fail_errno(const char *what)
{
	fail("%s: %s", what, strerror(errno));
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* The pattern repeats every PAT_LEN bytes; any CHUNK from off is flat. */
static void
pat_init(void)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL;

	if ((pat = malloc(PAT_LEN + CHUNK)) == NULL)
		fail_errno("malloc");
	for (size_t i = 0; i < PAT_LEN; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		pat[i] = (unsigned char)(x >> 32);
	}
	memcpy(pat + PAT_LEN, pat, CHUNK);
}

static const unsigned char *
pat_at(uint64_t off)
{
	return pat + off % PAT_LEN;
}

/* Fail naming the first byte of got[0, n) that differs from the pattern. */
static void
check(const unsigned char *got, size_t n, uint64_t off, const char *who)
{
	const unsigned char *want = pat_at(off);
	size_t i;

	if (memcmp(got, want, n) == 0)
		return;
	for (i = 0; i < n && got[i] == want[i]; i++)
		continue;
	fail("%s: byte %" PRIu64 " of the echo is 0x%02x, sent 0x%02x", who,
	    off + i, got[i], want[i]);
}

static int
poll_ms(double secs)
{
	return secs * 1000 > INT_MAX ? INT_MAX : (int)(secs * 1000);
}

/* poll(2) that retries EINTR; 0 means nothing happened for stall s. */
static int
xpoll(struct pollfd *p, nfds_t n, double stall)
{
	int r;

	while ((r = poll(p, n, poll_ms(stall))) < 0)
		if (errno != EINTR)
			fail_errno("poll");
	return r;
}

static struct sockaddr_in
loopback(long long port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
	    .sin_port = htons((unsigned short)port) };

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return sin;
}

/* Linux 4.2: bind(2) takes the address, connect(2) picks the port. */
#if defined(__linux__) && !defined(IP_BIND_ADDRESS_NO_PORT)
#define IP_BIND_ADDRESS_NO_PORT	24
#endif

/* Source address of the next connections (host order), 0: the kernel's. */
static uint32_t	 src_addr;

/* Start a non-blocking connection; -1 with errno when it cannot start. */
static int
tcp_start(long long port)
{
	struct sockaddr_in sin = loopback(port);
	int fd, one = 1;

	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return -1;
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 || setsockopt(fd, IPPROTO_TCP,
	    TCP_NODELAY, &one, sizeof(one)) < 0) {
		close(fd);
		return -1;
	}
	if (src_addr != 0) {
		struct sockaddr_in src = loopback(0);
		int e;

		src.sin_addr.s_addr = htonl(src_addr);
#ifdef IP_BIND_ADDRESS_NO_PORT
		(void)setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		    sizeof(one));
#endif
		if (bind(fd, (struct sockaddr *)&src, sizeof(src)) < 0) {
			e = errno;
			close(fd);
			errno = e;
			return -1;
		}
	}
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 &&
	    errno != EINPROGRESS && errno != EINTR) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* A connected non-blocking socket, or exit. */
static int
tcp_connect(long long port, double stall)
{
	struct pollfd p;
	socklen_t sl = sizeof(int);
	int fd, e = 0;

	if ((fd = tcp_start(port)) < 0)
		fail("connect 127.0.0.1:%lld: %s", port, strerror(errno));
	p.fd = fd;
	p.events = POLLOUT;
	if (xpoll(&p, 1, stall) == 0)
		fail("connect 127.0.0.1:%lld: no answer in %g s", port, stall);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) < 0)
		fail_errno("getsockopt SO_ERROR");
	if (e != 0)
		fail("connect 127.0.0.1:%lld: %s", port, strerror(e));
	return fd;
}

/* send() of what it will take now: bytes sent, 0 for EAGAIN, or exit. */
static size_t
xsend(int fd, const void *p, size_t n)
{
	for (;;) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w >= 0)
			return (size_t)w;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			fail_errno("send");
	}
}

/* recv(): bytes read, 0 for EAGAIN, or exit (also at the server's EOF). */
static size_t
xrecv(int fd, void *p, size_t n, const char *who)
{
	for (;;) {
		ssize_t r = recv(fd, p, n, 0);

		if (r > 0)
			return (size_t)r;
		if (r == 0)
			fail("%s: the server closed the connection", who);
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno != EINTR)
			fail("%s: recv: %s", who, strerror(errno));
	}
}

/* Let this process hold want descriptors, or exit. */
static void
want_fds(long long want)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		fail_errno("getrlimit");
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)want) {
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < (rlim_t)want)
			fail("%lld descriptors needed, hard limit %llu", want,
			    (unsigned long long)rl.rlim_max);
		rl.rlim_cur = (rlim_t)want;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			fail_errno("setrlimit");
	}
}

/* stream: one connection, N bytes written while the echo is read. */
static void
run_stream(const struct opts *o)
{
	unsigned char *buf = malloc(CHUNK);
	uint64_t n = (uint64_t)o->n, sent = 0, got = 0;
	struct pollfd p;
	long long t0;
	double secs;

	if (buf == NULL)
		fail_errno("malloc");
	p.fd = tcp_connect(o->port, o->stall);
	t0 = now_ns();
	while (got < n) {
		p.events = POLLIN | (sent < n ? POLLOUT : 0);
		if (xpoll(&p, 1, o->stall) == 0)
			fail("stalled for %g s: %" PRIu64 " bytes sent, %"
			    PRIu64 " echoed", o->stall, sent, got);
		if (sent < n && (p.revents & (POLLOUT | POLLERR)))
			sent += xsend(p.fd, pat_at(sent), n - sent < CHUNK ?
			    n - sent : CHUNK);
		if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
			size_t r = xrecv(p.fd, buf, CHUNK, "stream");

			if (got + r > sent)
				fail("%" PRIu64 " bytes echoed, only %" PRIu64
				    " sent", got + r, sent);
			check(buf, r, got, "stream");
			got += r;
		}
	}
	secs = (double)(now_ns() - t0) / 1e9;
	close(p.fd);
	free(buf);
	printf("scenario=stream bytes=%" PRIu64 " secs=%.4f rate=%.4g ok=1\n",
	    n, secs, (double)n / secs);
}

/*
 * Send msg[0, len) on fd and wait for the same bytes back; false if they
 * do not come back within stall seconds, differ, or the server closes.
 */
static bool
exchange(int fd, const unsigned char *msg, size_t len, double stall)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	unsigned char buf[64];
	size_t sent = 0, got = 0;
	ssize_t r;

	if (len > sizeof(buf))
		fail("exchange of %zu bytes: too long", len);
	while (got < len) {
		p.events = sent < len ? POLLOUT : POLLIN;
		if (xpoll(&p, 1, stall) == 0)
			return false;
		if (sent < len) {
			sent += xsend(fd, msg + sent, len - sent);
			continue;
		}
		r = recv(fd, buf + got, len - got, 0);
		if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN))
			return false;
		got += r > 0 ? (size_t)r : 0;
	}
	return memcmp(buf, msg, len) == 0;
}

/*
 * A connection that the server has taken: one byte echoed.  Waiting for
 * it before the next connect keeps a forking server's short listen
 * backlog (socat's is 5) from dropping SYNs, which costs 1 s each.
 */
static int
tcp_served(long long port, double stall, long i)
{
	int fd = tcp_connect(port, stall);

	if (!exchange(fd, pat_at((uint64_t)i), 1, stall)) {
		close(fd);
		return -1;
	}
	return fd;
}

struct pp {
	uint64_t	 off;		/* pattern offset of this round */
	long long	 t;		/* when this round was sent */
	long		 round;
	size_t		 sent, got;
};

static int
cmp_ll(const void *x, const void *y)
{
	long long a = *(const long long *)x, b = *(const long long *)y;

	return (a > b) - (a < b);
}

static void
pp_next(struct pp *c, long ci, long size)
{
	c->off = (uint64_t)ci * 7919 + (uint64_t)c->round * (uint64_t)size;
	c->sent = c->got = 0;
	c->t = now_ns();
}

/*
 * pingpong: C connections, R rounds of S bytes there and back each; the
 * clock starts once all C are connected and served.
 */
static void
run_pingpong(const struct opts *o)
{
	long nc = (long)o->conns, size = (long)o->size, done = 0;
	long long total = o->conns * o->rounds, nlat = 0, t0;
	struct pollfd *p = calloc((size_t)nc, sizeof(*p));
	struct pp *c = calloc((size_t)nc, sizeof(*c));
	long long *lat = malloc((size_t)total * sizeof(*lat));
	unsigned char *buf = malloc((size_t)size);
	double secs;

	if (p == NULL || c == NULL || lat == NULL || buf == NULL)
		fail_errno("malloc");
	want_fds(o->conns + 16);
	for (long i = 0; i < nc; i++) {
		if ((p[i].fd = tcp_served(o->port, o->stall, i)) < 0)
			fail("connection %ld of %ld not served", i + 1, nc);
		p[i].events = POLLOUT;
	}
	t0 = now_ns();
	for (long i = 0; i < nc; i++)
		pp_next(&c[i], i, size);
	while (done < nc) {
		if (xpoll(p, (nfds_t)nc, o->stall) == 0)
			fail("stalled for %g s: %ld of %ld connections done, "
			    "%lld exchanges", o->stall, done, nc, nlat);
		for (long i = 0; i < nc; i++) {
			struct pp *k = &c[i];
			short ev = p[i].revents;

			if (ev == 0 || p[i].fd < 0)
				continue;
			if (k->sent < (size_t)size && (ev & (POLLOUT |
			    POLLERR)))
				k->sent += xsend(p[i].fd, pat_at(k->off +
				    k->sent), (size_t)size - k->sent);
			if (ev & (POLLIN | POLLHUP | POLLERR)) {
				size_t r = xrecv(p[i].fd, buf, (size_t)size -
				    k->got, "pingpong");

				check(buf, r, k->off + k->got, "pingpong");
				k->got += r;
			}
			if (k->got == (size_t)size) {
				lat[nlat++] = now_ns() - k->t;
				if (++k->round == o->rounds) {
					done++;
					/* poll(2) skips negative fds. */
					p[i].fd = -1 - p[i].fd;
					continue;
				}
				pp_next(k, i, size);
				k->sent = xsend(p[i].fd, pat_at(k->off),
				    (size_t)size);
			}
			p[i].events = POLLIN | (k->sent < (size_t)size ?
			    POLLOUT : 0);
		}
	}
	secs = (double)(now_ns() - t0) / 1e9;
	for (long i = 0; i < nc; i++)
		close(-1 - p[i].fd);
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp_ll);
	printf("scenario=pingpong conns=%ld rounds=%lld size=%ld "
	    "exchanges=%lld secs=%.4f rate=%.4g p50_us=%.1f p99_us=%.1f "
	    "ok=1\n", nc, o->rounds, size, nlat, secs, (double)nlat / secs,
	    (double)lat[nlat / 2] / 1e3, (double)lat[nlat * 99 / 100] / 1e3);
	free(p);
	free(c);
	free(lat);
	free(buf);
}

/* connrate: N short connections, C at a time. */
struct cr {
	size_t		 sent, got;
	unsigned char	 buf[HELLO_LEN];
};

static void
cr_open(struct pollfd *p, struct cr *k, long long port)
{
	if ((p->fd = tcp_start(port)) < 0) {
		if (errno == EADDRNOTAVAIL)
			fail("connect: %s (local ports in TIME_WAIT?)",
			    strerror(errno));
		fail("connect 127.0.0.1:%lld: %s", port, strerror(errno));
	}
	/* On loopback the handshake is often done already: try at once. */
	k->got = 0;
	k->sent = xsend(p->fd, hello_msg, HELLO_LEN);
	p->events = k->sent < HELLO_LEN ? POLLOUT : POLLIN;
}

static void
run_connrate(const struct opts *o)
{
	long nc = (long)(o->conns < o->n ? o->conns : o->n);
	struct pollfd *p = calloc((size_t)nc, sizeof(*p));
	struct cr *c = calloc((size_t)nc, sizeof(*c));
	long long started = 0, done = 0, t0;
	double secs;

	if (p == NULL || c == NULL)
		fail_errno("malloc");
	want_fds(nc + 16);
	t0 = now_ns();
	for (long i = 0; i < nc; i++, started++)
		cr_open(&p[i], &c[i], o->port);
	while (done < o->n) {
		if (xpoll(p, (nfds_t)nc, o->stall) == 0)
			fail("stalled for %g s: %lld of %lld connections done",
			    o->stall, done, o->n);
		for (long i = 0; i < nc; i++) {
			struct cr *k = &c[i];
			short ev = p[i].revents;

			if (ev == 0 || p[i].fd < 0)
				continue;
			if (k->sent < HELLO_LEN) {
				k->sent += xsend(p[i].fd, &hello_msg[k->sent],
				    HELLO_LEN - k->sent);
				if (k->sent == HELLO_LEN)
					p[i].events = POLLIN;
				continue;
			}
			k->got += xrecv(p[i].fd, k->buf + k->got, HELLO_LEN -
			    k->got, "connrate");
			if (k->got < HELLO_LEN)
				continue;
			if (memcmp(k->buf, hello_msg, HELLO_LEN) != 0)
				fail("echo of connection %lld is \"%.11s\"",
				    done, (const char *)k->buf);
			if (close(p[i].fd) < 0)
				fail_errno("close");
			p[i].fd = -1;
			done++;
			if (started < o->n) {
				cr_open(&p[i], k, o->port);
				started++;
			}
		}
	}
	secs = (double)(now_ns() - t0) / 1e9;
	printf("scenario=connrate conns=%lld concurrency=%ld secs=%.4f "
	    "rate=%.4g ok=1\n", o->n, nc, secs, (double)o->n / secs);
	free(p);
	free(c);
}

/* The parent of pid from /proc/PID/stat, or -1. */
static long
ppid_of(long pid)
{
	char path[64], line[1024], *rp;
	long pp = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* The name may hold spaces and parentheses: skip to the last ')'. */
	if (fgets(line, sizeof(line), f) != NULL &&
	    (rp = strrchr(line, ')')) != NULL)
		(void)sscanf(rp + 1, " %*c %ld", &pp);
	fclose(f);
	return pp;
}

/* "Key:  N kB" from a /proc file, or -1. */
static long long
proc_kib(long pid, const char *file, const char *key)
{
	char path[64], line[256];
	size_t kl = strlen(key);
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/%s", pid, file);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, kl) == 0 && line[kl] == ':') {
			v = strtoll(line + kl + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

static long long
mem_kib(long pid)
{
	long long v = proc_kib(pid, "smaps_rollup", "Pss");

	return v >= 0 ? v : proc_kib(pid, "status", "VmRSS");
}

/*
 * The memory of pid and of every process below it (a forking server's
 * children), in KiB; their number into *nproc.
 */
static long long
tree_kib(long root, long *nproc)
{
	long *set = malloc(sizeof(*set)), n = 1, cap = 1;
	long long sum = 0;
	struct dirent *d;
	bool grew = true;
	DIR *dp;

	if (set == NULL)
		fail_errno("malloc");
	set[0] = root;
	/* A few passes, so grandchildren are found whatever the order. */
	for (int pass = 0; grew && pass < 8; pass++) {
		if ((dp = opendir("/proc")) == NULL)
			fail_errno("opendir /proc");
		grew = false;
		while ((d = readdir(dp)) != NULL) {
			long pid, pp;
			bool known = false, parent = false;

			if (!isdigit((unsigned char)d->d_name[0]))
				continue;
			pid = strtol(d->d_name, NULL, 10);
			pp = ppid_of(pid);
			for (long i = 0; i < n; i++) {
				known |= set[i] == pid;
				parent |= set[i] == pp;
			}
			if (known || !parent)
				continue;
			if (n == cap && (set = realloc(set, (size_t)(cap *= 2) *
			    sizeof(*set))) == NULL)
				fail_errno("realloc");
			set[n++] = pid;
			grew = true;
		}
		closedir(dp);
	}
	for (long i = 0; i < n; i++) {
		long long v = mem_kib(set[i]);

		sum += v > 0 ? v : 0;
	}
	free(set);
	*nproc = n;
	return sum;
}

/*
 * hold: N idle connections, each echoed once as it is opened, then one
 * more must be echoed; the server's memory then, and whether the N are
 * all still served.
 */
static void
run_hold(const struct opts *o)
{
	long n = (long)o->n, held = 0, served = 0, closed = 0, nproc;
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	long long kib;
	bool extra;
	int fd;

	if (p == NULL)
		fail_errno("malloc");
	if (kill((pid_t)o->pid, 0) < 0)
		fail("server pid %lld: %s", o->pid, strerror(errno));
	want_fds(o->n + 32);
	for (; held < n; held++) {
		if ((p[held].fd = tcp_served(o->port, o->stall, held)) < 0)
			break;
		p[held].events = POLLIN;
	}
	if (held < n)
		fprintf(stderr, "ndload: hold: connection %ld not served\n",
		    held + 1);
	fd = tcp_connect(o->port, o->stall);
	extra = exchange(fd, (const unsigned char *)hello_msg, HELLO_LEN,
	    o->stall);
	close(fd);
	/* Idle now: what the server keeps for clients that send nothing. */
	kib = tree_kib((long)o->pid, &nproc);
	/* One more byte each way on every held connection. */
	for (long i = 0; i < held; i++)
		if (xsend(p[i].fd, pat_at((uint64_t)i + 1), 1) != 1)
			fail("send on held connection %ld: would block", i);
	while (closed < held) {
		if (xpoll(p, (nfds_t)held, o->stall) == 0)
			break;
		for (long i = 0; i < held; i++) {
			unsigned char b;
			ssize_t r;

			if (p[i].revents == 0 || p[i].fd < 0)
				continue;
			r = recv(p[i].fd, &b, 1, 0);
			if (r < 0 && (errno == EINTR || errno == EAGAIN))
				continue;
			/* Closed or reset by the server: not served. */
			if (r == 1)
				check(&b, 1, (uint64_t)i + 1, "hold");
			close(p[i].fd);
			p[i].fd = -1;
			served += r == 1;
			closed++;
		}
	}
	for (long i = 0; i < held; i++)
		if (p[i].fd >= 0)
			close(p[i].fd);
	free(p);
	printf("scenario=hold conns=%ld extra=%d served=%ld mem_kib=%lld "
	    "procs=%ld ok=%d\n", n, extra, served, kib, nproc,
	    extra && served == n);
	if (!extra || served != n)
		exit(1);
}

/*
 * scale: IDLE connections held open while CONNS others ping-pong SIZE
 * bytes for DURATION seconds.  In order:
 *
 *  1. the CONNS ping-pong connections are opened, one byte echoed each
 *     (first, so that a select(2) server at its FD_SETSIZE limit turns
 *     away idle clients, not these); the server's PSS then is the base;
 *  2. the IDLE connections are opened, SCALE_WINDOW at a time; each sends
 *     one byte and counts as served when that byte comes back (accepted
 *     and echoed, not just queued in the listen backlog); opening stops
 *     at -w seconds or when nothing moved for -t seconds; open_s is the
 *     time to the last echo; the server's PSS is read again.  They come
 *     from 127.0.0.1, .2, ... SCALE_PER_ADDR each: connect(2) tries even
 *     local ports first, and once those to one server run out (~14,000
 *     of the default 28,232) every connect scans them all, which took
 *     10 s of the client's system time for 18,000 from one address;
 *  3. the ping-pong runs for -d seconds, the server's utime+stime (from
 *     /proc/PID/stat) read at its start and end;
 *  4. one more byte there and back on every idle connection: served is
 *     how many are still echoed.
 *
 * ok=1 when the measurement ran; all=1 when every idle client was served.
 */
#define SCALE_WINDOW	64	/* idle connections being opened at once */
#define SCALE_PER_ADDR	4096	/* idle connections per source address */

struct sc_open {
	long		 i;		/* which idle connection */
	bool		 sent;		/* its byte is out */
};

/* The server's user+system CPU time in clock ticks, or -1. */
static long long
cpu_ticks(long pid)
{
	char path[64], line[1024], *rp;
	unsigned long long ut = 0, st = 0;
	long long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* Fields 14 and 15, counted after the name's last ')'. */
	if (fgets(line, sizeof(line), f) != NULL &&
	    (rp = strrchr(line, ')')) != NULL && sscanf(rp + 1,
	    " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
	    &ut, &st) == 2)
		v = (long long)(ut + st);
	fclose(f);
	return v;
}

/* send() of one byte without failing the run: 1, 0 (EAGAIN) or -1. */
static int
send1(int fd, unsigned char b)
{
	ssize_t w;

	while ((w = send(fd, &b, 1, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		continue;
	if (w == 1)
		return 1;
	return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -1;
}

/* recv() of one byte: 1, 0 (EAGAIN) or -1 (closed, reset, failed). */
static int
recv1(int fd, unsigned char *b)
{
	ssize_t r;

	while ((r = recv(fd, b, 1, 0)) < 0 && errno == EINTR)
		continue;
	if (r == 1)
		return 1;
	return r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) ? 0 : -1;
}

/* Start idle connection i in slot p/k. */
static void
sc_start(struct pollfd *p, struct sc_open *k, long i, long long port)
{
	int r;

	src_addr = (uint32_t)(INADDR_LOOPBACK + i / SCALE_PER_ADDR);
	if ((p->fd = tcp_start(port)) < 0) {
		if (errno == EADDRNOTAVAIL)
			fail("connection %ld: %s (out of local ports: see "
			    "net.ipv4.ip_local_port_range)", i + 1,
			    strerror(errno));
		fail("connection %ld: connect 127.0.0.1:%lld: %s", i + 1, port,
		    strerror(errno));
	}
	k->i = i;
	/* On loopback the handshake is often done already: try at once. */
	r = send1(p->fd, *pat_at((uint64_t)i));
	k->sent = r == 1;
	p->events = k->sent ? POLLIN : POLLOUT;
}

/*
 * Open n idle connections into fds[]; the number served (echoed) is the
 * return value, the ones closed or reset by the server go to *refused.
 */
static long
sc_open_idle(const struct opts *o, int *fds, long n, long *refused,
    bool *stalled, double *secs)
{
	struct pollfd p[SCALE_WINDOW];
	struct sc_open k[SCALE_WINDOW];
	long next = 0, held = 0, live = 0;
	long long t0 = now_ns(), deadline = t0 + (long long)(o->open * 1e9);
	long long last = t0, tdone = t0;

	*refused = 0;
	*stalled = false;
	for (; live < SCALE_WINDOW && next < n; live++, next++)
		sc_start(&p[live], &k[live], next, o->port);
	while (live > 0) {
		long long now = now_ns();
		double left = (double)(deadline - now) / 1e9;
		int r;

		if (left <= 0)
			break;
		if ((double)(now - last) / 1e9 >= o->stall) {
			*stalled = true;
			break;
		}
		r = xpoll(p, (nfds_t)live, left < o->stall ? left : o->stall);
		if (r == 0)
			continue;
		for (long j = 0; j < live; j++) {
			unsigned char b;
			int v;

			if (p[j].revents == 0)
				continue;
			if (!k[j].sent) {
				if ((v = send1(p[j].fd, *pat_at((uint64_t)
				    k[j].i))) == 0)
					continue;
				if (v == 1) {
					k[j].sent = true;
					p[j].events = POLLIN;
					continue;
				}
			} else if ((v = recv1(p[j].fd, &b)) == 0)
				continue;
			last = now_ns();
			if (v == 1) {
				check(&b, 1, (uint64_t)k[j].i, "scale open");
				fds[held++] = p[j].fd;
				tdone = last;
			} else {
				close(p[j].fd);
				(*refused)++;
			}
			if (next < n) {
				sc_start(&p[j], &k[j], next++, o->port);
				continue;
			}
			/* Fill the hole with the last slot; look at it next. */
			live--;
			p[j] = p[live];
			k[j] = k[live];
			j--;
		}
	}
	/* Given up: what is still being opened is not served. */
	for (long j = 0; j < live; j++)
		close(p[j].fd);
	src_addr = 0;
	*secs = (double)(tdone - t0) / 1e9;
	return held;
}

/* One more byte there and back on each of fds[0, n): how many answer. */
static long
sc_recheck(const struct opts *o, const int *fds, long n)
{
	struct pollfd *p = calloc((size_t)n, sizeof(*p));
	long served = 0, closed = 0;

	if (p == NULL)
		fail_errno("malloc");
	for (long i = 0; i < n; i++) {
		p[i].fd = fds[i];
		p[i].events = POLLIN;
		/* 1 byte into an empty send buffer: it goes, or it is dead. */
		if (send1(fds[i], *pat_at((uint64_t)i + 1)) != 1) {
			p[i].fd = -1;
			closed++;
		}
	}
	while (closed < n && xpoll(p, (nfds_t)n, o->stall) > 0) {
		for (long i = 0; i < n; i++) {
			unsigned char b;
			int v;

			if (p[i].fd < 0 || p[i].revents == 0 ||
			    (v = recv1(p[i].fd, &b)) == 0)
				continue;
			if (v == 1) {
				check(&b, 1, (uint64_t)i + 1, "scale recheck");
				served++;
			}
			p[i].fd = -1;
			closed++;
		}
	}
	free(p);
	return served;
}

/* Ping-pong on p[0, nc) for o->dur seconds; latencies into *lat. */
static long long
sc_pingpong(const struct opts *o, struct pollfd *p, long nc,
    long long **latp, double *secs)
{
	long size = (long)o->size;
	struct pp *c = calloc((size_t)nc, sizeof(*c));
	unsigned char *buf = malloc((size_t)size);
	long long nlat = 0, cap = 1 << 16, t0, end, last;
	long long *lat = malloc((size_t)cap * sizeof(*lat));

	if (c == NULL || buf == NULL || lat == NULL)
		fail_errno("malloc");
	t0 = last = now_ns();
	end = t0 + (long long)(o->dur * 1e9);
	for (long i = 0; i < nc; i++) {
		pp_next(&c[i], i, size);
		c[i].sent = xsend(p[i].fd, pat_at(c[i].off), (size_t)size);
		p[i].events = POLLIN | (c[i].sent < (size_t)size ? POLLOUT : 0);
	}
	for (;;) {
		long long now = now_ns();
		double left = (double)(end - now) / 1e9;

		if (left <= 0)
			break;
		if ((double)(now - last) / 1e9 >= o->stall)
			fail("ping-pong stalled for %g s after %lld exchanges",
			    o->stall, nlat);
		/* 1 ms at least: poll's 0 would spin to the end. */
		if (xpoll(p, (nfds_t)nc, left < o->stall ? (left < 0.001 ?
		    0.001 : left) : o->stall) == 0)
			continue;
		for (long i = 0; i < nc; i++) {
			struct pp *k = &c[i];
			short ev = p[i].revents;

			if (ev == 0)
				continue;
			if (k->sent < (size_t)size && (ev & (POLLOUT | POLLERR)))
				k->sent += xsend(p[i].fd, pat_at(k->off +
				    k->sent), (size_t)size - k->sent);
			if (ev & (POLLIN | POLLHUP | POLLERR)) {
				size_t r = xrecv(p[i].fd, buf, (size_t)size -
				    k->got, "scale ping-pong");

				check(buf, r, k->off + k->got, "scale ping-pong");
				k->got += r;
			}
			if (k->got == (size_t)size) {
				last = now_ns();
				if (last > end)
					break;
				if (nlat == cap && (lat = realloc(lat,
				    (size_t)(cap *= 2) * sizeof(*lat))) == NULL)
					fail_errno("realloc");
				lat[nlat++] = last - k->t;
				k->round++;
				pp_next(k, i, size);
				k->sent = xsend(p[i].fd, pat_at(k->off),
				    (size_t)size);
			}
			p[i].events = POLLIN | (k->sent < (size_t)size ?
			    POLLOUT : 0);
		}
	}
	*secs = (double)(now_ns() - t0) / 1e9;
	free(c);
	free(buf);
	*latp = lat;
	return nlat;
}

static void
run_scale(const struct opts *o)
{
	long n = (long)o->n, nc = (long)o->conns, held, refused, served, nproc;
	struct pollfd *p = calloc((size_t)nc, sizeof(*p));
	int *fds = malloc((size_t)n * sizeof(*fds));
	long long kib0, kib, cpu0, cpu1, nlat, *lat = NULL;
	double open_s, secs, tick_us = 1e6 / (double)sysconf(_SC_CLK_TCK);
	double cpu_us, per_exch;
	bool stalled;

	if (p == NULL || fds == NULL)
		fail_errno("malloc");
	if (kill((pid_t)o->pid, 0) < 0)
		fail("server pid %lld: %s", o->pid, strerror(errno));
	want_fds(o->n + o->conns + 32);
	for (long i = 0; i < nc; i++)
		if ((p[i].fd = tcp_served(o->port, o->stall, i)) < 0)
			fail("ping-pong connection %ld of %ld not served",
			    i + 1, nc);
	kib0 = tree_kib((long)o->pid, &nproc);
	held = sc_open_idle(o, fds, n, &refused, &stalled, &open_s);
	if (held < n)
		fprintf(stderr, "ndload: scale: %ld of %ld idle connections "
		    "served (%ld turned away) when opening %s after %.1f s\n",
		    held, n, refused, stalled ? "stalled" : "stopped",
		    open_s);
	kib = tree_kib((long)o->pid, &nproc);
	cpu0 = cpu_ticks((long)o->pid);
	nlat = sc_pingpong(o, p, nc, &lat, &secs);
	cpu1 = cpu_ticks((long)o->pid);
	served = sc_recheck(o, fds, held);
	if (nlat == 0)
		fail("no exchange in %g s", secs);
	qsort(lat, (size_t)nlat, sizeof(*lat), cmp_ll);
	cpu_us = cpu0 >= 0 && cpu1 >= 0 ? (double)(cpu1 - cpu0) * tick_us : -1;
	per_exch = cpu_us >= 0 ? cpu_us / (double)nlat : -1;
	printf("scenario=scale idle=%ld conns=%ld size=%lld open_s=%.3f "
	    "opened=%ld refused=%ld open_stalled=%d served=%ld all=%d "
	    "exchanges=%lld secs=%.3f rate=%.4g p50_us=%.1f p99_us=%.1f "
	    "cpu_ticks=%lld cpu_us_per_exch=%.3f cpu_pct=%.0f pss0_kib=%lld "
	    "pss_kib=%lld pss_b_per_idle=%.0f procs=%ld ok=1\n", n, nc,
	    o->size, open_s,
	    held, refused, stalled, served, served == n, nlat, secs,
	    (double)nlat / secs, (double)lat[nlat / 2] / 1e3,
	    (double)lat[nlat * 99 / 100] / 1e3, cpu0 >= 0 && cpu1 >= 0 ?
	    cpu1 - cpu0 : -1, per_exch, cpu_us >= 0 ? cpu_us / secs / 1e4 :
	    -1.0, kib0, kib,
	    held > 0 ? (double)(kib - kib0) * 1024 / (double)held : 0.0,
	    nproc);
	for (long i = 0; i < nc; i++)
		close(p[i].fd);
	for (long i = 0; i < held; i++)
		close(fds[i]);
	free(p);
	free(fds);
	free(lat);
}

/*
 * The sink's own check of what arrived, beside the shared header parser:
 * the payload is dots (udpblast), or netdemo's "Hello world : SEQ" and
 * then dots (udp-send --seq -s SIZE).
 */
static bool
payload_ok(const unsigned char *p, size_t n, uint64_t seq)
{
	char want[48];
	int k = snprintf(want, sizeof(want), "Hello world : %" PRIu64, seq);
	size_t i = 0;

	if (k > 0 && n >= (size_t)k && memcmp(p, want, (size_t)k) == 0)
		i = (size_t)k;
	for (; i < n; i++)
		if (p[i] != '.')
			return false;
	return true;
}

static struct in_addr
inet_or_fail(const char *s, const char *what)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		fail("%s %s: not an IPv4 address", what, s);
	return a;
}

/* A UDP socket; for a group, its interface, TTL 1 and loopback on. */
static int
udp_socket(const struct opts *o)
{
	int fd;

	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
		fail_errno("socket");
	if (o->group != NULL) {
		struct in_addr ifa = inet_or_fail(o->iface, "-I");
		unsigned char ttl = 1, loop = 1;

		if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &ifa,
		    sizeof(ifa)) < 0 || setsockopt(fd, IPPROTO_IP,
		    IP_MULTICAST_TTL, &ttl, sizeof(ttl)) < 0 ||
		    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &loop,
		    sizeof(loop)) < 0)
			fail_errno("setsockopt IP_MULTICAST_*");
	}
	return fd;
}

static void
sleep_until(long long deadline)
{
	struct timespec ts = { (time_t)(deadline / 1000000000LL),
	    (long)(deadline % 1000000000LL) };
	int e;

	while ((e = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
	    NULL)) != 0)
		if (e != EINTR) {
			errno = e;
			fail_errno("clock_nanosleep");
		}
}

/*
 * udpblast: COUNT datagrams of SIZE bytes with the --seq header, as fast
 * as send() goes or paced at RATE per second by absolute deadlines.
 */
static void
run_udpblast(const struct opts *o)
{
	struct sockaddr_in sin = loopback(o->port);
	unsigned char *buf = malloc((size_t)o->size);
	double per = o->rate > 0 ? 1e9 / o->rate : 0;	/* ns apart */
	long long t0;
	uint64_t refused = 0, i;
	double secs;
	int fd = udp_socket(o);

	if (buf == NULL)
		fail_errno("malloc");
	memset(buf, '.', (size_t)o->size);
	if (o->group != NULL)
		sin.sin_addr = inet_or_fail(o->group, "-g");
	/* Connected: a refused port shows up as ECONNREFUSED, counted. */
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail_errno("connect");
	t0 = now_ns();
	for (i = 0; i < (uint64_t)o->count; i++) {
		long long due = t0 + (long long)((double)i * per);

		/* Absolute deadlines: a late wake-up is caught up at once. */
		if (per > 0 && now_ns() < due)
			sleep_until(due);
		seq_header((char *)buf, i, wall_us());
		while (send(fd, buf, (size_t)o->size, 0) < 0) {
			if (errno == ECONNREFUSED)
				refused++;
			else if (errno == ENOBUFS || errno == EAGAIN)
				sleep_until(now_ns() + 50000);
			else if (errno != EINTR)
				fail_errno("send");
		}
	}
	secs = (double)(now_ns() - t0) / 1e9;
	close(fd);
	free(buf);
	printf("scenario=udpblast size=%lld sent=%lld secs=%.4f rate=%.4g "
	    "refused=%" PRIu64 " ok=1\n", o->size, o->count, secs,
	    (double)o->count / secs, refused);
}

struct sink {
	uint64_t	*seen;		/* bitmap of sequences */
	uint64_t	 nwords;
	uint64_t	 first, highest, unique, dup, reord, bad, total;
	long long	 t_first, t_last;
};

/* Account seq like netdemo's --seq receivers (SPEC.md, Summary). */
static void
sink_account(struct sink *k, uint64_t seq)
{
	uint64_t w = seq / 64, bit = 1ULL << (seq % 64);

	if (seq >= SEQ_LIMIT) {
		k->bad++;
		return;
	}
	if (w >= k->nwords) {
		uint64_t nw = k->nwords ? k->nwords : 1024;

		while (nw <= w)
			nw *= 2;
		if ((k->seen = realloc(k->seen, nw * sizeof(*k->seen))) ==
		    NULL)
			fail_errno("realloc");
		memset(k->seen + k->nwords, 0, (nw - k->nwords) *
		    sizeof(*k->seen));
		k->nwords = nw;
	}
	if (k->seen[w] & bit) {
		k->dup++;
		return;
	}
	k->seen[w] |= bit;
	if (k->unique++ == 0)
		k->first = k->highest = seq;
	else if (seq > k->highest)
		k->highest = seq;
	else {
		k->reord++;
		if (seq < k->first)
			k->first = seq;
	}
}

static int
sink_socket(const struct opts *o)
{
	struct sockaddr_in sin = loopback(o->port);
	socklen_t sl = sizeof(sin);
	int fd = udp_socket(o), one = 1, sz = SINK_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0)
		fail_errno("setsockopt SO_REUSEADDR");
#ifdef SO_RCVBUFFORCE
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
#endif
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (o->group != NULL) {
		struct ip_mreq mr;

		/* Bound to the group: only what was sent to it arrives. */
		sin.sin_addr = inet_or_fail(o->group, "-g");
		mr.imr_multiaddr = sin.sin_addr;
		mr.imr_interface = inet_or_fail(o->iface, "-I");
		if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr,
		    sizeof(mr)) < 0)
			fail_errno("join");
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		fail_errno("bind");
	if (getsockname(fd, (struct sockaddr *)&sin, &sl) < 0)
		fail_errno("getsockname");
	fprintf(stderr, "ndload: udpsink: listening on %s:%u\n",
	    o->group ? o->group : "127.0.0.1", ntohs(sin.sin_port));
	return fd;
}

/*
 * udpsink: count until -n distinct sequences arrived or -d seconds pass
 * without a datagram (at least START_WAIT before the first one).
 */
static void
run_udpsink(const struct opts *o)
{
	struct sink k = { 0 };
	unsigned char *buf = malloc(DGRAM_MAX + 1);
	struct pollfd p = { sink_socket(o), POLLIN, 0 };
	uint64_t want = o->n > 0 ? (uint64_t)o->n : UINT64_MAX;
	double secs;

	if (buf == NULL)
		fail_errno("malloc");
	while (k.unique < want && xpoll(&p, 1, k.total == 0 &&
	    o->idle < START_WAIT ? START_WAIT : o->idle) > 0) {
		while (k.unique < want) {
			ssize_t r = recv(p.fd, buf, DGRAM_MAX + 1,
			    MSG_DONTWAIT);
			uint64_t seq;
			int64_t sent;

			if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			if (r < 0 && (errno == EINTR || errno == ECONNREFUSED))
				continue;
			if (r < 0)
				fail_errno("recv");
			k.t_last = now_ns();
			if (k.total++ == 0)
				k.t_first = k.t_last;
			if (seq_parse(buf, (size_t)r, &seq, &sent) == SEQ_HDR_LEN &&
			    payload_ok(buf + SEQ_HDR_LEN, (size_t)r - SEQ_HDR_LEN,
			    seq))
				sink_account(&k, seq);
			else
				k.bad++;
		}
	}
	close(p.fd);
	secs = (double)(k.t_last - k.t_first) / 1e9;
	printf("scenario=udpsink received=%" PRIu64 " lost=%" PRIu64 " dup=%"
	    PRIu64 " reordered=%" PRIu64 " bad=%" PRIu64 " secs=%.4f "
	    "rate=%.4g ok=%d\n", k.unique, k.unique ? k.highest - k.first +
	    1 - k.unique : 0, k.dup, k.reord, k.bad, secs, secs > 0 ?
	    (double)k.unique / secs : 0.0, k.unique > 0);
	free(k.seen);
	free(buf);
	if (k.unique == 0)
		exit(1);
}

static void
usage(void)
{
	fprintf(stderr,
	    "usage: ndload stream   -p PORT -n BYTES\n"
	    "       ndload pingpong -p PORT -c CONNS -r ROUNDS -s SIZE\n"
	    "       ndload connrate -p PORT -n N -c CONC\n"
	    "       ndload hold     -p PORT -n N -P SERVERPID\n"
	    "       ndload scale    -p PORT -n IDLE -c CONNS -s SIZE "
	    "-d SECONDS -P SERVERPID [-w OPENSECS]\n"
	    "       ndload udpsink  -p PORT [-g GROUP -I IFADDR] -d SECONDS "
	    "[-n COUNT]\n"
	    "       ndload udpblast -p PORT [-g GROUP -I IFADDR] -s SIZE "
	    "-n COUNT [-r RATE]\n"
	    "TCP scenarios: -t SECONDS gives up when nothing moves "
	    "(default 10)\n"
	    "scale: -d SECONDS of ping-pong; opening the idle connections "
	    "stops after -w\nSECONDS (default 60)\n");
	exit(2);
}

static long long
num(const char *s, long long lo, long long hi)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
		fprintf(stderr, "ndload: %s: not a number in %lld-%lld\n", s,
		    lo, hi);
		usage();
	}
	return v;
}

static double
fnum(const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v > 0 && v < 1e9)) {
		fprintf(stderr, "ndload: %s: not a positive number\n", s);
		usage();
	}
	return v;
}

int
main(int argc, char **argv)
{
	struct opts o = { .port = -1, .n = -1, .conns = -1, .rounds = -1,
	    .size = -1, .pid = -1, .idle = -1, .stall = 10, .open = 60,
	    .iface = "127.0.0.1" };
	const char *cmd;
	int ch;

	if (argc < 2)
		usage();
	scenario = cmd = argv[1];
	optind = 2;
	while ((ch = getopt(argc, argv, "p:n:c:r:s:P:g:I:d:t:w:")) != -1) {
		switch (ch) {
		case 'p':
			o.port = num(optarg, 0, 65535);
			break;
		case 'n':
			o.n = num(optarg, 1, LLONG_MAX / 2);
			break;
		case 'c':
			o.conns = num(optarg, 1, 1000000);
			break;
		case 'r':
			/* rounds for pingpong, datagrams/s for udpblast */
			o.rate = fnum(optarg);
			o.rounds = (long long)o.rate;
			break;
		case 's':
			o.size = num(optarg, 1, DGRAM_MAX);
			break;
		case 'P':
			o.pid = num(optarg, 1, INT_MAX);
			break;
		case 'g':
			o.group = optarg;
			break;
		case 'I':
			o.iface = optarg;
			break;
		case 'd':
			/* idle time for udpsink, ping-pong time for scale */
			o.idle = o.dur = fnum(optarg);
			break;
		case 't':
			o.stall = fnum(optarg);
			break;
		case 'w':
			o.open = fnum(optarg);
			break;
		default:
			usage();
		}
	}
	/* Only udpsink binds; the others need a real port to reach. */
	if (optind != argc || o.port < 0 || (o.port == 0 &&
	    strcmp(cmd, "udpsink") != 0))
		usage();
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "stream") == 0 && o.n > 0) {
		pat_init();
		run_stream(&o);
	} else if (strcmp(cmd, "pingpong") == 0 && o.conns > 0 &&
	    o.rounds > 0 && o.size > 0 && o.size <= CHUNK) {
		pat_init();
		run_pingpong(&o);
	} else if (strcmp(cmd, "connrate") == 0 && o.n > 0 && o.conns > 0)
		run_connrate(&o);
	else if (strcmp(cmd, "hold") == 0 && o.n > 0 && o.pid > 0) {
		pat_init();
		run_hold(&o);
	} else if (strcmp(cmd, "scale") == 0 && o.n > 0 && o.conns > 0 &&
	    o.size > 0 && o.size <= CHUNK && o.dur > 0 && o.pid > 0) {
		pat_init();
		run_scale(&o);
	} else if (strcmp(cmd, "udpsink") == 0 && o.idle > 0)
		run_udpsink(&o);
	else if (strcmp(cmd, "udpblast") == 0 && o.size >= SEQ_HDR_LEN &&
	    o.n > 0) {
		o.count = o.n;
		if (o.rounds < 0)
			o.rate = 0;
		run_udpblast(&o);
	} else
		usage();
	return 0;
}
