/*
 * fuzz_seq.c: the --seq header parser and the loss accounting.  A header
 * that parses must be rebuilt byte for byte by seq_header(); any stream
 * of sequence numbers, forged send times and the 12-digit wrap included,
 * must keep the invariants of stats.h.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "stats.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seqstat q;
	uint64_t seq, n = 0, base;
	int64_t us;
	char hdr[SEQ_HDR_LEN];

	if (seq_parse(data, size, &seq, &us) == SEQ_HDR_LEN) {
		seq_header(hdr, seq, us);
		FUZZ_ASSERT(memcmp(hdr, data, SEQ_HDR_LEN) == 0);
	}
	if (size < 1)
		return 0;
	/*
	 * The first byte picks where the stream starts: at 0, or just
	 * before the wire's wrap to 0.  The rest are 4-byte records: three
	 * bytes of offset from there (so streams jump back and forth, past
	 * the window too) and one of send time: below 128 a latency of that
	 * many us, else a send time in the future (clock skew).
	 */
	base = data[0] & 1 ? SEQ_MAX - 300000 : 0;
	memset(&q, 0, sizeof(q));
	for (size_t i = 1; i + 4 <= size; i += 4, n++) {
		uint64_t off = (uint64_t)data[i] << 16 |
		    (uint64_t)data[i + 1] << 8 | data[i + 2];
		uint64_t s = (base + off) % (SEQ_MAX + 1);
		int64_t t = data[i + 3];
		int64_t lat = seq_account(&q, s, 1000000,
		    t < 128 ? 1000000 + t : 1000000 - t);

		FUZZ_ASSERT(lat >= 0);
		FUZZ_ASSERT(q.first <= q.highest);
	}
	if (n == 0)
		return 0;
	/* Each datagram lands in exactly one of these. */
	FUZZ_ASSERT(q.unique + q.duplicated + q.stale == n);
	/* Received and lost cover the range exactly. */
	FUZZ_ASSERT(q.unique + seq_lost(&q) == q.highest - q.first + 1);
	FUZZ_ASSERT(q.out_of_order < q.unique);
	FUZZ_ASSERT(seq_loss_pct(&q) >= 0 && seq_loss_pct(&q) <= 100);
	FUZZ_ASSERT(q.lat_min >= 0 && q.lat_max <= 127);
	FUZZ_ASSERT(q.clock_skew <= n);
	return 0;
}
