/* batch.c: datagrams sent several a call: UDP GSO messages, sendmmsg(2). */
/* glibc declares sendmmsg(2) and struct mmsghdr only under _GNU_SOURCE. */
#define _GNU_SOURCE

#include <sys/socket.h>
#include <netinet/in.h>
#ifdef __linux__
#include <netinet/udp.h>
#endif

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "batch.h"

#ifdef __linux__
/* A message's control data: its segment size. */
union gso_cm {
	struct cmsghdr	 align;		/* cmsghdr ends in a flexible array */
	char		 b[CMSG_SPACE(sizeof(uint16_t))];
};
#endif

enum batch_path
batch_path(int fd, bool no_batch)
{
#ifdef __linux__
#ifdef UDP_SEGMENT
	int v;
	socklen_t len = sizeof(v);

	/* ENOPROTOOPT before Linux 4.18. */
	if (!no_batch && c_getsockopt(fd, IPPROTO_UDP, UDP_SEGMENT, &v,
	    &len) == 0)
		return BATCH_GSO;
#else
	(void)fd;
#endif
	return no_batch ? BATCH_ONE : BATCH_MMSG;
#else
	(void)fd;
	(void)no_batch;
	return BATCH_ONE;
#endif
}

struct batch *
batch_new(enum batch_path p)
{
	struct batch *b = calloc(1, sizeof(*b));

	if (b == NULL)
		return NULL;
	b->path = p;
#ifdef __linux__
	b->mm = calloc(BATCH_MAX, sizeof(*b->mm));
	b->iov = calloc(BATCH_MAX, sizeof(*b->iov));
	b->cm = calloc(BATCH_MAX, sizeof(union gso_cm));
	if (b->mm == NULL || b->iov == NULL || b->cm == NULL) {
		batch_free(b);
		errno = ENOMEM;
		return NULL;
	}
#endif
	return b;
}

void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
#ifdef __linux__
	free(b->mm);
	free(b->iov);
	free(b->cm);
#endif
	free(b);
}

void
batch_clear(struct batch *b)
{
	b->used = 0;
	b->n = b->sent = b->nmsg = 0;
	b->open = false;
}

void
batch_add(struct batch *b, size_t len)
{
	int m = b->nmsg - 1;

	b->at[b->n] = b->used;
	b->len[b->n] = len;
	/*
	 * GSO cuts a message into segments of one size, the last maybe
	 * shorter but never empty: a datagram of that size joins the last
	 * message, a shorter one joins and ends it.
	 */
	if (b->open && len > 0 && len <= b->seg[m] &&
	    b->count[m] < GSO_SEGS && b->bytes[m] + len <= GSO_BYTES) {
		b->count[m]++;
		b->bytes[m] += len;
		b->open = len == b->seg[m];
	} else {
		m = b->nmsg++;
		b->first[m] = b->n;
		b->count[m] = 1;
		b->seg[m] = b->bytes[m] = len;
		b->open = b->path == BATCH_GSO && len > 0;
	}
	b->used += len;
	b->n++;
}

bool
batch_full(const struct batch *b, size_t room)
{
	int m = b->nmsg - 1;

	if (b->n >= (b->path == BATCH_ONE ? 1 : BATCH_MAX) ||
	    b->used + room > sizeof(b->buf))
		return true;
	return b->open && (b->count[m] == GSO_SEGS ||
	    b->bytes[m] + b->seg[m] > GSO_BYTES);
}

#ifdef __linux__
/* Message j of b as h, with its segment size if it holds several. */
static void
batch_msg(struct batch *b, int j, struct msghdr *h, struct iovec *iov,
    union gso_cm *cm)
{
	iov->iov_base = b->buf + b->at[b->first[j]];
	iov->iov_len = b->bytes[j];
	h->msg_iov = iov;
	h->msg_iovlen = 1;
#ifdef UDP_SEGMENT
	if (b->count[j] > 1) {
		uint16_t seg = (uint16_t)b->seg[j];

		h->msg_control = cm->b;
		h->msg_controllen = sizeof(cm->b);
		cm->align.cmsg_level = IPPROTO_UDP;
		cm->align.cmsg_type = UDP_SEGMENT;
		cm->align.cmsg_len = CMSG_LEN(sizeof(seg));
		memcpy(CMSG_DATA(&cm->align), &seg, sizeof(seg));
	}
#else
	(void)cm;
#endif
}
#endif

int
batch_send(struct batch *b, int fd, const struct sockaddr *to,
    socklen_t tolen, int m)
{
#ifdef __linux__
	union gso_cm *cm = b->cm;
	int k = b->nmsg - m;

	/* msg_name is not const: a copy of to. */
	if (to != NULL && tolen > sizeof(b->to))
		tolen = sizeof(b->to);
	if (to != NULL)
		memcpy(&b->to, to, tolen);
	for (int i = 0; i < k; i++) {
		struct msghdr *h = &b->mm[i].msg_hdr;

		memset(h, 0, sizeof(*h));
		if (to != NULL) {
			h->msg_name = &b->to;
			h->msg_namelen = tolen;
		}
		batch_msg(b, m + i, h, &b->iov[i], &cm[i]);
	}
	if (k == 1)
		return c_sendmsg(fd, &b->mm[0].msg_hdr, 0) < 0 ? -1 : 1;
	return c_sendmmsg(fd, b->mm, (unsigned)k, 0);
#else
	(void)b;
	(void)fd;
	(void)to;
	(void)tolen;
	(void)m;
	errno = ENOSYS;
	return -1;
#endif
}

bool
batch_gso_refused(struct batch *b, int m, int e)
{
	/*
	 * No UDP_SEGMENT (ENOPROTOOPT), a segment larger than the route's
	 * MTU (EINVAL) or a message too large (EMSGSIZE), a device without
	 * checksum offload (EIO).
	 */
	if (b->count[m] < 2 || (e != ENOPROTOOPT && e != EINVAL &&
	    e != EMSGSIZE && e != EIO))
		return false;
	for (int d = b->first[m]; d < b->n; d++, m++) {
		b->first[m] = d;
		b->count[m] = 1;
		b->seg[m] = b->bytes[m] = b->len[d];
	}
	b->nmsg = m;
	b->open = false;
	b->path = BATCH_MMSG;
	return true;
}

/* For --version: what this build can send with. */
const char *
batch_features(void)
{
#if defined(__linux__) && defined(UDP_SEGMENT)
	return "sendmmsg udp-gso";
#elif defined(__linux__)
	return "sendmmsg";
#else
	return "";
#endif
}
