/*
 * opts.c: the option rows of every mode; one table drives getopt_long, the
 * checks on each value and the --help text, so the three cannot drift.
 */
#include <sys/socket.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mode.h"
#include "opts.h"

enum kind {
	K_FLAG,		/* bool = true */
	K_COUNT,	/* int += 1 */
	K_INT,		/* long long in [min, max] */
	K_TIME,		/* double seconds in [min, max], fractions allowed */
	K_STR,		/* const char * */
	K_FORMAT,	/* enum out_format */
	K_SET,		/* int = min (--select, --poll, -4, --loop ...) */
	K_GROUP,	/* append to groups[] */
	K_HELP
};

struct opt_row {
	const char	*name;
	int		 key;		/* short option, or 0 */
	const char	*arg;		/* argument name, NULL for none */
	enum kind	 kind;
	double		 min, max;
	unsigned	 uses;		/* OPT_* group the row belongs to */
	size_t		 off;		/* field in struct nd_args */
	const char	*unset;		/* help: the default when "off" */
	const char	*help;
};

#define F(x)	offsetof(struct nd_args, x)
#define LL_MAX	9.2e18

static const struct opt_row rows[] = {
	{ "host", 'H', "ADDR", K_STR, 0, 0, OPT_HOST, F(host), NULL,
	    "address to bind or to reach (IPv4, IPv6 or a name)" },
	{ "port", 'p', "PORT", K_INT, 0, 65535, OPT_COMMON, F(port), NULL,
	    "port to bind or to reach" },
	{ "ipv4", '4', NULL, K_SET, AF_INET, 0, OPT_COMMON, F(family), NULL,
	    "use IPv4 only" },
	{ "ipv6", '6', NULL, K_SET, AF_INET6, 0, OPT_COMMON, F(family), NULL,
	    "use IPv6 only" },
	{ "format", 'f', "FMT", K_FORMAT, 0, 0, OPT_COMMON, F(format), NULL,
	    "output format: text, raw, hex or json" },
	{ "bufsize", 'b', "N", K_INT, 1, 16 << 20, OPT_COMMON, F(bufsize),
	    NULL, "bytes read per receive call" },
	{ "count", 'c', "N", K_INT, 1, LL_MAX, OPT_COMMON, F(count),
	    "unlimited", "messages (clients for tcp-serve), then exit" },
	{ "timeout", 'w', "SEC", K_TIME, 0, 1e9, OPT_COMMON, F(timeout),
	    "none", "idle limit in seconds" },
	{ "stats", 0, NULL, K_FLAG, 0, 0, OPT_COMMON, F(stats), NULL,
	    "print a summary at exit" },
	{ "quiet", 'q', NULL, K_FLAG, 0, 0, OPT_COMMON, F(quiet), NULL,
	    "write no data lines" },
	{ "verbose", 'v', NULL, K_COUNT, 0, 0, OPT_COMMON, F(verbose), NULL,
	    "report connections, joins and leaves on standard error" },
	{ "help", 'h', NULL, K_HELP, 0, 0, OPT_COMMON, 0, NULL,
	    "show this help" },

	{ "select", 0, NULL, K_SET, BACKEND_SELECT, 0, OPT_SERVE, F(backend),
	    NULL, "serve every client at once through select(2)" },
	{ "poll", 0, NULL, K_SET, BACKEND_POLL, 0, OPT_SERVE, F(backend),
	    NULL, "serve every client at once through poll(2)" },
	{ "backlog", 0, "N", K_INT, 1, 65535, OPT_SERVE, F(backlog), NULL,
	    "listen(2) backlog" },
	{ "max-clients", 0, "N", K_INT, 1, 1e9, OPT_SERVE, F(max_clients),
	    "unlimited", "close clients beyond N at once, with a warning" },
	{ "sink", 0, NULL, K_FLAG, 0, 0, OPT_SERVE, F(sink), NULL,
	    "read and count, do not echo" },

	{ "message", 'm', "TEXT", K_STR, 0, 0, OPT_MESSAGE, F(message), NULL,
	    "send TEXT ({n} counts from 0 in datagram modes)" },
	{ "interval", 'i', "SEC", K_TIME, 0, 1e6, OPT_SEND, F(interval), NULL,
	    "seconds between datagrams, 0 as fast as possible" },
	{ "size", 's', "N", K_INT, 0, 65507, OPT_SEND, F(size),
	    "as the message", "pad or cut every payload to N bytes" },
	{ "stdin", 0, NULL, K_FLAG, 0, 0, OPT_SEND, F(use_stdin), NULL,
	    "send each line of standard input as one datagram" },
	{ "seq", 0, NULL, K_FLAG, 0, 0, OPT_SEQ, F(seq), NULL,
	    "sequence numbers and send times: count loss and latency" },

	{ "group", 'g', "ADDR", K_GROUP, 0, 0, OPT_GROUP, 0, NULL,
	    "multicast group" },
	{ "interface", 'I', "ADDR|NAME", K_STR, 0, 0, OPT_GROUP, F(iface),
	    NULL, "multicast interface, by address or name" },
	{ "ttl", 0, "N", K_INT, 0, 255, OPT_MSEND, F(ttl), NULL,
	    "multicast TTL (IPv6 hop limit)" },
	{ "loop", 0, NULL, K_SET, 1, 0, OPT_MSEND, F(loop), NULL,
	    "deliver to receivers on this host too" },
	{ "no-loop", 0, NULL, K_SET, 0, 0, OPT_MSEND, F(loop), NULL,
	    "do not deliver to receivers on this host" },
	{ "source", 0, "ADDR", K_STR, 0, 0, OPT_SOURCE, F(source), NULL,
	    "join source-specific: accept only ADDR's datagrams" },
	{ "max-loss", 0, "PCT", K_TIME, 0, 100, OPT_MAXLOSS, F(max_loss),
	    "none", "with --seq: exit 3 when more than PCT percent are lost" },
};

#define NROWS	(sizeof(rows) / sizeof(rows[0]))
#define LONG_BASE	256	/* getopt_long values of long-only rows */

static bool
takes(const struct nd_mode *m, const struct opt_row *r)
{
	return r->uses == OPT_COMMON || (m->uses & r->uses) != 0;
}

int
opts_number(const char *s, double min, double max, bool frac, double *out,
    const char **why)
{
	char *end;
	double v;

	errno = 0;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '\0' || (!frac && *s != '-' && *s != '+' &&
	    (*s < '0' || *s > '9'))) {
		*why = "not a number";
		return -1;
	}
	if (frac) {
		/* strtod takes "inf", "nan" and hex; a time is decimal. */
		if (strpbrk(s, "iInNxX") != NULL) {
			*why = "not a number";
			return -1;
		}
		v = strtod(s, &end);
	} else {
		long long ll = strtoll(s, &end, 10);

		v = (double)ll;
		if (errno == ERANGE) {
			*why = "out of range";
			return -1;
		}
	}
	if (end == s || *end != '\0') {
		*why = "not a number";
		return -1;
	}
	if (errno == ERANGE || !isfinite(v) || v < min || v > max) {
		*why = "out of range";
		return -1;
	}
	*out = v;
	return 0;
}

static void
set_value(const struct nd_mode *m, const struct opt_row *r, const char *val,
    struct nd_args *a)
{
	/* Fields are reached by offset; memcpy keeps the types honest. */
	char *base = (char *)a;
	const char *why;
	long long ll;
	double d;
	bool b;
	int f, i;

	switch (r->kind) {
	case K_FLAG:
		b = true;
		memcpy(base + r->off, &b, sizeof(b));
		break;
	case K_COUNT:
		memcpy(&i, base + r->off, sizeof(i));
		i++;
		memcpy(base + r->off, &i, sizeof(i));
		break;
	case K_INT:
	case K_TIME:
		if (opts_number(val, r->min, r->max, r->kind == K_TIME, &d,
		    &why) < 0) {
			if (strcmp(why, "out of range") == 0 && r->max < 1e9)
				nd_usage("--%s %s: out of range %.0f-%.0f",
				    r->name, val, r->min, r->max);
			nd_usage("--%s %s: %s", r->name, val, why);
		}
		if (r->kind == K_INT) {
			ll = (long long)d;
			memcpy(base + r->off, &ll, sizeof(ll));
		} else
			memcpy(base + r->off, &d, sizeof(d));
		break;
	case K_STR:
		if (*val == '\0')
			nd_usage("--%s: empty argument", r->name);
		memcpy(base + r->off, &val, sizeof(val));
		break;
	case K_FORMAT:
		if ((f = out_format_parse(val)) < 0)
			nd_usage("--format %s: not one of text, raw, hex, json",
			    val);
		a->format = (enum out_format)f;
		a->format_set = true;
		break;
	case K_SET:
		i = (int)r->min;
		memcpy(base + r->off, &i, sizeof(i));
		break;
	case K_GROUP:
		if (*val == '\0')
			nd_usage("--group: empty argument");
		if (!a->group_set)
			a->ngroups = 0;		/* drop the default */
		a->group_set = true;
		if (a->ngroups == OPTS_MAX_GROUPS)
			nd_usage("--group: at most %d groups",
			    OPTS_MAX_GROUPS);
		a->groups[a->ngroups++] = val;
		break;
	case K_HELP:
		opts_help(m, stdout);
		if (fflush(stdout) != 0 || ferror(stdout))
			nd_err(ND_EXIT_RUN, "write standard output");
		nd_exit(ND_EXIT_OK);
	}
	if (r->off == F(host))
		a->host_set = true;
	if (r->off == F(interval))
		a->interval_set = true;
	if (r->off == F(iface) && r->kind == K_STR)
		a->iface_set = true;
}

static void
defaults(const struct nd_mode *m, struct nd_args *a)
{
	memset(a, 0, sizeof(*a));
	a->host = "127.0.0.1";
	a->port = 4000;
	a->family = AF_UNSPEC;
	a->format = FMT_TEXT;
	a->bufsize = 65536;
	a->timeout = -1;
	a->backlog = 128;
	a->interval = 1;
	a->size = -1;
	a->ttl = 1;
	a->loop = 1;
	a->max_loss = -1;
	a->message = NULL;
	if (m->defaults != NULL)
		m->defaults(a);
}

/* "--name" or "-c" as the user wrote it, for messages. */
static const char *
spelled(const char *argvword, int key, char *buf, size_t cap)
{
	if (key > 0 && key < LONG_BASE && argvword != NULL &&
	    argvword[0] == '-' && argvword[1] != '-') {
		snprintf(buf, cap, "-%c", key);
		return buf;
	}
	if (argvword != NULL) {
		const char *eq = strchr(argvword, '=');
		int n = eq ? (int)(eq - argvword) : (int)strlen(argvword);

		snprintf(buf, cap, "%.*s", n, argvword);
		return buf;
	}
	snprintf(buf, cap, "-%c", key);
	return buf;
}

void
opts_parse(const struct nd_mode *m, int argc, char **argv, struct nd_args *a)
{
	struct option lo[NROWS + 1];
	char sopt[2 * NROWS + 3], *s = sopt, sp[64];
	int c, idx, given_fam = 0;

	defaults(m, a);
	*s++ = '+';
	*s++ = ':';
	for (size_t i = 0; i < NROWS; i++) {
		lo[i].name = rows[i].name;
		lo[i].has_arg = rows[i].arg ? required_argument : no_argument;
		lo[i].flag = NULL;
		lo[i].val = rows[i].key ? rows[i].key : LONG_BASE + (int)i;
		if (rows[i].key) {
			*s++ = (char)rows[i].key;
			if (rows[i].arg)
				*s++ = ':';
		}
	}
	lo[NROWS] = (struct option){ 0 };
	*s = '\0';

	opterr = 0;
#ifdef __GLIBC__
	optind = 0;	/* full reset, even after an aborted parse */
#else
	optind = 1;
#endif
	for (;;) {
		const struct opt_row *r = NULL;
		int prev = optind > 0 ? optind : 1;

		idx = -1;
		/* "+" keeps getopt from permuting: operands are errors. */
		c = getopt_long(argc, argv, sopt, lo, &idx);
		if (c == -1)
			break;
		if (c == '?') {
			if (optopt > 0 && optopt < LONG_BASE)
				nd_usage("-%c: unknown option (see netdemo %s "
				    "--help)", optopt, m->name);
			nd_usage("%s: unknown option (see netdemo %s --help)",
			    spelled(argv[optind - 1], 0, sp, sizeof(sp)),
			    m->name);
		}
		if (c == ':') {
			const char *w = argv[optind - 1];
			if (w != NULL && w[0] == '-' && w[1] == '-')
				nd_usage("%s: needs an argument",
				    spelled(w, 0, sp, sizeof(sp)));
			nd_usage("-%c: needs an argument", optopt);
		}
		if (c >= LONG_BASE)
			r = &rows[c - LONG_BASE];
		else
			for (size_t i = 0; i < NROWS && r == NULL; i++)
				if (rows[i].key == c)
					r = &rows[i];
		if (r == NULL)
			nd_usage("-%c: unknown option", c);
		if (!takes(m, r))
			nd_usage("%s: not an option of %s", idx >= 0 ?
			    spelled(argv[prev] ? argv[prev] : "", 0, sp,
			    sizeof(sp)) : spelled(NULL, c, sp, sizeof(sp)),
			    m->name);
		if (r->off == F(family) && r->kind == K_SET) {
			if (given_fam && given_fam != (int)r->min)
				nd_usage("-4 and -6: choose one");
			given_fam = (int)r->min;
		}
		if (r->off == F(backend) && a->backend != BACKEND_PLAIN &&
		    a->backend != (int)r->min)
			nd_usage("--select and --poll: choose one");
		set_value(m, r, optarg, a);
	}
	if (optind < argc)
		nd_usage("%s: unexpected argument (options take the form "
		    "--name VALUE; see netdemo %s --help)", argv[optind],
		    m->name);
	if (a->port == 0 && !m->listens)
		nd_usage("--port 0: a port to reach must be 1-65535");
	if (a->message != NULL && a->use_stdin)
		nd_usage("--message and --stdin: choose one");
	if (a->max_loss >= 0 && !a->seq)
		nd_usage("--max-loss: needs --seq");
	if (a->family == AF_INET6 && !a->host_set)
		a->host = "::1";
}

static void
print_default(const struct opt_row *r, const struct nd_args *a, FILE *fp)
{
	const char *base = (const char *)a;

	switch (r->kind) {
	case K_INT: {
		long long v;

		memcpy(&v, base + r->off, sizeof(v));
		if (r->unset != NULL && (v == 0 || (r->off == F(size) &&
		    v < 0)))
			fprintf(fp, " (default: %s)", r->unset);
		else
			fprintf(fp, " (default: %lld)", v);
		break;
	}
	case K_TIME: {
		double v;

		memcpy(&v, base + r->off, sizeof(v));
		if (r->unset != NULL && v < 0)
			fprintf(fp, " (default: %s)", r->unset);
		else
			fprintf(fp, " (default: %g)", v);
		break;
	}
	case K_STR: {
		const char *v;

		memcpy(&v, base + r->off, sizeof(v));
		if (v != NULL)
			fprintf(fp, " (default: %s)", v);
		else if (r->off == F(message))
			fprintf(fp, " (default: standard input)");
		break;
	}
	case K_FORMAT:
		fprintf(fp, " (default: %s)", out_format_name(a->format));
		break;
	case K_GROUP:
		if (a->ngroups > 0)
			fprintf(fp, " (default: %s; may repeat)", a->groups[0]);
		break;
	case K_SET:
		if (r->off == F(loop) && a->loop == (int)r->min)
			fprintf(fp, " (default)");
		break;
	default:
		break;
	}
}

void
opts_help(const struct nd_mode *m, FILE *fp)
{
	struct nd_args a;
	char flags[32], *f = flags;

	defaults(m, &a);
	for (size_t i = 0; i < NROWS; i++)
		if (takes(m, &rows[i]) && rows[i].key && !rows[i].arg)
			*f++ = (char)rows[i].key;
	*f = '\0';
	fprintf(fp, "usage: netdemo %s [-%s]", m->name, flags);
	for (size_t i = 0; i < NROWS; i++) {
		const struct opt_row *r = &rows[i];

		if (!takes(m, r) || (r->key && !r->arg))
			continue;
		if (r->key)
			fprintf(fp, " [-%c %s]", r->key, r->arg);
		else if (r->arg)
			fprintf(fp, " [--%s %s]", r->name, r->arg);
		else
			fprintf(fp, " [--%s]", r->name);
	}
	fprintf(fp, "\n\n%s: %s\n\noptions:\n", m->name, m->summary);
	for (size_t i = 0; i < NROWS; i++) {
		const struct opt_row *r = &rows[i];
		char lhs[48];

		if (!takes(m, r))
			continue;
		snprintf(lhs, sizeof(lhs), "%c%c%c --%s%s%s",
		    r->key ? '-' : ' ', r->key ? r->key : ' ',
		    r->key ? ',' : ' ', r->name, r->arg ? " " : "",
		    r->arg ? r->arg : "");
		fprintf(fp, "  %-26s %s", lhs, r->help);
		print_default(r, &a, fp);
		fputc('\n', fp);
	}
	fprintf(fp, "\nSee netdemo(1) for details.\n");
}
