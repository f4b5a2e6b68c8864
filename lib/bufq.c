/* bufq.c: a byte queue that gives its memory back once it is empty. */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "call.h"
#include "bufq.h"

size_t
bufq_len(const struct bufq *q)
{
	return q->len - q->off;
}

int
bufq_add(struct bufq *q, const void *p, size_t n)
{
	if (q->cap - q->len < n) {
		size_t pending = q->len - q->off, cap = q->cap ? q->cap : 4096;
		char *b;

		if (q->off > 0) {
			memmove(q->buf, q->buf + q->off, pending);
			q->off = 0;
			q->len = pending;
		}
		while (cap - q->len < n)
			cap *= 2;
		if (cap != q->cap) {
			if ((b = realloc(q->buf, cap)) == NULL)
				return -1;
			q->buf = b;
			q->cap = cap;
		}
	}
	memcpy(q->buf + q->len, p, n);
	q->len += n;
	return 0;
}

ssize_t
bufq_send(struct bufq *q, int fd)
{
	ssize_t sent = 0;

	while (q->off < q->len) {
		ssize_t w = c_send(fd, q->buf + q->off, q->len - q->off,
		    MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -1;
		}
		q->off += (size_t)w;
		sent += w;
	}
	if (q->off == q->len)
		bufq_free(q);	/* nothing in flight: hold no memory */
	return sent;
}

void
bufq_free(struct bufq *q)
{
	free(q->buf);
	q->buf = NULL;
	q->off = q->len = q->cap = 0;
}
