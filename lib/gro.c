/* gro.c: UDP GRO's coalesced reads, and their split into datagrams. */
#include <sys/socket.h>
#include <netinet/in.h>
#ifdef __linux__
#include <netinet/udp.h>
#endif

#include <string.h>

#include "call.h"
#include "gro.h"

bool
gro_enable(int fd)
{
#if defined(__linux__) && defined(UDP_GRO)
	int one = 1;

	/* ENOPROTOOPT before Linux 5.0: each read stays one datagram. */
	return c_setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof(one)) == 0;
#else
	(void)fd;
	return false;
#endif
}

size_t
gro_segment(struct msghdr *m)
{
#if defined(__linux__) && defined(UDP_GRO)
	const unsigned char *end;
	int seg;

	if (m->msg_control == NULL)
		return 0;
	end = (const unsigned char *)m->msg_control + m->msg_controllen;
	/* The value is read only where the buffer holds it. */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c != NULL;
	    c = CMSG_NXTHDR(m, c))
		if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO &&
		    c->cmsg_len >= CMSG_LEN(sizeof(seg)) &&
		    CMSG_DATA(c) + sizeof(seg) <= end) {
			memcpy(&seg, CMSG_DATA(c), sizeof(seg));
			return seg > 0 ? (size_t)seg : 0;
		}
#else
	(void)m;
#endif
	return 0;
}

void
gro_start(struct gro_iter *it, size_t total, size_t seg, size_t cap)
{
	it->total = total;
	/* No segment size, or one the read does not exceed: one datagram. */
	it->seg = seg == 0 || seg > total ? total : seg;
	it->cap = cap;
	it->off = 0;
	it->done = false;
}

bool
gro_next(struct gro_iter *it, struct gro_piece *p)
{
	size_t left = it->total - it->off;

	/* An empty read is one empty datagram, not none. */
	if (it->done || (left == 0 && it->total > 0))
		return false;
	p->off = it->off;
	p->wire = left < it->seg ? left : it->seg;
	p->len = p->wire < it->cap ? p->wire : it->cap;
	it->off += p->wire;
	it->done = it->off >= it->total;
	return true;
}

const char *
gro_features(void)
{
#if defined(__linux__) && defined(UDP_GRO)
	return "udp-gro";
#else
	return "";
#endif
}
