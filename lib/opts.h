/*
 * opts.h: the option rows of SPEC.md and the one parser driven by them.
 * A row drives getopt_long, the value checks and the help text alike.
 */
#ifndef ND_OPTS_H
#define ND_OPTS_H

#include <stdbool.h>
#include <stddef.h>

#include "out.h"

#define OPTS_MAX_GROUPS	16

/* Which rows beyond SPEC's common ones a mode takes (nd_mode.uses). */
enum {
	OPT_SERVE	= 1 << 0,	/* --select --poll --backlog --max-clients --sink */
	OPT_MESSAGE	= 1 << 1,	/* --message */
	OPT_SEND	= 1 << 2,	/* --interval --size --stdin */
	OPT_SEQ		= 1 << 3,	/* --seq */
	OPT_GROUP	= 1 << 4,	/* --group --interface */
	OPT_SOURCE	= 1 << 5,	/* --source, repeated --group */
	OPT_MAXLOSS	= 1 << 6,	/* --max-loss */
	OPT_COMMON	= 1 << 7,	/* SPEC's common rows: always on */
	OPT_HOST	= 1 << 8,	/* --host (multicast modes use --group) */
	OPT_MSEND	= 1 << 9	/* --ttl --loop --no-loop */
};

enum backend { BACKEND_PLAIN, BACKEND_SELECT, BACKEND_POLL };

/* Every option, named after its long form; filled by opts_parse(). */
struct nd_args {
	const char	*host;		/* --host */
	long long	 port;		/* --port */
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	enum out_format	 format;	/* --format */
	long long	 bufsize;	/* --bufsize, bytes */
	long long	 count;		/* --count; 0 = unlimited */
	double		 timeout;	/* --timeout, seconds; < 0 = none */
	bool		 stats;		/* --stats */
	bool		 quiet;		/* --quiet */
	int		 verbose;	/* --verbose, repeatable */

	int		 backend;	/* --select / --poll (enum backend) */
	long long	 backlog;	/* --backlog */
	long long	 max_clients;	/* --max-clients; 0 = unlimited */
	bool		 sink;		/* --sink */

	const char	*message;	/* --message; NULL = standard input */
	double		 interval;	/* --interval, seconds */
	long long	 size;		/* --size; < 0 = as the message is */
	bool		 use_stdin;	/* --stdin */
	bool		 seq;		/* --seq */

	const char	*groups[OPTS_MAX_GROUPS];	/* --group, repeatable */
	int		 ngroups;
	const char	*iface;		/* --interface */
	long long	 ttl;		/* --ttl */
	int		 loop;		/* --loop 1, --no-loop 0 */
	const char	*source;	/* --source */
	double		 max_loss;	/* --max-loss, percent; < 0 = none */

	bool		 host_set;	/* --host was given */
	bool		 format_set;	/* --format was given */
	bool		 interval_set;	/* --interval was given */
	bool		 group_set;	/* --group was given */
	bool		 iface_set;	/* --interface was given */
};

struct nd_mode;

/*
 * Fill *a from the mode's defaults and argv (argv[0] is the mode name).
 * Every usage error prints one line and exits 2; --help prints the mode's
 * help and exits 0.
 */
void	opts_parse(const struct nd_mode *m, int argc, char **argv,
	    struct nd_args *a);

/* Print MODE's usage line and one line per row, with defaults. */
void	opts_help(const struct nd_mode *m, FILE *fp);

/*
 * Parse a whole string as a number in [min, max]; fractions only if
 * frac.  Returns 0, or -1 with *why set ("not a number", "out of range 0-65535").
 */
int	opts_number(const char *s, double min, double max, bool frac,
	    double *out, const char **why);

#endif
