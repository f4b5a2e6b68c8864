/* err.c: one-line diagnostics, "netdemo: MODE: what failed: why". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "text.h"
#include "sig.h"

#define ERR_MSG_MAX	1024		/* a message before escaping */
#define ERR_LINE_MAX	(TEXT_ESC_MAX(ERR_MSG_MAX) + 256)

static const char *err_modename;
static void (*final_fn)(void *);
static void *final_arg;
static void (*flush_fn)(void);
static struct err_limit *limits;
static unsigned long long dropped;	/* lines stderr would not take */
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

void
err_set_final(void (*fn)(void *), void *arg)
{
	final_fn = fn;
	final_arg = arg;
}

void
err_set_flush(void (*fn)(void))
{
	flush_fn = fn;
}

static size_t
prefix(char *d, size_t cap)
{
	int n;

	if (err_modename != NULL)
		n = snprintf(d, cap, "netdemo: %s: ", err_modename);
	else
		n = snprintf(d, cap, "netdemo: ");
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

/*
 * Write one finished line.  After a line was dropped the next ones are
 * not waited for until stderr takes one again; that one first says how
 * many were lost.
 */
static void
emit(const char *line, size_t len)
{
	char note[128];
	size_t k;
	int wait = dropped ? 0 : ERR_WAIT_MS;

	if (dropped) {
		k = prefix(note, sizeof(note));
		snprintf(note + k, sizeof(note) - k, "%llu diagnostic line%s "
		    "not written: standard error blocked\n", dropped,
		    dropped == 1 ? "" : "s");
		if (sig_write(STDERR_FILENO, note, strlen(note), wait) < 0)
			goto lost;
		dropped = 0;
	}
	if (sig_write(STDERR_FILENO, line, len, wait) == 0)
		return;
lost:
	dropped++;
}

static void __attribute__((format(printf, 3, 0)))
verr(int with_errno, int saved, const char *fmt, va_list ap)
{
	char msg[ERR_MSG_MAX], line[ERR_LINE_MAX];
	size_t n;
	int m;

	/* Data written so far comes out before the message about it. */
	if (flush_fn != NULL)
		flush_fn();
	n = prefix(line, sizeof(line));
	/* Every caller va_starts ap; the analyzer loses track across calls. */
	m = vsnprintf(msg, sizeof(msg), fmt, ap); /* NOLINT */
	if (m < 0)
		m = 0;
	if ((size_t)m >= sizeof(msg))
		m = sizeof(msg) - 1;
	n += text_escape(line + n, (const unsigned char *)msg, (size_t)m);
	if (with_errno)
		n += (size_t)snprintf(line + n, sizeof(line) - n, ": %s",
		    strerror(saved));
	line[n++] = '\n';
	emit(line, n);
}

/* The mode's last words (its summary), once, before a fatal message. */
static void
run_final(void)
{
	void (*fn)(void *) = final_fn;

	final_fn = NULL;
	if (fn != NULL)
		fn(final_arg);
}

void
nd_err(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	run_final();
	va_start(ap, fmt);
	verr(1, saved, fmt, ap);
	va_end(ap);
	nd_exit(code);
}

void
nd_errx(int code, const char *fmt, ...)
{
	va_list ap;

	run_final();
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

static void
report_held(struct err_limit *l)
{
	if (l->held > 0)
		nd_warnx("%s: %llu more like this", l->kind, l->held);
	l->held = 0;
}

/* True when l lets a line through now; counts it otherwise. */
static int
limit_pass(struct err_limit *l)
{
	long long now = clock_ms();

	if (!l->registered) {
		l->registered = 1;
		l->link = limits;
		limits = l;
	}
	if (now < l->next_ms) {
		l->held++;
		return 0;
	}
	report_held(l);
	l->next_ms = now + 1000;
	return 1;
}

void
nd_warn_limited(struct err_limit *l, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	if (!limit_pass(l))
		return;
	va_start(ap, fmt);
	verr(1, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
nd_warnx_limited(struct err_limit *l, const char *fmt, ...)
{
	va_list ap;

	if (!limit_pass(l))
		return;
	va_start(ap, fmt);
	verr(0, 0, fmt, ap);
	va_end(ap);
}

void
err_flush_limits(void)
{
	for (struct err_limit *l = limits; l != NULL; l = l->link)
		report_held(l);
}

void
nd_exit(int code)
{
	if (flush_fn != NULL)
		flush_fn();
	err_flush_limits();
	if (err_exit_hook != NULL)
		err_exit_hook(code);
	exit(code);
}
