/*
 * netdemo.c: the mode table, --help, --version and `help MODE`; everything
 * else belongs to the modes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/err.h"
#include "lib/mode.h"
#include "lib/opts.h"
#include "lib/out.h"
#include "lib/sig.h"

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

/* Flush fp; a write error (a full disk) is one line and exit 1. */
static int
flushed(FILE *fp)
{
	if (fflush(fp) != 0 || ferror(fp))
		nd_err(ND_EXIT_RUN, "write standard %s", fp == stdout ?
		    "output" : "error");
	return ND_EXIT_OK;
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
	char ml[256];
	int rc;

	std_fds_open();
	err_set_flush(out_flush);
	if (argc < 2) {
		usage(stderr);
		return ND_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
		return usage(stdout);
	if (strcmp(argv[1], "--version") == 0) {
		printf("netdemo %s\n", ND_VERSION);
		return flushed(stdout);
	}
	if (strcmp(argv[1], "help") == 0) {
		if (argc < 3)
			return usage(stdout);
		if ((m = find_mode(argv[2])) == NULL)
			nd_usage("help %s: unknown mode (modes: %s)", argv[2],
			    mode_list(ml, sizeof(ml)));
		argv[2] = (char *)"--help";
		argc = 3;
	} else if ((m = find_mode(argv[1])) == NULL)
		nd_usage("%s: unknown mode (modes: %s)", argv[1], mode_list(ml, sizeof(ml)));

	err_set_mode(m->name);
	opts_parse(m, argc - 1, argv + 1, &a);
	if (a.help) {
		opts_help(m, &a, stdout);
		return flushed(stdout);
	}
	out_init(a.format, m->name, a.timestamps);
	if (sig_init() < 0)
		nd_err(ND_EXIT_RUN, "signal handlers");
	rc = m->run(&a);
	nd_exit(rc);
}
