/*
 * fuzz_gro.c: the split of a coalesced UDP GRO read into its datagrams,
 * against a reference loop.  For any length, segment size (0 and larger
 * than the read included) and -b cap, the datagrams must tile the read
 * exactly, each at most a segment long and only the last shorter, each
 * cut to the cap and no byte read past the buffer; and the segment size
 * is read from any control data without reading past it.
 */
#include <sys/socket.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "gro.h"

/* The datagrams of a read by arithmetic, the way the kernel cut them. */
static size_t
ref_count(size_t total, size_t seg)
{
	if (total == 0 || seg == 0 || seg >= total)
		return 1;
	return (total + seg - 1) / seg;
}

static void
check_split(const unsigned char *buf, size_t total, size_t seg, size_t cap)
{
	static unsigned char copy[GRO_BUF];
	size_t unit = seg == 0 || seg > total ? total : seg;
	size_t want = ref_count(total, seg), n = 0, end = 0;
	struct gro_iter it;
	struct gro_piece p;

	gro_start(&it, total, seg, cap);
	while (gro_next(&it, &p)) {
		size_t off = n * unit;
		size_t wire = total - off < unit ? total - off : unit;

		FUZZ_ASSERT(n < want);
		/* The reference: piece n starts n segments in. */
		FUZZ_ASSERT(p.off == off && p.wire == wire);
		FUZZ_ASSERT(p.len == (wire < cap ? wire : cap));
		/* Tiled: each starts where the one before ended. */
		FUZZ_ASSERT(p.off == end);
		FUZZ_ASSERT(p.wire <= unit);
		FUZZ_ASSERT(p.wire > 0 || total == 0);
		/* Only the last may be shorter than a segment. */
		FUZZ_ASSERT(p.wire == unit || p.off + p.wire == total);
		FUZZ_ASSERT(p.len <= p.wire && p.off + p.len <= total);
		memcpy(copy, buf + p.off, p.len);	/* ASan: no overrun */
		end = p.off + p.wire;
		n++;
	}
	FUZZ_ASSERT(n == want);
	FUZZ_ASSERT(end == total);
	/* Finished stays finished. */
	FUZZ_ASSERT(!gro_next(&it, &p));
}

/* Control data of n bytes from the input: the segment size, if any. */
static void
check_cmsg(const uint8_t *data, size_t n)
{
	struct msghdr msg;
	void *cm;
	size_t seg;

	/* malloc'd: aligned for cmsghdr, and ASan guards its end. */
	if ((cm = malloc(n > 0 ? n : 1)) == NULL)
		return;
	memcpy(cm, data, n);
	memset(&msg, 0, sizeof(msg));
	msg.msg_control = n > 0 ? cm : NULL;
	msg.msg_controllen = n;
	seg = gro_segment(&msg);
	FUZZ_ASSERT(seg <= INT32_MAX);
	free(cm);
}

/*
 * The input: the read's length (2 bytes), the segment size (2), the cap
 * (3: -b goes to 16 MiB), then control data for gro_segment().
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t total, seg, cap;
	unsigned char *buf;

	if (size < 7)
		return 0;
	total = (size_t)data[0] << 8 | data[1];
	seg = (size_t)data[2] << 8 | data[3];
	cap = (size_t)data[4] << 16 | (size_t)data[5] << 8 | data[6];
	/* Exactly total bytes, so that ASan sees a byte read past them. */
	if ((buf = malloc(total > 0 ? total : 1)) == NULL)
		return 0;
	memset(buf, 'x', total);
	check_split(buf, total, seg, cap);
	free(buf);
	check_cmsg(data + 7, size - 7);
	return 0;
}
