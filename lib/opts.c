/*
 * opts.c: the option rows; one table drives getopt_long, the checks on
 * each value and the --help text.  A mode takes the rows it names
 * (OPTS_SHARED and nd_mode.takes), so an option that means nothing to it
 * is a usage error, never silently ignored.
 */
#include <sys/socket.h>
#include <arpa/inet.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mode.h"
#include "opts.h"
#include "units.h"

enum kind {
	K_FLAG,		/* bool = true */
	K_COUNT,	/* int += 1 */
	K_INT,		/* long long in [min, max] */
	K_REAL,		/* double in [min, max], fractions allowed */
	K_SIZE,		/* long long bytes in [min, max], k/M/G, Ki/Mi/Gi */
	K_RATE,		/* --rate: datagrams/s or bits/s (units.h) */
	K_PORT,		/* long long 0-65535, or a service name */
	K_STR,		/* const char *, not empty */
	K_FORMAT,	/* enum out_format */
	K_SET,		/* int = min (--select, --poll, -4, --loop ...) */
	K_GROUP,	/* append to groups[] */
	K_HELP
};

/* Rows of one exclusion group exclude each other. */
enum { EXCL_NONE, EXCL_FAMILY, EXCL_BACKEND, EXCL_INPUT, EXCL_LOOP,
    EXCL_PACE };

struct opt_row {
	const char	*name;
	int		 key;		/* short option, or 0 */
	const char	*arg;		/* argument name, NULL for none */
	enum kind	 kind;
	double		 min, max;
	size_t		 off;		/* field in struct nd_args */
	int		 excl;		/* EXCL_* */
	int		 needs;		/* a row it needs, or O_NROWS */
	const char	*unset;		/* help: the default when "none" */
	const char	*help;
};

#define F(x)	offsetof(struct nd_args, x)
#define LL_MAX	9.2e18
#define NONE	O_NROWS

static const struct opt_row rows[O_NROWS] = {
	[O_HOST] = { "host", 'H', "ADDR", K_STR, 0, 0, F(host), 0, NONE, NULL,
	    "address to bind or to reach (IPv4, IPv6 or a name; may end in "
	    ":PORT)" },
	[O_PORT] = { "port", 'p', "PORT", K_PORT, 0, 65535, F(port), 0, NONE,
	    NULL, "port or service to bind or to reach" },
	[O_IPV4] = { "ipv4", '4', NULL, K_SET, AF_INET, 0, F(family),
	    EXCL_FAMILY, NONE, NULL, "use IPv4 only" },
	[O_IPV6] = { "ipv6", '6', NULL, K_SET, AF_INET6, 0, F(family),
	    EXCL_FAMILY, NONE, NULL, "use IPv6 only" },
	[O_FORMAT] = { "format", 'f', "FMT", K_FORMAT, 0, 0, F(format), 0,
	    NONE, NULL, "output format: text, raw, hex or json" },
	[O_BUFSIZE] = { "bufsize", 'b', "N", K_SIZE, 1, 16 << 20, F(bufsize),
	    0, NONE, NULL, "bytes read per receive call" },
	[O_COUNT] = { "count", 'c', "N", K_INT, 1, LL_MAX, F(count), 0, NONE,
	    "unlimited", "stop after N messages" },
	[O_TIMEOUT] = { "timeout", 'w', "SEC", K_REAL, 0, 1e9, F(timeout), 0,
	    NONE, "none", "idle limit in seconds" },
	[O_STATS] = { "stats", 0, NULL, K_FLAG, 0, 0, F(stats), 0, NONE, NULL,
	    "print a summary at exit" },
	[O_QUIET] = { "quiet", 'q', NULL, K_FLAG, 0, 0, F(quiet), 0, NONE,
	    NULL, "write no data lines" },
	[O_VERBOSE] = { "verbose", 'v', NULL, K_COUNT, 0, 0, F(verbose), 0,
	    NONE, NULL, "report events (-f json: as objects on standard output)" },
	[O_TIMESTAMPS] = { "timestamps", 'T', NULL, K_FLAG, 0, 0,
	    F(timestamps), 0, NONE, NULL,
	    "text lines start with the time and the peer" },
	[O_HELP] = { "help", 'h', NULL, K_HELP, 0, 0, 0, 0, NONE, NULL,
	    "show this help" },

	[O_SELECT] = { "select", 0, NULL, K_SET, BACKEND_SELECT, 0,
	    F(backend), EXCL_BACKEND, NONE, NULL,
	    "serve every client at once through select(2)" },
	[O_POLL] = { "poll", 0, NULL, K_SET, BACKEND_POLL, 0, F(backend),
	    EXCL_BACKEND, NONE, NULL,
	    "serve every client at once through poll(2)" },
	[O_EPOLL] = { "epoll", 0, NULL, K_SET, BACKEND_EPOLL, 0, F(backend),
	    EXCL_BACKEND, NONE, NULL,
	    "serve every client at once through epoll(7) (Linux)" },
	[O_BACKLOG] = { "backlog", 0, "N", K_INT, 1, 65535, F(backlog), 0,
	    NONE, NULL, "listen(2) backlog" },
	[O_MAX_CLIENTS] = { "max-clients", 0, "N", K_INT, 1, 1e9,
	    F(max_clients), 0, NONE, "unlimited",
	    "close clients beyond N at once, with a warning" },
	[O_SINK] = { "sink", 0, NULL, K_FLAG, 0, 0, F(sink), 0, NONE, NULL,
	    "read and count, do not echo" },

	[O_MESSAGE] = { "message", 'm', "TEXT", K_STR, 0, 0, F(message),
	    EXCL_INPUT, NONE, NULL, "send TEXT" },
	[O_INTERVAL] = { "interval", 'i', "SEC", K_REAL, 0, 1e6, F(interval),
	    EXCL_PACE, NONE, NULL, "seconds between datagrams, 0 as fast as possible" },
	[O_SIZE] = { "size", 's', "N", K_SIZE, 0, 65507, F(size), 0, NONE,
	    "the message's length", "pad or cut every payload to N bytes" },
	[O_STDIN] = { "stdin", 0, NULL, K_FLAG, 0, 0, F(use_stdin), EXCL_INPUT,
	    NONE, NULL, "send each line of standard input as one datagram" },
	[O_SEQ] = { "seq", 0, NULL, K_FLAG, 0, 0, F(seq), 0, NONE, NULL,
	    "sequence numbers and send times: count loss and latency" },

	[O_GROUP] = { "group", 'g', "ADDR", K_GROUP, 0, 0, 0, 0, NONE, NULL,
	    "multicast group" },
	[O_IFACE] = { "interface", 'I', "ADDR|NAME", K_STR, 0, 0, F(iface), 0,
	    NONE, NULL, "multicast interface, by address or name" },
	[O_TTL] = { "ttl", 0, "N", K_INT, 0, 255, F(ttl), 0, NONE, NULL,
	    "multicast TTL (IPv6 hop limit)" },
	[O_LOOP] = { "loop", 0, NULL, K_SET, 1, 0, F(loop), EXCL_LOOP, NONE,
	    NULL, "deliver to receivers on this host too" },
	[O_NO_LOOP] = { "no-loop", 0, NULL, K_SET, 0, 0, F(loop), EXCL_LOOP,
	    NONE, NULL, "do not deliver to receivers on this host" },
	[O_SOURCE] = { "source", 0, "ADDR", K_STR, 0, 0, F(source), 0, NONE,
	    NULL, "join source-specific: accept only ADDR's datagrams" },
	[O_MAX_LOSS] = { "max-loss", 0, "PCT", K_REAL, 0, 100, F(max_loss), 0,
	    NONE, "none", "exit 3 when more than PCT percent are lost" },

	[O_DURATION] = { "duration", 't', "SEC", K_REAL, 1e-6, 1e9,
	    F(duration), 0, NONE, "none", "end the run after SEC seconds" },
	[O_REPORT] = { "report", 0, "SEC", K_REAL, 0.01, 1e6, F(report), 0,
	    NONE, "none", "a report of every flow each SEC seconds" },
	[O_RATE] = { "rate", 'r', "RATE", K_RATE, 0, 0, F(rate), EXCL_PACE,
	    NONE, NULL, "send at RATE: datagrams/s (5k/s, 5kpps) or bits/s "
	    "(10M)" },
	[O_HISTOGRAM] = { "histogram", 0, NULL, K_FLAG, 0, 0, F(histogram), 0,
	    NONE, NULL, "draw the latency distribution at exit" },
	[O_ECHO] = { "echo", 0, NULL, K_FLAG, 0, 0, F(echo), 0, NONE, NULL,
	    "answer every --seq datagram to its sender (for --rtt)" },
	[O_RTT] = { "rtt", 0, NULL, K_FLAG, 0, 0, F(rtt), 0, NONE, NULL,
	    "measure round trips to an --echo receiver (implies --seq)" },
	[O_RTT_TIMEOUT] = { "rtt-timeout", 0, "SEC", K_REAL, 0.001, 3600,
	    F(rtt_timeout), 0, O_RTT, NULL,
	    "a reply later than SEC counts as lost (and late)" },
	[O_NO_BATCH] = { "no-batch", 0, NULL, K_FLAG, 0, 0, F(no_batch), 0,
	    NONE, NULL, "one system call per datagram: no GSO/GRO, no mmsg" },
	[O_TRACE] = { "trace", 0, NULL, K_FLAG, 0, 0, F(trace), 0, NONE, NULL,
	    "show every socket call and its result (-f json: as objects)" },
};

#define LONG_BASE	256	/* getopt_long value of row i: LONG_BASE + i */

static bool
takes(const struct nd_mode *m, int id)
{
	return ((OPTS_SHARED | m->takes) & OPT(id)) != 0;
}

/* "-4" for a row with a short option, else "--name". */
static const char *
row_name(int id, char *buf, size_t cap)
{
	if (rows[id].key)
		snprintf(buf, cap, "-%c", rows[id].key);
	else
		snprintf(buf, cap, "--%s", rows[id].name);
	return buf;
}

static const char *
row_help(const struct nd_mode *m, int id)
{
	for (const struct opt_text *t = m->texts; t && t->id != O_NROWS; t++)
		if (t->id == (enum opt_id)id)
			return t->help;
	return rows[id].help;
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

/*
 * A port: a number 0-65535 or a service name of /etc/services ("echo").
 * 0, or -1 with *why set.
 */
static int
port_value(const char *s, long long *port, const char **why)
{
	struct servent *se;
	double d;
	const char *digit = (*s == '-' || *s == '+') ? s + 1 : s;

	if (*digit >= '0' && *digit <= '9') {
		if (opts_number(s, 0, 65535, false, &d, why) < 0) {
			if (strcmp(*why, "out of range") == 0)
				*why = "out of range 0-65535";
			return -1;
		}
		*port = (long long)d;
		return 0;
	}
	if (*s == '\0' || (se = getservbyname(s, NULL)) == NULL) {
		*why = "not a port number or service name";
		return -1;
	}
	*port = ntohs((uint16_t)se->s_port);
	return 0;
}

static void
set_value(const struct nd_mode *m, int id, const char *val, struct nd_args *a)
{
	const struct opt_row *r = &rows[id];
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
	case K_REAL:
		if (opts_number(val, r->min, r->max, r->kind == K_REAL, &d,
		    &why) < 0) {
			if (strcmp(why, "out of range") == 0 && r->max < 1e9)
				nd_usage("--%s %s: out of range %g-%.0f",
				    r->name, val, r->min, r->max);
			nd_usage("--%s %s: %s", r->name, val, why);
		}
		if (r->kind == K_INT) {
			ll = (long long)d;
			memcpy(base + r->off, &ll, sizeof(ll));
		} else
			memcpy(base + r->off, &d, sizeof(d));
		break;
	case K_SIZE:
		if (units_size(val, (long long)r->min, (long long)r->max, &ll,
		    &why) < 0) {
			if (strcmp(why, "out of range") == 0)
				nd_usage("--%s %s: out of range %.0f-%.0f",
				    r->name, val, r->min, r->max);
			nd_usage("--%s %s: %s", r->name, val, why);
		}
		memcpy(base + r->off, &ll, sizeof(ll));
		break;
	case K_RATE: {
		struct rate rt;

		/* A slot longer than --interval's longest is no pacing. */
		if (units_rate(val, &rt, &why) == 0 && rt.per_s < (rt.bits ?
		    8.0 * 65535 / 1e6 : 1e-6))
			nd_usage("--%s %s: out of range (slower than a datagram "
			    "in 10^6 s)", r->name, val);
		if (units_rate(val, &rt, &why) < 0)
			nd_usage("--%s %s: %s (datagrams: 5000/s, 5kpps; bits: "
			    "10M, 1.5G)", r->name, val, why);
		a->rate = rt.per_s;
		a->rate_bits = rt.bits;
		break;
	}
	case K_PORT:
		if (port_value(val, &ll, &why) < 0)
			nd_usage("--%s %s: %s", r->name, val, why);
		memcpy(base + r->off, &ll, sizeof(ll));
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
		break;
	case K_SET:
		i = (int)r->min;
		memcpy(base + r->off, &i, sizeof(i));
		break;
	case K_GROUP:
		if (*val == '\0')
			nd_usage("--group: empty argument");
		if (a->ngroups == OPTS_MAX_GROUPS)
			nd_usage("--group: at most %d groups",
			    OPTS_MAX_GROUPS);
		a->groups[a->ngroups++] = val;
		break;
	case K_HELP:
		a->help = true;
		break;
	}
	(void)m;
}

/* SPEC's defaults of the shared rows, before parsing. */
static void
base_defaults(struct nd_args *a)
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
	a->duration = -1;
	a->report = -1;
	a->rate = -1;
	a->rtt_timeout = 1;
}

/*
 * Edit distance of a and b, adjacent transpositions counting one (the
 * "optimal string alignment" distance), for names up to 31 bytes.
 */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), d[32][32];

	if (la > 31 || lb > 31)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[la][lb];
}

int
opts_closest(const char *word, const char *const *names, size_t n)
{
	size_t best = SIZE_MAX, len = strlen(word), dist;
	int at = -1;

	for (size_t i = 0; i < n; i++) {
		if (names[i] == NULL)
			continue;
		dist = distance(word, names[i]);
		/* A word cut short of a name is that name too. */
		if (len >= 3 && strncmp(word, names[i], len) == 0)
			dist = 1;
		if (dist < best) {
			best = dist;
			at = (int)i;
		}
	}
	/* One typo in a short word, two in a long one; never a rewrite. */
	return best <= (len < 5 ? 1 : 2) && best < len ? at : -1;
}

/*
 * getopt_long said '?': an unknown option, an ambiguous abbreviation, an
 * option of another mode, or an argument given to a flag.  Say which.
 */
static _Noreturn void
bad_option(const struct nd_mode *m, const char *word, int optc)
{
	char name[64], list[256] = "";
	size_t len, n = 0;
	int hits = 0;

	if (word == NULL || word[0] != '-' || word[1] != '-') {
		for (int id = 0; id < O_NROWS; id++)
			if (optc > 0 && rows[id].key == optc)
				nd_usage("-%c: not an option of %s", optc,
				    m->name);
		nd_usage("-%c: unknown option (see netdemo %s --help)",
		    optc > 0 && optc < LONG_BASE ? optc : '?', m->name);
	}
	len = strcspn(word + 2, "=");
	snprintf(name, sizeof(name), "%.*s", (int)len, word + 2);
	for (int id = 0; id < O_NROWS; id++) {
		if (!takes(m, id) || strncmp(rows[id].name, name, len) != 0)
			continue;
		if (strlen(rows[id].name) == len && word[2 + len] == '=')
			nd_usage("--%s: takes no argument", name);
		/* snprintf counts what did not fit: n may pass the end. */
		if (n < sizeof(list))
			n += (size_t)snprintf(list + n, sizeof(list) - n,
			    "%s--%s", hits ? ", " : "", rows[id].name);
		hits++;
	}
	if (hits > 1)
		nd_usage("--%s: ambiguous (%s)", name, list);
	/* "--st=1": an abbreviation of a flag, given a value. */
	for (int id = 0; id < O_NROWS && hits == 1; id++)
		if (takes(m, id) && strncmp(rows[id].name, name, len) == 0 &&
		    rows[id].arg == NULL && word[2 + len] == '=')
			nd_usage("--%s: takes no argument", rows[id].name);
	for (int id = 0; id < O_NROWS; id++)
		if (strcmp(rows[id].name, name) == 0)
			nd_usage("--%s: not an option of %s", name, m->name);
	{
		const char *names[O_NROWS];
		int at;

		for (int id = 0; id < O_NROWS; id++)
			names[id] = takes(m, id) ? rows[id].name : NULL;
		if ((at = opts_closest(name, names, O_NROWS)) >= 0)
			nd_usage("--%s: unknown option (did you mean --%s?)",
			    name, rows[at].name);
	}
	nd_usage("--%s: unknown option (see netdemo %s --help)", name,
	    m->name);
}

/* The long options and the optstring of the rows m takes. */
static void
build_getopt(const struct nd_mode *m, struct option *lo, char *sopt)
{
	int n = 0;

	*sopt++ = '+';	/* no permuting: operands are errors */
	*sopt++ = ':';	/* a missing argument is ':', not '?' */
	for (int id = 0; id < O_NROWS; id++) {
		if (!takes(m, id))
			continue;
		lo[n].name = rows[id].name;
		lo[n].has_arg = rows[id].arg ? required_argument : no_argument;
		lo[n].flag = NULL;
		lo[n].val = LONG_BASE + id;
		n++;
		if (rows[id].key) {
			*sopt++ = (char)rows[id].key;
			if (rows[id].arg)
				*sopt++ = ':';
		}
	}
	lo[n] = (struct option){ 0 };
	*sopt = '\0';
}

/* One row given: exclusions, then its value. */
static void
take_row(const struct nd_mode *m, int id, const char *val, struct nd_args *a)
{
	char x[32], y[32];

	if (rows[id].excl != EXCL_NONE)
		for (int o = 0; o < O_NROWS; o++)
			if (o != id && opts_given(a, (enum opt_id)o) &&
			    rows[o].excl == rows[id].excl)
				nd_usage("%s and %s: choose one",
				    row_name(o < id ? o : id, x, sizeof(x)),
				    row_name(o < id ? id : o, y, sizeof(y)));
	set_value(m, id, val, a);
	a->given |= OPT(id);
}

/*
 * -H as tools print addresses: "[::1]", "[::1]:4000", "127.0.0.1:4000",
 * "host:echo".  An address with two colons or more and no brackets is
 * IPv6 and has no port ("::1", "fe80::1%eth0").  A port here and in -p
 * must agree.  The address goes to a->hostbuf.
 */
static void
host_port(struct nd_args *a)
{
	const char *h = a->host, *colon, *why;
	const char *portstr = NULL;
	size_t len;
	long long port;

	if (*h == '[') {
		const char *close = strchr(h, ']');

		if (close == NULL)
			nd_usage("--host %s: no ']' after the IPv6 address", h);
		if (close == h + 1)
			nd_usage("--host %s: no address between '[' and ']'", h);
		if (close[1] != '\0' && close[1] != ':')
			nd_usage("--host %s: only ':PORT' may follow ']'", h);
		len = (size_t)(close - h - 1);
		/* An IPv6 address has two colons at least ("::"). */
		colon = memchr(h + 1, ':', len);
		if (colon == NULL || memchr(colon + 1, ':', (size_t)(close -
		    colon - 1)) == NULL || memchr(h + 1, '[', len) != NULL)
			nd_usage("--host %s: brackets are for IPv6 addresses",
			    h);
		h++;
		if (close[1] == ':')
			portstr = close + 2;
	} else {
		if ((colon = strchr(h, ':')) == NULL ||
		    strchr(colon + 1, ':') != NULL)
			return;		/* a name, IPv4 or bare IPv6 */
		if (colon == h)
			nd_usage("--host %s: no address before ':'", h);
		len = (size_t)(colon - h);
		portstr = colon + 1;
	}
	if (len >= sizeof(a->hostbuf))
		nd_usage("--host: address too long");
	memcpy(a->hostbuf, h, len);
	a->hostbuf[len] = '\0';
	if (portstr != NULL) {
		if (*portstr == '\0')
			nd_usage("--host %s: no port after ':'", a->host);
		if (port_value(portstr, &port, &why) < 0)
			nd_usage("--host %s: port %s: %s", a->host, portstr,
			    why);
		if (opts_given(a, O_PORT) && port != a->port)
			nd_usage("--host %s and --port %lld: two different "
			    "ports", a->host, a->port);
		a->port = port;
		a->given |= OPT(O_PORT);
	}
	a->host = a->hostbuf;
}

/* What holds whatever the mode: needs, operands, a port to reach. */
static void
check_shared(const struct nd_mode *m, const struct nd_args *a)
{
	char x[32];

	for (int id = 0; id < O_NROWS; id++)
		if (opts_given(a, (enum opt_id)id) && rows[id].needs != NONE &&
		    !opts_given(a, (enum opt_id)rows[id].needs))
			nd_usage("%s: needs --%s", row_name(id, x, sizeof(x)),
			    rows[rows[id].needs].name);
	if (a->port == 0 && !m->listens)
		nd_usage("--port 0: a port to reach must be 1-65535");
}

void
opts_parse(const struct nd_mode *m, int argc, char **argv, struct nd_args *a)
{
	struct option lo[O_NROWS + 1];
	char sopt[2 * O_NROWS + 3];
	int c, id;

	base_defaults(a);
	build_getopt(m, lo, sopt);
	opterr = 0;
#ifdef __GLIBC__
	optind = 0;	/* full reset, even after an aborted parse */
#else
	optind = 1;
#endif
	while ((c = getopt_long(argc, argv, sopt, lo, NULL)) != -1) {
		if (c == '?')
			bad_option(m, argv[optind - 1], optopt);
		if (c == ':') {
			const char *w = argv[optind - 1];

			if (w != NULL && w[0] == '-' && w[1] == '-')
				nd_usage("--%.*s: needs an argument",
				    (int)strcspn(w + 2, "="), w + 2);
			nd_usage("-%c: needs an argument", optopt);
		}
		if (c >= LONG_BASE)
			id = c - LONG_BASE;
		else
			for (id = 0; id < O_NROWS; id++)
				if (rows[id].key == c && takes(m, id))
					break;
		if (id >= O_NROWS)
			nd_usage("-%c: unknown option", c);
		take_row(m, id, optarg, a);
	}
	if (!a->help) {
		if (optind < argc)
			nd_usage("%s: unexpected argument (options take the "
			    "form --name VALUE; see netdemo %s --help)",
			    argv[optind], m->name);
		if (opts_given(a, O_HOST))
			host_port(a);
		check_shared(m, a);
	}
	/* Both ends of a round trip carry the --seq header. */
	if (a->rtt || a->echo)
		a->seq = true;
	if (a->family == AF_INET6 && !opts_given(a, O_HOST))
		a->host = "::1";
	if (m->defaults != NULL)
		m->defaults(a);
	if (!a->help && m->check != NULL)
		m->check(a);
}

static void
print_default(const struct nd_mode *m, int id, const struct nd_args *a,
    FILE *fp)
{
	const struct opt_row *r = &rows[id];
	const char *base = (const char *)a;

	switch (r->kind) {
	case K_INT:
	case K_PORT:
	case K_SIZE: {
		long long v;

		memcpy(&v, base + r->off, sizeof(v));
		if (r->unset != NULL && (v == 0 || (id == O_SIZE && v < 0)))
			fprintf(fp, " (default: %s)", r->unset);
		else
			fprintf(fp, " (default: %lld)", v);
		break;
	}
	case K_REAL: {
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
		break;
	}
	case K_FORMAT:
		fprintf(fp, " (default: %s)", out_format_name(a->format));
		break;
	case K_GROUP:
		if (a->ngroups > 0)
			fprintf(fp, " (default: %s%s)", a->groups[0],
			    (m->repeats & OPT(id)) ? "; may repeat" : "");
		break;
	case K_SET:
		if (id == O_LOOP || id == O_NO_LOOP)
			if (a->loop == (int)r->min)
				fprintf(fp, " (default)");
		break;
	default:
		break;
	}
}

/* "  -p, --port PORT" and its help. */
static void
help_line(const struct nd_mode *m, int id, const struct nd_args *a, FILE *fp)
{
	const struct opt_row *r = &rows[id];
	char lhs[48];

	snprintf(lhs, sizeof(lhs), "%c%c%c --%s%s%s", r->key ? '-' : ' ',
	    r->key ? r->key : ' ', r->key ? ',' : ' ', r->name,
	    r->arg ? " " : "", r->arg ? r->arg : "");
	fprintf(fp, "  %-26s %s", lhs, m != NULL ? row_help(m, id) : r->help);
	if (m != NULL && a != NULL)
		print_default(m, id, a, fp);
	fputc('\n', fp);
}

void
opts_help(const struct nd_mode *m, const struct nd_args *a, FILE *fp)
{
	char flags[32], *f = flags;

	for (int id = 0; id < O_NROWS; id++)
		if (takes(m, id) && rows[id].key && !rows[id].arg)
			*f++ = (char)rows[id].key;
	*f = '\0';
	fprintf(fp, "usage: netdemo %s [-%s]", m->name, flags);
	for (int id = 0; id < O_NROWS; id++) {
		const struct opt_row *r = &rows[id];

		if (!takes(m, id) || (r->key && !r->arg))
			continue;
		if (r->key)
			fprintf(fp, " [-%c %s]", r->key, r->arg);
		else if (r->arg)
			fprintf(fp, " [--%s %s]", r->name, r->arg);
		else
			fprintf(fp, " [--%s]", r->name);
	}
	fprintf(fp, "\n\n%s: %s\n\noptions:\n", m->name, m->summary);
	for (int id = 0; id < O_NROWS; id++)
		if (takes(m, id))
			help_line(m, id, a, fp);
	fprintf(fp, "\nexit status: 0 done, 1 run-time error, 2 usage error, "
	    "3 the run fell short of what was asked\n"
	    "\nSee netdemo(1) for details.\n");
}

bool
opts_info(const struct nd_mode *m, int id, struct opt_info *oi)
{
	static char formats[32];

	if (id < 0 || id >= O_NROWS || (m != NULL && !takes(m, id)))
		return false;
	if (formats[0] == '\0')
		snprintf(formats, sizeof(formats), "%s %s %s %s",
		    out_format_name(FMT_TEXT), out_format_name(FMT_RAW),
		    out_format_name(FMT_HEX), out_format_name(FMT_JSON));
	oi->name = rows[id].name;
	oi->key = rows[id].key;
	oi->arg = rows[id].arg;
	oi->help = m != NULL ? row_help(m, id) : rows[id].help;
	oi->values = rows[id].kind == K_FORMAT ? formats : NULL;
	oi->excl = rows[id].excl;
	oi->repeats = rows[id].kind == K_COUNT ||
	    (m != NULL && (m->repeats & OPT(id)));
	return true;
}

void
opts_help_shared(FILE *fp)
{
	for (int id = 0; id < O_NROWS; id++)
		if (OPTS_SHARED & OPT(id))
			help_line(NULL, id, NULL, fp);
}
