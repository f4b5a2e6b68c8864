/*
 * loop.h: one event loop with interchangeable backends (select, poll, and
 * epoll on Linux).
 * Callbacks run for ready fds and for timers on the monotonic clock; the
 * signal pipe (sig.h) is always watched and a signal stops the loop with
 * ND_EXIT_OK.  One-shot waits outside a loop use sig_wait() (sig.h).
 */
#ifndef ND_LOOP_H
#define ND_LOOP_H


#define LOOP_IN		1u	/* readable (or error/hang-up) */
#define LOOP_OUT	2u	/* writable (or error) */

struct loop;

enum loop_backend { LOOP_SELECT, LOOP_POLL, LOOP_EPOLL };

/* Whether this system has the epoll backend (Linux). */
#ifdef __linux__
#define LOOP_HAVE_EPOLL	1
#else
#define LOOP_HAVE_EPOLL	0
#endif

/* Called for a ready fd with LOOP_IN/LOOP_OUT bits in revents. */
typedef void loop_fn(struct loop *l, int fd, unsigned revents, void *arg);

/* A timer's callback, run once when its time comes. */
typedef void loop_timer_fn(struct loop *l, void *arg);

/*
 * A loop on select(2), poll(2) or epoll(7); exits on failure (setup).
 * LOOP_EPOLL where there is none is a caller's bug (check
 * LOOP_HAVE_EPOLL).
 */
struct loop	*loop_new(enum loop_backend backend);
void		 loop_free(struct loop *l);

/*
 * Watch fd for ev (LOOP_IN | LOOP_OUT, or 0 to hold it quietly).
 * Returns 0, or -1 with errno EMFILE when the backend cannot hold fd
 * (select: fd >= FD_SETSIZE) or ENOMEM.
 */
int	loop_add(struct loop *l, int fd, unsigned ev, loop_fn *fn, void *arg);
void	loop_mod(struct loop *l, int fd, unsigned ev);
unsigned loop_events(const struct loop *l, int fd);

/* Stop watching fd; safe inside any callback, even fd's own. */
void	loop_del(struct loop *l, int fd);

/*
 * Dispatch fd after every other ready fd of the same pass (a listening
 * socket: accept after the closes that free descriptors).
 */
void	loop_defer(struct loop *l, int fd);

/*
 * Run fn(l, arg) once, at at_ms on clock_ms()'s monotonic clock (or at
 * once if that has passed).  Returns a timer id for loop_timer_cancel,
 * or -1 (ENOMEM).  A callback re-arms by adding itself again.
 */
int	loop_timer(struct loop *l, long long at_ms, loop_timer_fn *fn,
	    void *arg);
void	loop_timer_cancel(struct loop *l, int id);

/* Called before each wait (flush what output has queued). */
void	loop_set_prewait(struct loop *l, void (*fn)(void));

/* Run until loop_stop() or a signal; returns the status given. */
int	loop_run(struct loop *l);
void	loop_stop(struct loop *l, int status);

/* For --version: "epoll" if this build has it. */
const char	*loop_features(void);

#endif
