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
 * nd_usage (exit 2) do not return.
 */
_Noreturn void	nd_err(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
_Noreturn void	nd_errx(int code, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
_Noreturn void	nd_usage(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2)));
void	nd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	nd_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Exit after flushing standard output (see out.h); used by every exit path. */
_Noreturn void	nd_exit(int code);

/*
 * Called by nd_exit and nd_usage instead of exit(3) when set; must not
 * return (the fuzz harnesses longjmp out of option parsing with it).
 */
extern void	(*err_exit_hook)(int code);

#endif
