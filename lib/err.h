/* err.h: diagnostics on standard error and the exit codes of SPEC.md. */
#ifndef ND_ERR_H
#define ND_ERR_H

#include <stdarg.h>

enum {
	ND_EXIT_OK = 0,		/* done: count reached, end of input, signal */
	ND_EXIT_RUN = 1,	/* a run-time failure */
	ND_EXIT_USAGE = 2,	/* a usage error */
	ND_EXIT_SHORT = 3	/* the run fell short of what was asked */
};

/* The name printed after "netdemo: "; NULL prints no mode. */
void	err_set_mode(const char *mode);
const char *err_mode(void);

/*
 * err(3) semantics with the "netdemo: MODE: " prefix: nd_err and nd_warn
 * append ": strerror(errno)", the x variants do not.  nd_err, nd_errx and
 * nd_usage (exit 2) do not return.  The message is escaped as the text
 * format escapes data (\n, \xNN ...): a value from argv or from a peer
 * cannot break the line or reach the terminal raw.  Standard error gets
 * at most ERR_WAIT_MS to take a line; a line it will not take is dropped
 * and counted, so a stalled log never freezes a server.
 */
#define ERR_WAIT_MS	1000

_Noreturn void	nd_err(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
_Noreturn void	nd_errx(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
_Noreturn void	nd_usage(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	nd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	nd_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A warning that may repeat per event (a client turned away, a datagram
 * truncated): at most one line a second per limiter, the rest counted
 * and reported as "KIND: N more like this" before the next line of the
 * kind and at exit.  Declare one per kind: static struct err_limit
 * lim = { "turned away" };
 */
struct err_limit {
	const char		*kind;
	long long		 next_ms;	/* no line before this */
	unsigned long long	 held;		/* lines not shown */
	struct err_limit	*link;		/* registered for err_flush_limits */
	int			 registered;
};

void	nd_warn_limited(struct err_limit *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	nd_warnx_limited(struct err_limit *l, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));

/* Report what every limiter still holds; nd_exit calls it. */
void	err_flush_limits(void);

/*
 * Called once by nd_err and nd_errx before their message (not by
 * nd_usage): a mode prints its summary there, so that a run that fails
 * still shows what it did, the reason last.
 */
void	err_set_final(void (*fn)(void *), void *arg);

/* Called before every message and at exit to write queued data first. */
void	err_set_flush(void (*fn)(void));

/* Exit after the flush hook and the limiters; every exit path uses it. */
_Noreturn void	nd_exit(int code);

/*
 * Called by nd_exit and nd_usage instead of exit(3) when set; must not
 * return (the fuzz harnesses longjmp out of option parsing with it).
 */
extern void	(*err_exit_hook)(int code);

#endif
