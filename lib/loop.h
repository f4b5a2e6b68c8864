/*
 * loop.h: one event loop with interchangeable backends (select, poll).
 * Callbacks run for ready fds; the signal pipe (sig.h) is always watched
 * and a signal stops the loop with ND_EXIT_OK.
 */
#ifndef ND_LOOP_H
#define ND_LOOP_H

#include "opts.h"

#define LOOP_IN		1u	/* readable (or error/hang-up) */
#define LOOP_OUT	2u	/* writable (or error) */

struct loop;

/* Called for a ready fd with LOOP_IN/LOOP_OUT bits in revents. */
typedef void loop_fn(struct loop *l, int fd, unsigned revents, void *arg);

/*
 * Called before each wait: returns the longest wait in milliseconds
 * (-1 = until an fd is ready).  Timers and output flushing go here.
 */
typedef int loop_tick_fn(struct loop *l, void *arg);

/* A loop on BACKEND_SELECT or BACKEND_POLL; exits on failure (setup). */
struct loop	*loop_new(int backend);
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

void	loop_set_tick(struct loop *l, loop_tick_fn *fn, void *arg);

/* Run until loop_stop() or a signal; returns the status given. */
int	loop_run(struct loop *l);
void	loop_stop(struct loop *l, int status);

#endif
