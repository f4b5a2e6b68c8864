/*
 * units.h: sizes and rates as people type them on the command line
 * ("64KiB", "10M", "5kpps"), and byte counts, rates and durations as
 * people read them in summaries ("48.2 MB/s (385.6 Mbit/s)").
 */
#ifndef ND_UNITS_H
#define ND_UNITS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Parse a size in bytes: digits, an optional "." and more digits, an
 * optional prefix k, K, M, G (x1000, x1e6, x1e9: decimal, as iperf's) or
 * Ki, Mi, Gi (x1024, x1024^2, x1024^3), an optional "B": "512", "1.5k",
 * "64KiB", "1kB".  No sign, space, exponent, hex, "inf" or "nan"; ".5k"
 * and "5." are not sizes (a digit on both sides of the point); "ki",
 * "KIB" and "kb" (bits) are not prefixes.  The bytes must be whole
 * ("1.5k" is 1500, "1.0005k" is not) and in [min, max]; leading zeros
 * are allowed.  Checked in that order: form, wholeness, range.  Returns
 * 0 and the bytes in *out, or -1 and *why = "not a size", "not a whole
 * number of bytes" or "out of range" (a static string).
 */
int	units_size(const char *s, long long min, long long max, long long *out,
	    const char **why);

/* A target rate; bits: per_s is bits per second, else datagrams. */
struct rate {
	double	 per_s;
	bool	 bits;
};

/*
 * Parse a rate: a number as units_size() takes it, an optional decimal
 * prefix k, K, M, G, then "/s" or "pps" for datagrams per second
 * ("5000/s", "5kpps", "2.5k/s"), or nothing, "bps" or "bit/s" for bits
 * per second ("10M", "1000", "10Mbps", "10Mbit/s"; a bare number is
 * bits, as iperf's -b).  It must be above 0 ("0" is out of range) and at
 * most 1e9 datagrams/s or 1e12 bits/s.  Returns 0 and *out, or -1 and
 * *why = "not a rate" or "out of range".
 */
int	units_rate(const char *s, struct rate *out, const char **why);

/*
 * The formatters write into buf (cap bytes, snprintf's truncation) and
 * return buf, to be used as a printf argument.  Prefixes are decimal
 * (SI) up to E; a value past the largest prints as ">999 EB" and the
 * like; a negative, infinite or NaN value prints "-".  UNITS_MAX holds
 * the output of any of them but units_count().
 */
#define UNITS_MAX	32

/* Bytes, 3 significant digits: "512 B", "1.50 kB", "48.2 MB". */
const char *units_bytes(char *buf, size_t cap, double bytes);

/* Bytes per second and the bits: "48.2 MB/s (385.6 Mbit/s)". */
const char *units_byte_rate(char *buf, size_t cap, double bytes_per_s);

/* Bits per second, one decimal: "385.6 Mbit/s", "10.0 kbit/s", "512 bit/s". */
const char *units_bits(char *buf, size_t cap, double bits_per_s);

/*
 * Messages per second: "0.50 msg/s" and "2.00 msg/s" below 10, "950
 * msg/s" below 1000, then "1.25 k msg/s", "3.40 M msg/s".
 */
const char *units_msg_rate(char *buf, size_t cap, double per_s);

/*
 * A duration given in microseconds: "850 us" below 1 ms, "2.40 ms" and
 * "12.5 ms" below 1 s, "1.50 s" below 10 s, then "15.0 s", "125.0 s".
 */
const char *units_usec(char *buf, size_t cap, double us);

/* "1 message", "2 messages", "0 messages"; word is a regular singular. */
const char *units_count(char *buf, size_t cap, unsigned long long n,
	    const char *word);

#endif
