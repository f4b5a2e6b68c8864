/*
 * fuzz_units.c: the size and rate parsers and the human formatters.  An
 * accepted size is in range, agrees with strtod times its prefix and
 * parses back from "%lld"; an accepted rate is above 0, within its limit,
 * agrees with strtod and parses back from "%.17g".  Any double, the
 * input's bytes taken as one, formats within UNITS_MAX with no "nan" or
 * "inf" and no more digits than the format allows.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "units.h"

#define IN_MAX	64

/*
 * The prefixes again, written apart from units.c's tables so that the
 * two can disagree; the number before them strtod reads (the parsers
 * accept no exponent, hex or "inf", so strtod's extras never apply).
 */
static double
size_mult(const char *p)
{
	static const struct {
		const char	*name;
		double		 mult;
	} t[] = {
		{ "", 1 }, { "B", 1 }, { "k", 1e3 }, { "kB", 1e3 },
		{ "K", 1e3 }, { "KB", 1e3 }, { "M", 1e6 }, { "MB", 1e6 },
		{ "G", 1e9 }, { "GB", 1e9 }, { "Ki", 1024 }, { "KiB", 1024 },
		{ "Mi", 1048576 }, { "MiB", 1048576 },
		{ "Gi", 1073741824 }, { "GiB", 1073741824 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(p, t[i].name) == 0)
			return t[i].mult;
	FUZZ_ASSERT(!"accepted size with an unknown suffix");
	return 0;
}

static double
rate_mult(const char *p)
{
	switch (*p) {
	case 'k':
	case 'K':
		return 1e3;
	case 'M':
		return 1e6;
	case 'G':
		return 1e9;
	default:
		return 1;
	}
}

static bool
near(double a, double b)
{
	double d = a > b ? a - b : b - a;

	return d <= 1e-9 * (a > b ? a : b);
}

static void
check_size(const char *s, long long min, long long max)
{
	long long v, back;
	const char *why, *why2;
	char num[32], *end;
	double oracle;

	if (units_size(s, min, max, &v, &why) < 0) {
		FUZZ_ASSERT(strcmp(why, "not a size") == 0 ||
		    strcmp(why, "not a whole number of bytes") == 0 ||
		    strcmp(why, "out of range") == 0);
		return;
	}
	FUZZ_ASSERT(v >= min && v <= max);
	oracle = strtod(s, &end) * size_mult(end);
	FUZZ_ASSERT(near((double)v, oracle));
	snprintf(num, sizeof(num), "%lld", v);
	FUZZ_ASSERT(units_size(num, min, max, &back, &why2) == 0);
	FUZZ_ASSERT(back == v);
}

static void
check_rate(const char *s)
{
	struct rate r, back;
	const char *why, *why2;
	char num[48], *end;
	double oracle;

	if (units_rate(s, &r, &why) < 0) {
		FUZZ_ASSERT(strcmp(why, "not a rate") == 0 ||
		    strcmp(why, "out of range") == 0);
		return;
	}
	FUZZ_ASSERT(r.per_s > 0 && r.per_s <= (r.bits ? 1e12 : 1e9));
	oracle = strtod(s, &end) * rate_mult(end);
	FUZZ_ASSERT(near(r.per_s, oracle));
	/* A bare number is bits/s; datagrams need their "/s" back. */
	snprintf(num, sizeof(num), r.bits ? "%.17g" : "%.17g/s", r.per_s);
	/* Below 1e-4 "%.17g" writes an exponent, which is not a rate. */
	if (strchr(num, 'e') != NULL)
		return;
	FUZZ_ASSERT(units_rate(num, &back, &why2) == 0);
	FUZZ_ASSERT(back.bits == r.bits && near(back.per_s, r.per_s));
}

/* Output of one formatter: fits, is "-" or a number, has few digits. */
static void
check_out(const char *out, int max_digits)
{
	int digits = 0;

	FUZZ_ASSERT(strlen(out) < UNITS_MAX);
	FUZZ_ASSERT(strstr(out, "nan") == NULL && strstr(out, "inf") == NULL);
	if (strcmp(out, "-") == 0)
		return;
	FUZZ_ASSERT((out[0] >= '0' && out[0] <= '9') || out[0] == '>');
	for (const char *p = out; *p != '\0' && *p != ' '; p++)
		digits += *p >= '0' && *p <= '9';
	FUZZ_ASSERT(max_digits == 0 || digits <= max_digits);
}

static void
check_formats(double v)
{
	char big[128], small[UNITS_MAX];

	/* Into a large buffer, to see what the output would need. */
	check_out(units_bytes(big, sizeof(big), v), 3);
	check_out(units_bits(big, sizeof(big), v), 4);
	check_out(units_msg_rate(big, sizeof(big), v), 3);
	check_out(units_byte_rate(big, sizeof(big), v), 3);
	check_out(units_usec(big, sizeof(big), v), 0);
	/* And at UNITS_MAX, where ASan watches the edge. */
	units_byte_rate(small, sizeof(small), v);
	FUZZ_ASSERT(strlen(small) < sizeof(small));
	units_usec(small, sizeof(small), v);
	FUZZ_ASSERT(strlen(small) < sizeof(small));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char s[IN_MAX + 1];
	struct rate r;
	long long v;
	double d;
	const char *why;

	/* The parsers take C strings: stop at a NUL, as argv would. */
	if (size > IN_MAX)
		size = IN_MAX;
	memcpy(s, data, size);
	s[size] = '\0';
	check_size(s, 0, 16 << 20);
	check_size(s, 0, LLONG_MAX);
	check_rate(s);
	if (units_size(s, 0, LLONG_MAX, &v, &why) == 0)
		check_formats((double)v);
	if (units_rate(s, &r, &why) == 0) {
		check_formats(r.per_s);
		check_formats(r.per_s / 8);
	}
	/*
	 * Any bit pattern (NaNs, infinities, negatives, subnormals), and as
	 * an integer, scaled down, for the values that summaries meet.
	 */
	for (size_t i = 0; i + sizeof(d) <= size; i += sizeof(d)) {
		uint64_t u;

		memcpy(&d, data + i, sizeof(d));
		memcpy(&u, data + i, sizeof(u));
		check_formats(d);
		check_formats((double)u);
		check_formats((double)(u >> (u & 63)) / 1000);
		FUZZ_ASSERT(strlen(units_count(s, sizeof(s), u, "message")) <
		    sizeof(s));
	}
	return 0;
}
