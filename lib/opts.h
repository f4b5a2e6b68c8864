/*
 * opts.h: the option rows of SPEC.md and the one parser driven by them.
 * A row drives getopt_long, the value checks and the help text alike; a
 * mode names the rows it takes, with its own help text where the row's
 * would not fit it, and sets its defaults (per address family) itself.
 */
#ifndef ND_OPTS_H
#define ND_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "out.h"

#define OPTS_MAX_GROUPS	16

/* Every row, by name; a mode's set of rows is a bitset of OPT(id). */
enum opt_id {
	O_HOST, O_PORT, O_IPV4, O_IPV6, O_FORMAT, O_BUFSIZE, O_COUNT,
	O_TIMEOUT, O_STATS, O_QUIET, O_VERBOSE, O_TIMESTAMPS, O_HELP,
	O_SELECT, O_POLL, O_BACKLOG, O_MAX_CLIENTS, O_SINK,
	O_MESSAGE, O_INTERVAL, O_SIZE, O_STDIN, O_SEQ,
	O_GROUP, O_IFACE, O_TTL, O_LOOP, O_NO_LOOP, O_SOURCE, O_MAX_LOSS,
	O_DURATION, O_REPORT, O_RATE, O_HISTOGRAM, O_ECHO, O_RTT,
	O_RTT_TIMEOUT, O_EPOLL, O_NO_BATCH, O_TRACE,
	O_NROWS
};

#define OPT(id)		(UINT64_C(1) << (id))

/* The rows every mode takes. */
#define OPTS_SHARED	(OPT(O_PORT) | OPT(O_IPV4) | OPT(O_IPV6) |	\
	OPT(O_FORMAT) | OPT(O_COUNT) | OPT(O_STATS) | OPT(O_QUIET) |	\
	OPT(O_VERBOSE) | OPT(O_TIMESTAMPS) | OPT(O_DURATION) |		\
	OPT(O_REPORT) | OPT(O_TRACE) | OPT(O_HELP))

enum backend { BACKEND_PLAIN, BACKEND_SELECT, BACKEND_POLL, BACKEND_EPOLL };

/* Every option, named after its long form; filled by opts_parse(). */
struct nd_args {
	const char	*host;		/* --host, without a port */
	char		 hostbuf[256];	/* --host's address when it had one */
	long long	 port;		/* --port */
	int		 family;	/* AF_UNSPEC, AF_INET or AF_INET6 */
	enum out_format	 format;	/* --format */
	long long	 bufsize;	/* --bufsize, bytes */
	long long	 count;		/* --count; 0 = unlimited */
	double		 timeout;	/* --timeout, seconds; < 0 = none */
	bool		 stats;		/* --stats */
	bool		 quiet;		/* --quiet */
	int		 verbose;	/* --verbose, repeatable */
	bool		 timestamps;	/* --timestamps */
	double		 duration;	/* --duration, seconds; < 0 = none */
	double		 report;	/* --report, seconds; < 0 = none */

	int		 backend;	/* --select / --poll (enum backend) */
	long long	 backlog;	/* --backlog */
	long long	 max_clients;	/* --max-clients; 0 = unlimited */
	bool		 sink;		/* --sink */

	const char	*message;	/* --message; NULL: the mode's */
	double		 interval;	/* --interval, seconds */
	long long	 size;		/* --size; < 0 = as the message is */
	bool		 use_stdin;	/* --stdin */
	bool		 seq;		/* --seq */
	double		 rate;		/* --rate; < 0 = none (--interval) */
	bool		 rate_bits;	/* rate in bits/s, else datagrams/s */
	bool		 histogram;	/* --histogram */
	bool		 echo;		/* --echo */
	bool		 rtt;		/* --rtt */
	double		 rtt_timeout;	/* --rtt-timeout, seconds */
	bool		 no_batch;	/* --no-batch */
	bool		 trace;		/* --trace */

	const char	*groups[OPTS_MAX_GROUPS];	/* --group */
	int		 ngroups;
	const char	*iface;		/* --interface */
	long long	 ttl;		/* --ttl */
	int		 loop;		/* --loop 1, --no-loop 0 */
	const char	*source;	/* --source */
	double		 max_loss;	/* --max-loss, percent; < 0 = none */

	uint64_t	 given;		/* OPT(id) of each row given */
	bool		 help;		/* --help: print it, run nothing */
};

/* A mode's own help text for a row whose general one would not fit it. */
struct opt_text {
	enum opt_id	 id;
	const char	*help;
};

struct nd_mode;

/*
 * Fill *a from argv (argv[0] is the mode name) and the mode's defaults.
 * Every usage error, the mode's own checks included, prints one line and
 * exits 2 before anything else happens.  --help sets a->help and skips
 * the checks: the caller prints opts_help() with the defaults of the
 * family given.
 */
void	opts_parse(const struct nd_mode *m, int argc, char **argv,
	    struct nd_args *a);

static inline bool
opts_given(const struct nd_args *a, enum opt_id id)
{
	return (a->given & OPT(id)) != 0;
}

/* MODE's usage line and one line per row, with a's values as defaults. */
void	opts_help(const struct nd_mode *m, const struct nd_args *a, FILE *fp);

/* The rows every mode takes, one line each (for netdemo --help). */
void	opts_help_shared(FILE *fp);

/* One row as a mode takes it, for text made from the rows (completion). */
struct opt_info {
	const char	*name;		/* the long name, without "--" */
	int		 key;		/* the short option, or 0 */
	const char	*arg;		/* its argument's name; NULL: a flag */
	const char	*help;		/* the mode's help text for it */
	const char	*values;	/* all it takes, space-separated, or NULL */
	int		 excl;		/* rows of one excl != 0 exclude each other */
	bool		 repeats;	/* may be given more than once */
};

/* Row id as m takes it (m NULL: as every mode would); false if m does not. */
bool	opts_info(const struct nd_mode *m, int id, struct opt_info *oi);

/*
 * The index of the name among names[0..n) (NULL entries skipped) that
 * word is most likely a misspelling of, or -1 if none is close.
 */
int	opts_closest(const char *word, const char *const *names, size_t n);

/*
 * Parse a whole string as a number in [min, max]; fractions only if
 * frac.  Returns 0, or -1 with *why set ("not a number", "out of range").
 */
int	opts_number(const char *s, double min, double max, bool frac,
	    double *out, const char **why);

#endif
