/*
 * units.c: parses the sizes and rates of the command line and formats
 * bytes, rates and durations for summaries, with libc alone (no libm).
 */
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "units.h"

#define DIGITS		"0123456789"
#define INT_DIGITS	19	/* 10^19 - 1 fits an unsigned long long */
#define RATE_MAX_DGRAMS	1e9
#define RATE_MAX_BITS	1e12

/* A decimal number as typed: digits, then "." and digits, or not. */
struct num {
	const char	*ip, *fp;	/* integer and fraction digits */
	size_t		 ni, nf;
	const char	*end;		/* what follows the number */
};

/*
 * Scan digits with an optional fraction; both sides of the point need a
 * digit, so ".5" and "5." are not numbers: a stray point is more likely
 * a typo than a shorthand.  Returns -1 if s does not start with one.
 */
static int
scan_num(const char *s, struct num *n)
{
	n->ip = s;
	n->ni = strspn(s, DIGITS);
	if (n->ni == 0)
		return -1;
	s += n->ni;
	n->fp = s;
	n->nf = 0;
	if (*s == '.') {
		n->fp = ++s;
		n->nf = strspn(s, DIGITS);
		if (n->nf == 0)
			return -1;
		s += n->nf;
	}
	n->end = s;
	return 0;
}

/*
 * The integer digits without their leading zeros, or -1 past INT_DIGITS:
 * a limit on the count of digits is what keeps the loops below free of
 * overflow for any input length.
 */
static int
int_digits(const struct num *n, const char **p)
{
	size_t i = 0;

	while (i + 1 < n->ni && n->ip[i] == '0')
		i++;
	*p = n->ip + i;
	return n->ni - i > INT_DIGITS ? -1 : (int)(n->ni - i);
}

/*
 * m times 0.f1f2...fn, the way one multiplies on paper: from the last
 * digit, each digit times m plus the carry; the product's digits below
 * the point are the remainders, so it is whole iff they are all 0.  The
 * carry stays below m, so any count of digits is exact, even those a
 * binary prefix needs (2^-30 has 30 of them).
 */
static bool
frac_times(const char *f, size_t n, unsigned long long m,
    unsigned long long *whole)
{
	unsigned long long carry = 0, v;
	bool exact = true;

	while (n-- > 0) {
		v = (unsigned long long)(f[n] - '0') * m + carry;
		if (v % 10 != 0)
			exact = false;
		carry = v / 10;
	}
	*whole = carry;
	return exact;
}

static const struct {
	const char		*name;
	unsigned long long	 mult;
} size_prefix[] = {
	{ "", 1 },
	{ "k", 1000 }, { "K", 1000 }, { "M", 1000000 }, { "G", 1000000000 },
	{ "Ki", 1ULL << 10 }, { "Mi", 1ULL << 20 }, { "Gi", 1ULL << 30 },
};

int
units_size(const char *s, long long min, long long max, long long *out,
    const char **why)
{
	struct num n;
	unsigned long long mult = 0, frac, ip = 0;
	const char *d;
	size_t i, len;
	int nd;

	*why = "not a size";
	if (scan_num(s, &n) < 0)
		return -1;
	/* The whole tail must be a prefix and maybe "B": "5kk" is not. */
	for (i = 0; i < sizeof(size_prefix) / sizeof(size_prefix[0]); i++) {
		len = strlen(size_prefix[i].name);
		if (strncmp(n.end, size_prefix[i].name, len) == 0 &&
		    (strcmp(n.end + len, "") == 0 ||
		    strcmp(n.end + len, "B") == 0)) {
			mult = size_prefix[i].mult;
			break;
		}
	}
	if (mult == 0)
		return -1;
	if (!frac_times(n.fp, n.nf, mult, &frac)) {
		*why = "not a whole number of bytes";
		return -1;
	}
	*why = "out of range";
	if ((nd = int_digits(&n, &d)) < 0)
		return -1;
	while (nd-- > 0)
		ip = ip * 10 + (unsigned long long)(*d++ - '0');
	/* ip < 10^19 and frac < mult: neither side of this overflows. */
	if (ip > (LLONG_MAX - frac) / mult)
		return -1;
	ip = ip * mult + frac;
	if ((long long)ip < min || (long long)ip > max)
		return -1;
	*out = (long long)ip;
	return 0;
}

/*
 * The number times mult as a double: its first INT_DIGITS significant
 * digits exactly in an integer, times mult, then the point placed by one
 * division by a power of ten built by multiplying (exact up to 10^22, a
 * few ulps off beyond; pow() would need libm).  Multiplying first keeps
 * "1.001k" at 1001, where 1.001 * 1000 is 1000.9999999999999.
 */
static double
num_value(const struct num *n, double mult)
{
	unsigned long long m = 0;
	double p = 1;
	long shift = 0;
	int sig = 0;
	size_t i;

	/* The caller has checked for at most INT_DIGITS integer digits. */
	for (i = 0; i < n->ni; i++)
		if (m != 0 || n->ip[i] != '0') {
			m = m * 10 + (unsigned long long)(n->ip[i] - '0');
			sig++;
		}
	for (i = 0; i < n->nf && sig < INT_DIGITS; i++) {
		if (m != 0 || n->fp[i] != '0')
			sig++;
		m = m * 10 + (unsigned long long)(n->fp[i] - '0');
		shift++;
	}
	/* Past 10^308 p is inf and the value 0: out of range. */
	while (shift-- > 0 && p <= DBL_MAX)
		p *= 10;
	return (double)m * mult / p;
}

static const struct {
	const char	*name;
	bool		 bits;
} rate_unit[] = {
	{ "", true }, { "bps", true }, { "bit/s", true },
	{ "/s", false }, { "pps", false },
};

int
units_rate(const char *s, struct rate *out, const char **why)
{
	struct num n;
	const char *u, *d;
	double mult = 1, v;
	size_t i;

	*why = "not a rate";
	if (scan_num(s, &n) < 0)
		return -1;
	u = n.end;
	if (*u == 'k' || *u == 'K')
		mult = 1e3;
	else if (*u == 'M')
		mult = 1e6;
	else if (*u == 'G')
		mult = 1e9;
	if (mult > 1)
		u++;
	for (i = 0; i < sizeof(rate_unit) / sizeof(rate_unit[0]); i++)
		if (strcmp(u, rate_unit[i].name) == 0)
			break;
	if (i == sizeof(rate_unit) / sizeof(rate_unit[0]))
		return -1;
	*why = "out of range";
	if (int_digits(&n, &d) < 0)
		return -1;
	v = num_value(&n, mult);
	/* Written so that NaN fails too, though no input makes one. */
	if (!(v > 0 && v <= (rate_unit[i].bits ? RATE_MAX_BITS :
	    RATE_MAX_DGRAMS)))
		return -1;
	out->per_s = v;
	out->bits = rate_unit[i].bits;
	return 0;
}

#define NPREFIX	7	/* none, k, M, G, T, P, E */

/* Negative, NaN and infinite values are not measurements. */
static bool
bad(double v)
{
	return !(v >= 0 && v <= DBL_MAX);
}

/*
 * Divide v by 1000 until it prints below 1000: base units print as
 * integers, so 999.5 rounds up to the next prefix; prefixed values print
 * below top (999.5 at 3 significant digits, 999.95 with one decimal).
 * Returns the prefix's index, or NPREFIX when E is not enough.
 */
static int
si_scale(double *v, double top)
{
	int i = 0;

	while (*v >= (i == 0 ? 999.5 : top)) {
		if (++i == NPREFIX)
			return NPREFIX;
		*v /= 1000;
	}
	return i;
}

/*
 * v in [0.9995, 999.5) to 3 significant digits: "1.50", "15.0", "150".
 * The bounds are where printf's rounding would add a digit ("9.995" to
 * "%.2f" is "10.00"), so no output has four.
 */
static const char *
sig3(char *buf, size_t cap, double v, const char *unit)
{
	if (v < 9.995)
		snprintf(buf, cap, "%.2f %s", v, unit);
	else if (v < 99.95)
		snprintf(buf, cap, "%.1f %s", v, unit);
	else
		snprintf(buf, cap, "%.0f %s", v, unit);
	return buf;
}

/* -0.0 passes bad() and would print as "-0". */
static double
unsigned_zero(double v)
{
	return v == 0 ? 0 : v;
}

const char *
units_bytes(char *buf, size_t cap, double bytes)
{
	static const char *const unit[NPREFIX] =
	    { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
	int i;

	if (bad(bytes)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	bytes = unsigned_zero(bytes);
	if ((i = si_scale(&bytes, 999.5)) == NPREFIX)
		snprintf(buf, cap, ">999 EB");
	else if (i == 0)
		snprintf(buf, cap, "%.0f B", bytes);
	else
		sig3(buf, cap, bytes, unit[i]);
	return buf;
}

const char *
units_bits(char *buf, size_t cap, double bits_per_s)
{
	static const char *const unit[NPREFIX] = { "bit/s", "kbit/s",
	    "Mbit/s", "Gbit/s", "Tbit/s", "Pbit/s", "Ebit/s" };
	int i;

	if (bad(bits_per_s)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	bits_per_s = unsigned_zero(bits_per_s);
	if ((i = si_scale(&bits_per_s, 999.95)) == NPREFIX)
		snprintf(buf, cap, ">999.9 Ebit/s");
	else if (i == 0)
		snprintf(buf, cap, "%.0f bit/s", bits_per_s);
	else
		snprintf(buf, cap, "%.1f %s", bits_per_s, unit[i]);
	return buf;
}

const char *
units_byte_rate(char *buf, size_t cap, double bytes_per_s)
{
	char b[UNITS_MAX], r[UNITS_MAX];

	if (bad(bytes_per_s)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	/* Past DBL_MAX / 8 the bits would be inf, which prints "-". */
	snprintf(buf, cap, "%s/s (%s)", units_bytes(b, sizeof(b), bytes_per_s),
	    units_bits(r, sizeof(r), bytes_per_s > DBL_MAX / 8 ? DBL_MAX :
	    bytes_per_s * 8));
	return buf;
}

const char *
units_msg_rate(char *buf, size_t cap, double per_s)
{
	static const char *const unit[NPREFIX] = { "msg/s", "k msg/s",
	    "M msg/s", "G msg/s", "T msg/s", "P msg/s", "E msg/s" };
	int i;

	if (bad(per_s)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	per_s = unsigned_zero(per_s);
	/* A slow sender's 0.5/s must not print as "0" or "1". */
	if (per_s < 9.995) {
		snprintf(buf, cap, "%.2f msg/s", per_s);
		return buf;
	}
	if ((i = si_scale(&per_s, 999.5)) == NPREFIX)
		snprintf(buf, cap, ">999 E msg/s");
	else if (i == 0)
		snprintf(buf, cap, "%.0f msg/s", per_s);
	else
		sig3(buf, cap, per_s, unit[i]);
	return buf;
}

const char *
units_usec(char *buf, size_t cap, double us)
{
	double v;

	if (bad(us)) {
		snprintf(buf, cap, "-");
		return buf;
	}
	us = unsigned_zero(us);
	if (us < 999.5) {
		snprintf(buf, cap, "%.0f us", us);
		return buf;
	}
	if ((v = us / 1e3) < 999.5)
		return sig3(buf, cap, v, "ms");
	v = us / 1e6;
	if (v < 9.995)
		snprintf(buf, cap, "%.2f s", v);
	else if (v < 999999999999.95)
		snprintf(buf, cap, "%.1f s", v);
	else
		/* 31,700 years: a clock gone wrong; keep it in UNITS_MAX. */
		snprintf(buf, cap, ">999999999999.9 s");
	return buf;
}

const char *
units_count(char *buf, size_t cap, unsigned long long n, const char *word)
{
	snprintf(buf, cap, "%llu %s%s", n, word, n == 1 ? "" : "s");
	return buf;
}
