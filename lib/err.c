/* err.c: one-line diagnostics, "netdemo: MODE: what failed: why". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "out.h"

static const char *err_modename;
void (*err_exit_hook)(int);

void
err_set_mode(const char *mode)
{
	err_modename = mode;
}

const char *
err_mode(void)
{
	return err_modename;
}

static void __attribute__((format(printf, 3, 0)))
verr(int with_errno, int saved, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	/* Data written so far comes out before the message about it. */
	out_flush(NULL);
	if (err_modename != NULL)
		n = snprintf(line, sizeof(line), "netdemo: %s: ", err_modename);
	else
		n = snprintf(line, sizeof(line), "netdemo: ");
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	/* Every caller va_starts ap; the analyzer loses track across calls. */
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap); /* NOLINT */
	if (with_errno)
		fprintf(stderr, "%s: %s\n", line, strerror(saved));
	else
		fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

void
nd_err(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	verr(1, saved, fmt, ap);
	va_end(ap);
	nd_exit(code);
}

void
nd_errx(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(0, 0, fmt, ap);
	va_end(ap);
	nd_exit(code);
}

void
nd_usage(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(0, 0, fmt, ap);
	va_end(ap);
	if (err_exit_hook != NULL)
		err_exit_hook(ND_EXIT_USAGE);
	exit(ND_EXIT_USAGE);
}

void
nd_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	verr(1, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
nd_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(0, 0, fmt, ap);
	va_end(ap);
}

void
nd_exit(int code)
{
	out_flush(NULL);
	if (err_exit_hook != NULL)
		err_exit_hook(code);
	exit(code);
}
