/*
 * bufq.h: a byte queue that holds memory only while it holds bytes: what
 * a server has read from a client and not yet echoed back.
 */
#ifndef ND_BUFQ_H
#define ND_BUFQ_H

#include <stddef.h>
#include <sys/types.h>

struct bufq {
	char	*buf;		/* queued: buf[off, len) */
	size_t	 off, len, cap;
};

/* Bytes queued. */
size_t	bufq_len(const struct bufq *q);

/* Queue n bytes of p behind the rest; 0, or -1 (ENOMEM). */
int	bufq_add(struct bufq *q, const void *p, size_t n);

/*
 * send(2) what is queued on fd until it would block; the bytes sent, or
 * -1 with errno on an error other than EAGAIN.  An emptied queue frees
 * its memory.
 */
ssize_t	bufq_send(struct bufq *q, int fd);

void	bufq_free(struct bufq *q);

#endif
