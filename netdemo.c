/*
 * netdemo.c: the mode table, --help, --version, `help MODE` and
 * `completion SHELL`; everything else belongs to the modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/batch.h"
#include "lib/call.h"
#include "lib/complete.h"
#include "lib/dgram.h"
#include "lib/err.h"
#include "lib/gro.h"
#include "lib/loop.h"
#include "lib/mode.h"
#include "lib/opts.h"
#include "lib/out.h"
#include "lib/sig.h"
#include "lib/zcopy.h"

#ifndef ND_VERSION
#define ND_VERSION "unknown"
#endif

static const struct nd_mode *const modes[] = {
	&tcp_serve_mode,
	&tcp_connect_mode,
	&udp_send_mode,
	&udp_recv_mode,
	&mcast_send_mode,
	&mcast_recv_mode,
};

#define NMODES	(sizeof(modes) / sizeof(modes[0]))

static const struct nd_mode *
find_mode(const char *name)
{
	for (size_t i = 0; i < NMODES; i++)
		if (strcmp(modes[i]->name, name) == 0)
			return modes[i];
	return NULL;
}

/* "tcp-serve, tcp-connect, ..." into buf, for a usage error. */
static const char *
mode_list(char *buf, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < NMODES && n < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s",
		    i ? ", " : "", modes[i]->name);
	return buf;
}

/* WHAT: unknown mode, with the closest name or the list of them.  */
static _Noreturn void
unknown_mode(const char *what, const char *name)
{
	const char *names[NMODES];
	char ml[256];
	int at;

	for (size_t i = 0; i < NMODES; i++)
		names[i] = modes[i]->name;
	if ((at = opts_closest(name, names, NMODES)) >= 0)
		nd_usage("%s: unknown mode (did you mean %s?)", what,
		    names[at]);
	nd_usage("%s: unknown mode (modes: %s)", what,
	    mode_list(ml, sizeof(ml)));
}

/*
 * argv[1] is an option: netdemo's own, or a mode's given before the
 * mode.  Say where it goes.
 */
static _Noreturn void
option_first(int argc, char **argv)
{
	static const char *const own[] = { "--help", "--version" };
	int at;

	for (int i = 2; i < argc; i++)
		if (find_mode(argv[i]) != NULL)
			nd_usage("%s: options go after the mode (netdemo %s "
			    "%s ...)", argv[1], argv[i], argv[1]);
	if (strncmp(argv[1], "--", 2) == 0 && (at = opts_closest(argv[1],
	    own, 2)) >= 0)
		nd_usage("%s: unknown option (did you mean %s?)", argv[1],
		    own[at]);
	nd_usage("%s: options go after the mode (netdemo MODE [options]; "
	    "netdemo --help lists the modes)", argv[1]);
}

/* Flush fp; a write error (a full disk) is one line and exit 1. */
static int
flushed(FILE *fp)
{
	if (fflush(fp) != 0 || ferror(fp))
		nd_err(ND_EXIT_RUN, "write standard %s", fp == stdout ?
		    "output" : "error");
	return ND_EXIT_OK;
}

/* --version: the version and what this build can use, for bug reports. */
static int
version(void)
{
	const char *parts[] = { loop_features(), batch_features(),
	    dgram_features(), gro_features(), zc_features() };

	printf("netdemo %s\nfeatures:", ND_VERSION);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		if (*parts[i] != '\0')
			printf(" %s", parts[i]);
	printf("\n");
	return flushed(stdout);
}

/*
 * A descriptor 0, 1 or 2 closed by whoever started us would be handed to
 * the next open() (the signal pipe, a socket), which would then be read
 * as standard input or written as output.  Put /dev/null there first, as
 * daemons and OpenBSD programs do.
 */
static void
std_fds_open(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		int nfd;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		nfd = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
		if (nfd < 0)
			exit(ND_EXIT_RUN);	/* no /dev/null: nowhere to say so */
		if (nfd != fd) {
			(void)dup2(nfd, fd);
			close(nfd);
		}
	}
}

static int
usage(FILE *fp)
{
	fprintf(fp, "usage: netdemo MODE [options]\n"
	    "       netdemo MODE --help | netdemo help MODE\n"
	    "       netdemo completion bash|zsh|fish\n"
	    "       netdemo --help | --version\n\nmodes:\n");
	for (size_t i = 0; i < NMODES; i++)
		fprintf(fp, "  %-12s %s\n", modes[i]->name, modes[i]->summary);
	fprintf(fp, "\noptions every mode takes (netdemo MODE --help shows the "
	    "rest, with defaults):\n");
	opts_help_shared(fp);
	fprintf(fp, "\nSee netdemo(1) for details.\n");
	return flushed(fp);
}

int
main(int argc, char **argv)
{
	const struct nd_mode *m;
	struct nd_args a;
	int rc;

	std_fds_open();
	err_set_flush(out_flush);
	if (argc < 2) {
		usage(stderr);
		return ND_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0)
		return version();
	if (strcmp(argv[1], "completion") == 0) {
		if (argc != 3)
			nd_usage("completion: name one shell: bash, zsh or fish");
		if (complete_script(argv[2], modes, NMODES, stdout) < 0)
			nd_usage("completion %s: not bash, zsh or fish",
			    argv[2]);
		return flushed(stdout);
	}
	if (argv[1][0] == '-' && argv[1][1] != '\0')
		option_first(argc, argv);
	if (strcmp(argv[1], "help") == 0) {
		char what[64];

		if (argc < 3)
			return usage(stdout);
		snprintf(what, sizeof(what), "help %s", argv[2]);
		if ((m = find_mode(argv[2])) == NULL)
			unknown_mode(what, argv[2]);
		argv[2] = (char *)"--help";
		argc = 3;
	} else if ((m = find_mode(argv[1])) == NULL)
		unknown_mode(argv[1], argv[1]);

	err_set_mode(m->name);
	opts_parse(m, argc - 1, argv + 1, &a);
	if (a.help) {
		opts_help(m, &a, stdout);
		return flushed(stdout);
	}
	out_init(a.format, m->name, a.timestamps);
	if (a.trace)
		call_trace(a.format == FMT_JSON);
	if (sig_init() < 0)
		nd_err(ND_EXIT_RUN, "signal handlers");
	rc = m->run(&a);
	call_flush();
	nd_exit(rc);
}
