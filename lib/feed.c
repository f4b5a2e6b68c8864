/*
 * feed.c: the sending side of a TCP client, from --message or standard
 * input; sendfile(2) for a regular file, reads in bursts otherwise.
 */
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "err.h"
#include "feed.h"
#include "out.h"
#include "sig.h"
#include "zcopy.h"

#define FEED_BURST	16		/* reads or sendfiles per call */
#define ZC_CHUNK	(1 << 20)	/* bytes per sendfile */

void
feed_init(struct feed *f, const char *msg, size_t bufsize)
{
	struct stat sb;
	off_t at;

	memset(f, 0, sizeof(*f));
	f->size = -1;
	if (msg != NULL) {
		f->msg = msg;
		f->len = strlen(msg);
		f->eof = true;
		return;
	}
	if ((f->buf = malloc(bufsize)) == NULL)
		nd_err(ND_EXIT_RUN, "allocate %zu bytes", bufsize);
	f->cap = bufsize;
	f->file = fstat(STDIN_FILENO, &sb) == 0 && S_ISREG(sb.st_mode);
	if (f->file) {
		at = lseek(STDIN_FILENO, 0, SEEK_CUR);
		f->size = (long long)sb.st_size - (at > 0 ? (long long)at : 0);
		f->zc = true;	/* feed_send falls back to reading if it must */
	}
}

void
feed_free(struct feed *f)
{
	free(f->buf);
	f->buf = NULL;
}

size_t
feed_pending(const struct feed *f)
{
	return f->len - f->off;
}

bool
feed_done(const struct feed *f)
{
	return f->eof && feed_pending(f) == 0 && f->err == 0;
}

bool
feed_wants_read(const struct feed *f)
{
	return !f->eof && !f->zc && f->err == 0 && feed_pending(f) == 0;
}

bool
feed_wants_send(const struct feed *f)
{
	return f->err == 0 && (feed_pending(f) > 0 || (f->zc && !f->eof));
}

/*
 * A send failed (the server reset or closed): stop sending and drop what
 * was read; the caller reads on, so that no reply is lost.
 */
static void
failed(struct feed *f, int err)
{
	f->err = err;
	f->zc = false;
	f->off = f->len = 0;
}

/*
 * A regular file: the kernel sends it from the page cache until the
 * socket is full.  If it cannot (no sendfile here, or a file system
 * without it), go back to reading into the buffer.
 */
static long long
send_file(struct feed *f, int sock)
{
	long long moved = 0;

	for (int i = 0; i < FEED_BURST && !f->eof && !sig_ending(); i++) {
		ssize_t w = zc_sendfile(sock, STDIN_FILENO, ZC_CHUNK);

		if (w > 0) {
			f->sent += (uint64_t)w;
			moved += w;
		} else if (w == 0)
			f->eof = true;
		else if (errno == EINTR)
			continue;
		else if (errno == EAGAIN || errno == EWOULDBLOCK)
			break;
		else if ((errno == EINVAL || errno == ENOSYS) && f->sent == 0) {
			f->zc = false;
			break;
		} else {
			failed(f, errno);
			break;
		}
	}
	return moved;
}

long long
feed_send(struct feed *f, int sock)
{
	const char *p = (f->msg ? f->msg : f->buf) + f->off;
	long long moved = 0;

	if (f->zc)
		return send_file(f, sock);
	while (f->off < f->len) {
		ssize_t w = c_send(sock, p, f->len - f->off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR && !sig_ending())
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != EINTR)
				failed(f, errno);
			return moved;
		}
		f->off += (size_t)w;
		f->sent += (uint64_t)w;
		moved += w;
		p += w;
	}
	if (f->msg == NULL)
		f->off = f->len = 0;
	return moved;
}

long long
feed_read(struct feed *f, int sock)
{
	/*
	 * A regular file never blocks: read and send until the socket is
	 * full.  Anything else is read once per readiness, or a read with
	 * nothing to give would block the other direction.
	 */
	int budget = f->file ? FEED_BURST : 1;
	long long moved = 0;

	do {
		ssize_t n = read(STDIN_FILENO, f->buf, f->cap);

		if (n < 0)
			return errno == EINTR || errno == EAGAIN ||
			    errno == EWOULDBLOCK ? moved : -1;
		if (n == 0) {
			f->eof = true;
			break;
		}
		f->off = 0;
		f->len = (size_t)n;
		moved += feed_send(f, sock);
	} while (feed_pending(f) == 0 && f->err == 0 && --budget > 0);
	return moved;
}

bool
feed_left(const struct feed *f)
{
	if (f->msg != NULL)
		return f->sent < strlen(f->msg);
	return feed_pending(f) > 0 ||
	    (f->size >= 0 && (long long)f->sent < f->size);
}

void
feed_unsent(const struct feed *f, char *buf, size_t cap)
{
	if (f->msg != NULL)
		snprintf(buf, cap, "%zu of %zu bytes of --message not sent",
		    strlen(f->msg) - (size_t)f->sent, strlen(f->msg));
	else if (f->size >= 0)
		snprintf(buf, cap, "%lld of %lld bytes of standard input not "
		    "sent", f->size - (long long)f->sent, f->size);
	else
		snprintf(buf, cap, "standard input not sent past byte %llu",
		    (unsigned long long)f->sent);
}

int
feed_verdict(const struct feed *f, const char *peer, int recv_err,
    int status)
{
	char what[128];

	feed_unsent(f, what, sizeof(what));
	if (f->err != 0) {
		nd_warnx("send %s: %s: %s", peer, strerror(f->err), what);
		return ND_EXIT_RUN;
	}
	if (recv_err != 0) {
		if (feed_done(f))
			nd_warnx("recv %s: %s", peer, strerror(recv_err));
		else
			nd_warnx("recv %s: %s: %s", peer,
			    strerror(recv_err), what);
		return ND_EXIT_RUN;
	}
	if (out_usable() && feed_left(f))
		nd_warnx("%s", what);
	return status;
}
