/*
 * loop.c: an fd-indexed event loop (after redis' ae and mcjoin's pev) with
 * a select(2), a poll(2) and, on Linux, an epoll(7) backend.  Deletion
 * inside a callback is safe: poll slots are marked dead and compacted
 * after the pass; select and epoll check the slot at dispatch.  select
 * and poll cost O(watched fds) per wakeup, epoll O(ready fds).
 */
#include <sys/select.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "loop.h"
#include "sig.h"

struct slot {
	loop_fn		*fn;		/* NULL: fd not watched */
	void		*arg;
	unsigned	 ev;
	int		 pidx;		/* index in pfd[] (poll) */
	bool		 late;		/* dispatched after the others */
	bool		 in_ep;		/* registered with epoll */
};

struct timer {
	loop_timer_fn	*fn;		/* NULL: a free slot */
	void		*arg;
	long long	 at_ms;
};

struct loop {
	enum loop_backend backend;
	struct slot	*slots;		/* indexed by fd */
	int		 nslots;
	struct pollfd	*pfd;		/* poll: the watched fds */
	int		 npfd, cappfd, dead;
	fd_set		 rset, wset;	/* select: the watched fds */
	int		 maxfd;
	int		 epfd;		/* epoll, or -1 */
	struct timer	*timers;	/* unsorted: there are a few */
	int		 ntimers;
	void		(*prewait)(void);
	bool		 stopped;
	int		 status;
};

static void
on_signal(struct loop *l, int fd, unsigned revents, void *arg)
{
	char buf[16];

	(void)fd;
	(void)revents;
	(void)arg;
	while (read(sig_fd(), buf, sizeof(buf)) > 0)
		;
	loop_stop(l, ND_EXIT_OK);
}

struct loop *
loop_new(enum loop_backend backend)
{
	struct loop *l;

	if (backend == LOOP_SELECT && sig_fd() >= FD_SETSIZE)
		nd_errx(ND_EXIT_RUN, "--select: fd %d is past FD_SETSIZE %d; "
		    "use --poll", sig_fd(), FD_SETSIZE);
	if ((l = calloc(1, sizeof(*l))) == NULL)
		nd_err(ND_EXIT_RUN, "allocate event loop");
	l->backend = backend;
	l->maxfd = -1;
	l->epfd = -1;
#ifdef __linux__
	if (backend == LOOP_EPOLL &&
	    (l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
		nd_err(ND_EXIT_RUN, "epoll_create1");
#endif
	FD_ZERO(&l->rset);
	FD_ZERO(&l->wset);
	if (loop_add(l, sig_fd(), LOOP_IN, on_signal, NULL) < 0)
		nd_err(ND_EXIT_RUN, "event loop");
	return l;
}

void
loop_free(struct loop *l)
{
	if (l == NULL)
		return;
	if (l->epfd >= 0)
		close(l->epfd);
	free(l->slots);
	free(l->pfd);
	free(l->timers);
	free(l);
}

static short
to_poll(unsigned ev)
{
	return (short)(((ev & LOOP_IN) ? POLLIN : 0) |
	    ((ev & LOOP_OUT) ? POLLOUT : 0));
}

int
loop_add(struct loop *l, int fd, unsigned ev, loop_fn *fn, void *arg)
{
	if (fd < 0 || (l->backend == LOOP_SELECT && fd >= FD_SETSIZE)) {
		errno = EMFILE;
		return -1;
	}
	if (fd >= l->nslots) {
		int n = l->nslots ? l->nslots : 64;
		struct slot *s;

		while (n <= fd)
			n *= 2;
		if ((s = realloc(l->slots, (size_t)n * sizeof(*s))) == NULL)
			return -1;
		memset(s + l->nslots, 0, (size_t)(n - l->nslots) * sizeof(*s));
		l->slots = s;
		l->nslots = n;
	}
	if (l->backend == LOOP_POLL) {
		if (l->npfd == l->cappfd) {
			int n = l->cappfd ? l->cappfd * 2 : 64;
			struct pollfd *p;

			p = realloc(l->pfd, (size_t)n * sizeof(*p));
			if (p == NULL)
				return -1;
			l->pfd = p;
			l->cappfd = n;
		}
		l->pfd[l->npfd].fd = fd;
		l->pfd[l->npfd].events = to_poll(ev);
		l->pfd[l->npfd].revents = 0;
		l->slots[fd].pidx = l->npfd++;
	} else if (fd > l->maxfd)
		l->maxfd = fd;
	l->slots[fd].fn = fn;
	l->slots[fd].arg = arg;
	l->slots[fd].late = false;
	l->slots[fd].ev = ~0u;		/* force loop_mod to apply ev */
	l->slots[fd].in_ep = false;
	loop_mod(l, fd, ev);
	return 0;
}

#ifdef __linux__
/*
 * Level-triggered, as poll is.  An fd held quietly (ev 0) leaves the set:
 * epoll reports a hang-up or error even on an fd asked for nothing, and a
 * level-triggered one would wake every wait.
 */
static void
ep_set(struct loop *l, int fd, struct slot *s, unsigned ev)
{
	struct epoll_event e = { .events = ((ev & LOOP_IN) ? EPOLLIN : 0) |
	    ((ev & LOOP_OUT) ? EPOLLOUT : 0), .data.fd = fd };
	int op = ev == 0 ? EPOLL_CTL_DEL : s->in_ep ? EPOLL_CTL_MOD :
	    EPOLL_CTL_ADD;

	if (ev == 0 && !s->in_ep)
		return;
	if (epoll_ctl(l->epfd, op, fd, &e) < 0 && op != EPOLL_CTL_DEL)
		nd_err(ND_EXIT_RUN, "epoll_ctl %d", fd);
	s->in_ep = ev != 0;
}
#endif

void
loop_mod(struct loop *l, int fd, unsigned ev)
{
	struct slot *s = &l->slots[fd];

	if (s->ev == ev)
		return;
	s->ev = ev;
	if (l->backend == LOOP_POLL) {
		l->pfd[s->pidx].events = to_poll(ev);
		return;
	}
#ifdef __linux__
	if (l->backend == LOOP_EPOLL) {
		ep_set(l, fd, s, ev);
		return;
	}
#endif
	if (ev & LOOP_IN)
		FD_SET(fd, &l->rset);
	else
		FD_CLR(fd, &l->rset);
	if (ev & LOOP_OUT)
		FD_SET(fd, &l->wset);
	else
		FD_CLR(fd, &l->wset);
}

unsigned
loop_events(const struct loop *l, int fd)
{
	return l->slots[fd].ev;
}

void
loop_del(struct loop *l, int fd)
{
	struct slot *s;

	if (fd < 0 || fd >= l->nslots || l->slots[fd].fn == NULL)
		return;
	s = &l->slots[fd];
	s->fn = NULL;
	s->arg = NULL;
	s->ev = 0;
	if (l->backend == LOOP_POLL) {
		l->pfd[s->pidx].fd = -1;
		l->pfd[s->pidx].revents = 0;
		l->dead++;
		return;
	}
#ifdef __linux__
	if (l->backend == LOOP_EPOLL) {
		/* Before the caller closes fd; an fd closed already is gone. */
		if (s->in_ep)
			(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
		s->in_ep = false;
		return;
	}
#endif
	FD_CLR(fd, &l->rset);
	FD_CLR(fd, &l->wset);
	while (l->maxfd >= 0 && l->slots[l->maxfd].fn == NULL)
		l->maxfd--;
}

void
loop_defer(struct loop *l, int fd)
{
	if (fd >= 0 && fd < l->nslots)
		l->slots[fd].late = true;
}

void
loop_set_prewait(struct loop *l, void (*fn)(void))
{
	l->prewait = fn;
}

int
loop_timer(struct loop *l, long long at_ms, loop_timer_fn *fn, void *arg)
{
	int id;

	for (id = 0; id < l->ntimers && l->timers[id].fn != NULL; id++)
		;
	if (id == l->ntimers) {
		struct timer *t = realloc(l->timers,
		    (size_t)(l->ntimers + 4) * sizeof(*t));

		if (t == NULL)
			return -1;
		memset(t + l->ntimers, 0, 4 * sizeof(*t));
		l->timers = t;
		l->ntimers += 4;
	}
	l->timers[id] = (struct timer){ fn, arg, at_ms };
	return id;
}

void
loop_timer_cancel(struct loop *l, int id)
{
	if (id >= 0 && id < l->ntimers)
		l->timers[id].fn = NULL;
}

/*
 * Run the timers that are due; returns the ms until the next one, or -1.
 * O(N) since timers are unsorted, as in redis' ae: there are a few.
 */
static int
run_timers(struct loop *l)
{
	long long now = clock_ms(), next = -1;

	for (int id = 0; id < l->ntimers && !l->stopped; id++) {
		struct timer t = l->timers[id];

		if (t.fn == NULL)
			continue;
		if (t.at_ms <= now) {
			l->timers[id].fn = NULL;	/* it may re-arm */
			t.fn(l, t.arg);
			continue;
		}
		if (next < 0 || t.at_ms < next)
			next = t.at_ms;
	}
	/* A callback may have added one that is due already. */
	for (int id = 0; id < l->ntimers; id++)
		if (l->timers[id].fn != NULL && (next < 0 ||
		    l->timers[id].at_ms < next))
			next = l->timers[id].at_ms;
	if (next < 0)
		return -1;
	now = clock_ms();
	return next <= now ? 0 : next - now > INT_MAX ? INT_MAX :
	    (int)(next - now);
}

void
loop_stop(struct loop *l, int status)
{
	l->stopped = true;
	l->status = status;
}

/* Drop the dead poll slots left by loop_del during the pass. */
static void
compact(struct loop *l)
{
	int j = 0;

	for (int i = 0; i < l->npfd; i++) {
		if (l->pfd[i].fd < 0)
			continue;
		l->pfd[j] = l->pfd[i];
		l->slots[l->pfd[j].fd].pidx = j;
		j++;
	}
	l->npfd = j;
	l->dead = 0;
}

static void
dispatch(struct loop *l, int fd, unsigned rev)
{
	struct slot *s = &l->slots[fd];

	if (s->fn != NULL && rev != 0)
		s->fn(l, fd, rev, s->arg);
}

static unsigned
from_poll(short re)
{
	unsigned rev = 0;

	if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL))
		rev |= LOOP_IN;
	if (re & (POLLOUT | POLLERR | POLLNVAL))
		rev |= LOOP_OUT;
	return rev;
}

/*
 * The late fds (a listening socket) ready in a pass wait here until the
 * others are done, so that descriptors freed by the closes of the pass
 * are there for its accepts.
 */
#define LATE_MAX	8

struct late {
	int		 n;
	int		 fd[LATE_MAX];
	unsigned	 rev[LATE_MAX];
};

/* Dispatch fd now, or later in the pass if it is a late one. */
static void
ready(struct loop *l, struct late *lt, int fd, unsigned rev)
{
	if (l->slots[fd].late && lt->n < LATE_MAX) {
		lt->fd[lt->n] = fd;
		lt->rev[lt->n++] = rev;
		return;
	}
	dispatch(l, fd, rev);
}

static void
run_late(struct loop *l, const struct late *lt)
{
	for (int i = 0; i < lt->n && !l->stopped; i++)
		dispatch(l, lt->fd[i], lt->rev[i] & l->slots[lt->fd[i]].ev);
}

static int
run_poll(struct loop *l, int ms)
{
	struct late lt = { 0 };
	int n, end;

	n = poll(l->pfd, (nfds_t)l->npfd, ms);
	call_wait("poll", l->npfd, ms, n);
	if (n <= 0)
		return n;
	end = l->npfd;
	for (int i = 0; i < end && n > 0 && !l->stopped; i++) {
		int fd = l->pfd[i].fd;
		short re = l->pfd[i].revents;

		if (re == 0 || fd < 0)
			continue;
		n--;
		/* Report only what was asked for. */
		ready(l, &lt, fd, from_poll(re) & l->slots[fd].ev);
	}
	run_late(l, &lt);
	if (l->dead)
		compact(l);
	return 0;
}

#ifdef __linux__
#define EP_BATCH	256	/* events per epoll_wait */

static int
run_epoll(struct loop *l, int ms)
{
	struct epoll_event ev[EP_BATCH];
	struct late lt = { 0 };
	int n;

	n = epoll_wait(l->epfd, ev, EP_BATCH, ms);
	call_wait("epoll_wait", l->epfd, ms, n);
	if (n <= 0)
		return n;
	for (int i = 0; i < n && !l->stopped; i++) {
		int fd = ev[i].data.fd;
		unsigned re = ev[i].events, rev = 0;

		if (re & (EPOLLIN | EPOLLHUP | EPOLLERR))
			rev |= LOOP_IN;
		if (re & (EPOLLOUT | EPOLLERR))
			rev |= LOOP_OUT;
		/* Deleted earlier in this pass: its slot says so. */
		if (fd < l->nslots)
			ready(l, &lt, fd, rev & l->slots[fd].ev);
	}
	run_late(l, &lt);
	return 0;
}
#endif

static int
run_select(struct loop *l, int ms)
{
	fd_set r = l->rset, w = l->wset;
	struct timeval tv, *tvp = NULL;
	struct late lt = { 0 };
	int n, top = l->maxfd;

	if (ms >= 0) {
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
		tvp = &tv;
	}
	n = select(top + 1, &r, &w, NULL, tvp);
	call_wait("select", top + 1, ms, n);
	if (n <= 0)
		return n;
	for (int fd = 0; fd <= top && n > 0 && !l->stopped; fd++) {
		unsigned rev = 0;

		if (FD_ISSET(fd, &r))
			rev |= LOOP_IN;
		if (FD_ISSET(fd, &w))
			rev |= LOOP_OUT;
		if (rev == 0)
			continue;
		n -= (rev & LOOP_IN ? 1 : 0) + (rev & LOOP_OUT ? 1 : 0);
		/* An fd closed and reused in this pass may see a stale bit. */
		if (fd < l->nslots)
			ready(l, &lt, fd, rev & l->slots[fd].ev);
	}
	run_late(l, &lt);
	return 0;
}

int
loop_run(struct loop *l)
{
	while (!l->stopped) {
		int ms = run_timers(l), rc;

		if (l->stopped)
			break;
		if (l->prewait != NULL)
			l->prewait();
		if (l->backend == LOOP_POLL)
			rc = run_poll(l, ms);
#ifdef __linux__
		else if (l->backend == LOOP_EPOLL)
			rc = run_epoll(l, ms);
#endif
		else
			rc = run_select(l, ms);
		if (rc < 0 && errno != EINTR && errno != EAGAIN)
			nd_err(ND_EXIT_RUN, "%s",
			    l->backend == LOOP_POLL ? "poll" :
			    l->backend == LOOP_EPOLL ? "epoll_wait" : "select");
	}
	return l->status;
}

const char *
loop_features(void)
{
	return LOOP_HAVE_EPOLL ? "epoll" : "";
}
