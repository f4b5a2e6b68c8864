/*
 * fuzz_hist.c: the latency histogram against the plain sorted values.
 * Any stream of values, negative and past HIST_MAX_US included, must
 * give the exact count, min, max and sum, percentiles within a bucket
 * of the true ones, a merge of two halves equal to the whole, and a
 * chart whose rows fit and count every value once.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "hist.h"

#define VALS_MAX	4096

struct chart {
	int		 lines, rows, width;
	uint64_t	 counted;
	char		 last[HIST_LINE_MAX];
};

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * A record is 4 bytes: one picks a scale, three give a 24-bit m.  The
 * scales reach the exact range, each power of two's edges, a narrow
 * cluster, 0-200 s, negatives and HIST_MAX_US's neighbourhood.
 */
static int64_t
value(const uint8_t *r)
{
	int64_t m = (int64_t)r[1] << 16 | (int64_t)r[2] << 8 | r[3];

	switch (r[0] % 8) {
	case 0:
		return m & 0xff;
	case 1:
		return m >> 8;
	case 2:
		return m;
	case 3:
		return m * 12;
	case 4:
		return -m - 1;
	case 5:
		return HIST_MAX_US - 128 + (m & 0xff);
	case 6:
		return 1000 + m % 1001;
	default:
		return ((int64_t)1 << (m % 28)) + (m >> 5) % 3 - 1;
	}
}

/* Each line: short enough, a bar of exactly width columns, a count. */
static void
emit(void *arg, const char *line)
{
	struct chart *c = arg;
	const char *bar, *end;
	size_t len = strlen(line);

	FUZZ_ASSERT(len < 160 && len < HIST_LINE_MAX);
	FUZZ_ASSERT(strchr(line, '\n') == NULL);
	bar = strchr(line, '|');
	FUZZ_ASSERT(bar != NULL);
	end = strchr(bar + 1, '|');
	FUZZ_ASSERT(end != NULL && end - bar - 1 == c->width);
	FUZZ_ASSERT(strspn(bar + 1, "#") + strspn(bar + 1 +
	    strspn(bar + 1, "#"), " ") == (size_t)c->width);
	c->counted += strtoull(end + 1, NULL, 10);
	c->lines++;
	memcpy(c->last, line, len + 1);
}

static int
clamp(int v, int lo, int hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hist h, ha, hb;
	static int64_t v[VALS_MAX];
	static const struct {
		double	 p;
		uint64_t pm;	/* p in thousandths of a percent */
	} pcts[] = {
		{ 50, 50000 }, { 90, 90000 }, { 99, 99000 },
		{ 99.9, 99900 }, { 100, 100000 },
	};
	struct hist_pcts hp;
	struct chart c;
	int64_t got, truth, prev;
	size_t n = 0;
	double sum = 0;
	int lines, rows, width;

	if (size < 2)
		return 0;
	hist_reset(&h);
	hist_reset(&ha);
	hist_reset(&hb);
	for (size_t i = 2; i + 4 <= size && n < VALS_MAX; i += 4)
		v[n++] = value(data + i);
	for (size_t i = 0; i < n; i++) {
		hist_add(&h, v[i]);
		hist_add(i < n / 2 ? &ha : &hb, v[i]);
		/* What the histogram keeps of a value: below 0 is 0. */
		if (v[i] < 0)
			v[i] = 0;
		sum += (double)v[i];
	}
	FUZZ_ASSERT(h.n == n);
	if (n == 0) {
		memset(&c, 0, sizeof(c));
		FUZZ_ASSERT(hist_pct(&h, 50) == 0 && hist_mean(&h) == 0);
		FUZZ_ASSERT(hist_chart(&h, 12, 40, emit, &c) == 0);
		return 0;
	}
	qsort(v, n, sizeof(v[0]), cmp_i64);
	FUZZ_ASSERT(h.min == v[0] && h.max == v[n - 1]);
	/* Whole numbers below 2^53: the sum is exact in any order. */
	FUZZ_ASSERT(h.sum == sum);
	FUZZ_ASSERT(hist_mean(&h) == sum / (double)n);

	/*
	 * The true value at rank ceil(p / 100 * n), or the top of its bucket:
	 * exact below 256, less than 1/128 above it, max past HIST_MAX_US.
	 */
	prev = 0;
	for (size_t k = 0; k < sizeof(pcts) / sizeof(pcts[0]); k++) {
		truth = v[(pcts[k].pm * n + 99999) / 100000 - 1];
		got = hist_pct(&h, pcts[k].p);
		if (truth < 256)
			FUZZ_ASSERT(got == truth);
		else if (truth <= HIST_MAX_US)
			FUZZ_ASSERT(truth <= got && got - truth < truth / 128);
		else
			FUZZ_ASSERT(got == h.max);
		FUZZ_ASSERT(got >= prev && got <= h.max && got >= h.min);
		prev = got;
	}
	FUZZ_ASSERT(hist_pct(&h, 100) == h.max);
	FUZZ_ASSERT(hist_pct(&h, 250) == h.max);
	FUZZ_ASSERT(hist_pct(&h, 0) >= h.min && hist_pct(&h, -1) ==
	    hist_pct(&h, 0) && hist_pct(&h, 0) <= hist_pct(&h, 0.001));
	/* Monotone between the fixed points too (a coarse sweep: speed). */
	prev = 0;
	for (int k = 1; k <= 40; k++) {
		got = hist_pct(&h, k * 2.5 - 0.1);
		FUZZ_ASSERT(got >= prev);
		prev = got;
	}
	hist_pcts(&h, &hp);
	FUZZ_ASSERT(hp.min == h.min && hp.max == h.max);
	FUZZ_ASSERT(hp.p50 == hist_pct(&h, 50) && hp.p90 == hist_pct(&h, 90));
	FUZZ_ASSERT(hp.p99 == hist_pct(&h, 99));
	FUZZ_ASSERT(hp.p999 == hist_pct(&h, 99.9));
	FUZZ_ASSERT(hp.p50 <= hp.p90 && hp.p90 <= hp.p99 &&
	    hp.p99 <= hp.p999 && hp.p999 <= hp.max);
	FUZZ_ASSERT(hp.avg == hist_mean(&h));

	/* The two halves merged are the whole, whichever side was empty. */
	hist_merge(&ha, &hb);
	FUZZ_ASSERT(ha.n == h.n && ha.min == h.min && ha.max == h.max);
	FUZZ_ASSERT(ha.sum == h.sum);
	FUZZ_ASSERT(memcmp(ha.b, h.b, sizeof(h.b)) == 0);
	hist_reset(&hb);
	hist_merge(&hb, &h);
	hist_merge(&hb, &ha);
	FUZZ_ASSERT(hb.n == 2 * h.n && hb.min == h.min && hb.max == h.max);
	hist_reset(&ha);
	hist_merge(&h, &ha);
	FUZZ_ASSERT(h.n == n);

	/* rows and width out of range are clamped, not trusted. */
	memset(&c, 0, sizeof(c));
	rows = (int)(data[0] % 72) - 2;
	width = (int)(data[1] % 110) - 2;
	c.rows = clamp(rows, 1, HIST_CHART_ROWS_MAX);
	c.width = clamp(width, 1, HIST_CHART_WIDTH_MAX);
	lines = hist_chart(&h, rows, width, emit, &c);
	FUZZ_ASSERT(lines == c.lines);
	FUZZ_ASSERT(lines >= 1 && lines <= c.rows);
	FUZZ_ASSERT(c.counted == n);
	FUZZ_ASSERT(strstr(c.last, "100.0%") != NULL);
	if (h.min == h.max)
		FUZZ_ASSERT(lines == 1);
	return 0;
}
