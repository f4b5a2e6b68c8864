/*
 * hist.c: a log-linear histogram of microsecond values in fixed memory
 * (after HdrHistogram), its percentiles and its text chart.  Integer
 * math and plain double arithmetic only: netdemo links no libm.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hist.h"

#define SUB_BITS	7		/* 128 buckets per power of two */
#define SUB		(1 << SUB_BITS)
#define EXACT		256		/* 2 * SUB: 0-255, a bucket per value */
#define OVER_BUCKET	(HIST_BUCKETS - 1)

/*
 * HIST_MAX_US lies in [2^26, 2^27): its bucket is the last but one, so
 * that the last holds nothing but values above it.
 */
_Static_assert((26LL - SUB_BITS) * SUB + (HIST_MAX_US >> (26 - SUB_BITS)) ==
    HIST_BUCKETS - 2, "HIST_BUCKETS does not fit HIST_MAX_US");
_Static_assert((1LL << 26) <= HIST_MAX_US && HIST_MAX_US < (1LL << 27),
    "HIST_MAX_US moved to another power of two");

/*
 * For v in [2^k, 2^(k+1)), k >= 8, shifting out s = k - 7 bits leaves
 * m in [128, 256): bucket s * 128 + m.  Below 256 the same formula with
 * s = 0 gives v itself, so the two ranges meet without a gap.
 */
static int
bucket_of(int64_t v)
{
	int s;

	if (v < EXACT)
		return (int)v;
	if (v > HIST_MAX_US)
		return OVER_BUCKET;
	s = 63 - __builtin_clzll((unsigned long long)v) - SUB_BITS;
	return s * SUB + (int)(v >> s);
}

/*
 * The highest value bucket i holds.  The overflow bucket has no bound,
 * and the one below it ends at HIST_MAX_US, short of its width.
 */
static int64_t
bucket_high(int i)
{
	int64_t v;
	int s;

	if (i < EXACT)
		return i;
	if (i == OVER_BUCKET)
		return INT64_MAX;
	s = i / SUB - 1;
	v = ((int64_t)(i % SUB + SUB + 1) << s) - 1;
	return v < HIST_MAX_US ? v : HIST_MAX_US;
}

void
hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void
hist_add(struct hist *h, int64_t us)
{
	uint32_t *c;

	if (us < 0)
		us = 0;
	if (h->n == 0 || us < h->min)
		h->min = us;
	if (h->n == 0 || us > h->max)
		h->max = us;
	h->n++;
	h->sum += (double)us;
	c = &h->b[bucket_of(us)];
	if (*c < UINT32_MAX)
		(*c)++;
}

void
hist_merge(struct hist *dst, const struct hist *src)
{
	if (src->n == 0)
		return;
	if (dst->n == 0 || src->min < dst->min)
		dst->min = src->min;
	if (dst->n == 0 || src->max > dst->max)
		dst->max = src->max;
	dst->n += src->n;
	dst->sum += src->sum;
	for (int i = 0; i < HIST_BUCKETS; i++) {
		uint64_t c = (uint64_t)dst->b[i] + src->b[i];

		dst->b[i] = c < UINT32_MAX ? (uint32_t)c : UINT32_MAX;
	}
}

#define PPM_100		100000000ULL	/* 100% in millionths of a percent */

/*
 * ceil(p / 100 * n) in integers, p taken to a millionth of a percent:
 * in doubles, 99.9 / 100 * 1000 comes out a hair above 999 and its
 * ceiling one rank too high.  n is split so that nothing overflows.
 */
static uint64_t
pct_rank(uint64_t n, double p)
{
	uint64_t ppm;

	if (!(p > 0))		/* NaN too */
		ppm = 1;
	else if (p >= 100)
		ppm = PPM_100;
	else
		ppm = (uint64_t)(p * 1e6 + 0.5);
	if (ppm == 0)
		ppm = 1;
	return n / PPM_100 * ppm + ((n % PPM_100) * ppm + PPM_100 - 1) /
	    PPM_100;
}

int64_t
hist_pct(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	int64_t v;

	if (h->n == 0)
		return 0;
	rank = pct_rank(h->n, p);
	for (int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank) {
			v = bucket_high(i);
			if (v < h->min)
				v = h->min;
			return v > h->max ? h->max : v;
		}
	}
	/* Only saturated buckets sum to less than n. */
	return h->max;
}

double
hist_mean(const struct hist *h)
{
	return h->n ? h->sum / (double)h->n : 0;
}

void
hist_pcts(const struct hist *h, struct hist_pcts *out)
{
	memset(out, 0, sizeof(*out));
	if (h->n == 0)
		return;
	out->min = h->min;
	out->p50 = hist_pct(h, 50);
	out->p90 = hist_pct(h, 90);
	out->p99 = hist_pct(h, 99);
	out->p999 = hist_pct(h, 99.9);
	out->max = h->max;
	out->avg = hist_mean(h);
}

/*
 * The chart.  Row ends are first spaced evenly on a log scale from min
 * to max, then each is rounded to a multiple of a round unit (1, 2 or 5
 * times a power of ten) no more than half the step that led to it, so
 * that labels read "1060 us", not "1059 us", and rows stay near their
 * log width.  An end that falls into the bucket where the row before it
 * starts is dropped: counts are per bucket and that row would be empty.
 */

#define LABEL_MAX	32

/* Two labels, the bar, a 64-bit count and "100.0%" with their spacing. */
_Static_assert(2 * (LABEL_MAX - 1) + HIST_CHART_WIDTH_MAX + 20 + 6 + 8 <
    HIST_LINE_MAX, "HIST_LINE_MAX too short for a chart line");

/* The r with r^rows = ratio (>= 1), by bisection: no pow() without libm. */
static double
row_ratio(double ratio, int rows)
{
	double a = 1, z = ratio, m, p;

	/* 128 halvings narrow even [1, 2^63] below a double's precision. */
	for (int it = 0; it < 128; it++) {
		m = (a + z) / 2;
		p = 1;
		for (int k = 0; k < rows && p < ratio; k++)
			p *= m;
		if (p < ratio)
			a = m;
		else
			z = m;
	}
	return z;
}

/* The largest of 1, 2, 5, 10, 20, 50 ... not above step / 2, or 1. */
static int64_t
round_unit(double step)
{
	static const int mul[] = { 1, 2, 5 };
	int64_t u = 1, dec = 1;

	for (;;) {
		for (size_t i = 0; i < sizeof(mul) / sizeof(mul[0]); i++) {
			if ((double)(mul[i] * dec) > step / 2)
				return u;
			u = mul[i] * dec;
		}
		if (dec > INT64_MAX / 50)
			return u;
		dec *= 10;
	}
}

/*
 * Fill b[0..nr] with the row ends and start[0..nr] with the first bucket
 * of each row (start[nr] past the last); returns nr, the number of rows.
 * The first row starts at bucket 0 and the last runs to the end, so the
 * rows' counts add up to every bucket's.
 */
static int
chart_rows(const struct hist *h, int rows, int64_t *b, int *start)
{
	double lo = h->min > 0 ? (double)h->min : 1, r, raw = lo, prev;
	int64_t u, q, v;
	int nr = 0, last = bucket_of(h->min), i;

	r = (double)h->max > lo ? row_ratio((double)h->max / lo, rows) : 1;
	u = round_unit(lo * r - lo);
	b[0] = h->min / u * u;
	start[0] = 0;
	for (int j = 1; j < rows; j++) {
		prev = raw;
		raw *= r;
		if (raw >= (double)h->max)
			break;
		u = round_unit(raw - prev);
		q = (int64_t)(raw / (double)u + 0.5);
		if (q > h->max / u)
			break;
		v = q * u;
		if (v <= h->min || v <= b[nr] || (i = bucket_of(v)) <= last)
			continue;
		nr++;
		b[nr] = v;
		start[nr] = last = i;
	}
	/* max rounded up with the unit of the last step, if that fits. */
	u = round_unit((double)h->max - (double)h->max / r);
	q = h->max / u + (h->max % u != 0);
	nr++;
	b[nr] = q <= INT64_MAX / u ? q * u : h->max;
	start[nr] = HIST_BUCKETS;
	return nr;
}

/* v in us below 10 ms, ms below 10 s, s above; as many decimals as exact. */
static void
fmt_us(char *buf, size_t len, int64_t v)
{
	const char *unit = "us";
	int64_t div = 1, frac;
	int dec = 0;

	if (v >= 10000000) {
		div = 1000000;
		dec = 6;
		unit = "s";
	} else if (v >= 10000) {
		div = 1000;
		dec = 3;
		unit = "ms";
	}
	frac = v % div;
	if (frac == 0) {
		snprintf(buf, len, "%lld %s", (long long)(v / div), unit);
		return;
	}
	for (; frac % 10 == 0; frac /= 10)
		dec--;
	snprintf(buf, len, "%lld.%0*lld %s", (long long)(v / div), dec,
	    (long long)frac, unit);
}

static int
digits(uint64_t v)
{
	int d = 1;

	for (; v >= 10; v /= 10)
		d++;
	return d;
}

int
hist_chart(const struct hist *h, int rows, int width,
    void (*emit)(void *arg, const char *line), void *arg)
{
	int64_t b[HIST_CHART_ROWS_MAX + 1];
	int start[HIST_CHART_ROWS_MAX + 1];
	uint64_t cnt[HIST_CHART_ROWS_MAX], top = 0, cum = 0, total = 0;
	char lab[HIST_CHART_ROWS_MAX + 1][LABEL_MAX];
	char bar[HIST_CHART_WIDTH_MAX + 1], line[HIST_LINE_MAX];
	int nr, wl = 0, wc, len;

	if (h->n == 0)
		return 0;
	rows = rows < 1 ? 1 : rows > HIST_CHART_ROWS_MAX ?
	    HIST_CHART_ROWS_MAX : rows;
	width = width < 1 ? 1 : width > HIST_CHART_WIDTH_MAX ?
	    HIST_CHART_WIDTH_MAX : width;
	nr = chart_rows(h, rows, b, start);
	for (int j = 0; j < nr; j++) {
		cnt[j] = 0;
		for (int i = start[j]; i < start[j + 1]; i++)
			cnt[j] += h->b[i];
		if (cnt[j] > top)
			top = cnt[j];
		total += cnt[j];
	}
	for (int j = 0; j <= nr; j++) {
		fmt_us(lab[j], sizeof(lab[j]), b[j]);
		len = (int)strlen(lab[j]);
		if (len > wl)
			wl = len;
	}
	wc = digits(top);
	for (int j = 0; j < nr; j++) {
		/* Rounded to the nearest column, but a count is never blank. */
		len = top ? (int)((cnt[j] * (uint64_t)width + top / 2) / top) :
		    0;
		if (cnt[j] > 0 && len == 0)
			len = 1;
		memset(bar, '#', (size_t)len);
		memset(bar + len, ' ', (size_t)(width - len));
		bar[width] = '\0';
		cum += cnt[j];
		/* Of the buckets' total, which is n unless some saturated. */
		len = snprintf(line, sizeof(line), "%*s - %*s |%s| %*llu "
		    "%5.1f%%", wl, lab[j], wl, lab[j + 1], bar, wc,
		    (unsigned long long)cnt[j],
		    total ? 100.0 * (double)cum / (double)total : 0.0);
		if (len < 0)
			return j;
		emit(arg, line);
	}
	return nr;
}
