/*
 * fuzz_seq.c: the --seq header parser and the loss accounting.  A header
 * that parses must be rebuilt byte for byte by seq_header(); any stream
 * of sequence numbers must keep the counters consistent.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "stats.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct seqstat q;
	uint64_t seq, n = 0;
	int64_t us;
	char hdr[SEQ_HDR_LEN];

	if (seq_parse(data, size, &seq, &us) == SEQ_HDR_LEN) {
		seq_header(hdr, seq, us);
		FUZZ_ASSERT(memcmp(hdr, data, SEQ_HDR_LEN) == 0);
	}
	/* The rest as 3-byte sequence numbers near each other. */
	memset(&q, 0, sizeof(q));
	for (size_t i = 0; i + 3 <= size; i += 3, n++) {
		uint64_t s = (uint64_t)data[i] << 16 | (uint64_t)data[i + 1] << 8
		    | data[i + 2];

		seq_account(&q, s, 1000, 1000 + (int64_t)(data[i] & 15));
		FUZZ_ASSERT(q.first <= s || q.highest - s >= SEQ_WINDOW);
		FUZZ_ASSERT(q.highest >= s);
	}
	if (n > 0) {
		FUZZ_ASSERT(q.unique + q.duplicated == n);
		FUZZ_ASSERT(seq_lost(&q) <= q.highest - q.first + 1);
		FUZZ_ASSERT(seq_loss_pct(&q) >= 0 && seq_loss_pct(&q) <= 100);
		FUZZ_ASSERT(q.lat_min >= 0 && q.lat_max <= 15);
	}
	return 0;
}
