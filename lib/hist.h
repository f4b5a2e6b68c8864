/*
 * hist.h: a fixed-memory log-linear histogram of microsecond values
 * (HdrHistogram's idea, two significant digits), its percentiles and a
 * text chart of it.
 */
#ifndef ND_HIST_H
#define ND_HIST_H

#include <stdint.h>

/*
 * Values 0-255 us each have a bucket of their own; each range [2^k,
 * 2^(k+1)) above is split into 128 equal buckets, so a bucket is at most
 * 1/128 of its lower bound wide (error under 0.8%).  Buckets run up to
 * HIST_MAX_US (100 s, in [2^26, 2^27)): 256 + 18 * 128 + 63 of them,
 * and one more, the last, holds only the values above HIST_MAX_US.
 */
#define HIST_MAX_US	100000000LL
#define HIST_BUCKETS	2624

/*
 * The rows and columns hist_chart() will draw at most, and the length of
 * the longest line it emits (with its NUL).
 */
#define HIST_CHART_ROWS_MAX	64
#define HIST_CHART_WIDTH_MAX	100
#define HIST_LINE_MAX		256

/*
 * A plain struct, about 10 KB, so that callers embed it or calloc it; all
 * zeros is an empty histogram.  n, min, max and sum are exact: a value
 * below 0 is recorded as 0 (min, sum and bucket alike), one above
 * HIST_MAX_US lands in the last bucket but keeps its place in max and
 * sum.  A bucket saturates at UINT32_MAX; n does not.  min and max mean
 * nothing while n is 0.
 */
struct hist {
	uint64_t	 n;
	int64_t		 min, max;	/* microseconds */
	double		 sum;
	uint32_t	 b[HIST_BUCKETS];
};

/* The percentiles netdemo reports, in microseconds; avg is the mean. */
struct hist_pcts {
	int64_t		 min, p50, p90, p99, p999, max;
	double		 avg;
};

/* Empty h. */
void	hist_reset(struct hist *h);

/* Record one value of us microseconds. */
void	hist_add(struct hist *h, int64_t us);

/* Add everything recorded in src to dst; src is not changed. */
void	hist_merge(struct hist *dst, const struct hist *src);

/*
 * The value at percentile p (0 < p <= 100, in steps of a millionth of a
 * percent): the highest value of the bucket where the cumulative count
 * first reaches ceil(p / 100 * n), clamped into [min, max]; 0 when n is
 * 0.  It is monotone in p and hist_pct(h, 100) is max.  p at or below 0
 * (or NaN) reads as the smallest step, p above 100 as 100.
 */
int64_t	hist_pct(const struct hist *h, double p);

/* sum / n, 0 when h is empty. */
double	hist_mean(const struct hist *h);

/* min, p50, p90, p99, p99.9, max and the mean; all 0 when h is empty. */
void	hist_pcts(const struct hist *h, struct hist_pcts *out);

/*
 * A bar chart of the distribution for a human, one line per row:
 *
 *	"1200 us - 1600 us |##########            |  5012  50.1%"
 *
 * Each row is a range of values, from where the row above ends, in us
 * below 10 ms, ms below 10 s and s above; its bar of '#' scaled so that
 * the fullest row is width columns; its count; and the percentage of all
 * values up to its end.  Ranges are spaced on a log scale from min to
 * max, their ends rounded to round numbers, so any spread reads well; a
 * range narrower than a bucket merges with its neighbour, so all values
 * equal make one row.  A row's count is exact to its buckets: a value
 * within a bucket's width (0.8%) of a row's end may count in the next.
 *
 * At most rows lines (1 to HIST_CHART_ROWS_MAX) of at most width bars
 * (1 to HIST_CHART_WIDTH_MAX), both clamped into range.  Each line, NUL
 * terminated, without a newline and shorter than HIST_LINE_MAX, goes to
 * emit(arg, line); it is valid during the call only.  Returns the number
 * of lines emitted, 0 when h is empty.
 */
int	hist_chart(const struct hist *h, int rows, int width,
	    void (*emit)(void *arg, const char *line), void *arg);

#endif
