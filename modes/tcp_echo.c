/*
 * tcp_echo.c: one client of tcp-serve: read what it sends, print it, echo
 * it back as the socket takes it, stop reading past ECHO_HIGH queued and
 * start again below ECHO_LOW, close when it is done or gone.
 */
#include <sys/socket.h>

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "clock.h"
#include "err.h"
#include "out.h"
#include "tcp_serve.h"

const char *
echo_peer(const struct client *c, char *buf, size_t cap)
{
	sock_ntop((const struct sockaddr *)&c->addr, buf, cap);
	return buf;
}

void
echo_free(struct server *s, struct client *c)
{
	c_close(c->fd);
	bufq_free(&c->echo);
	free(c);
	s->nclients--;
	s->st.clients_served++;
}

void
echo_link(struct server *s, struct client *c)
{
	c->next = NULL;
	if ((c->prev = s->tail) != NULL)
		s->tail->next = c;
	else
		s->clients = c;
	s->tail = c;
}

void
echo_unlink(struct server *s, struct client *c)
{
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		s->clients = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	else
		s->tail = c->prev;
	c->prev = c->next = NULL;
}

struct client *
echo_new(struct server *s, int fd, const struct sockaddr_storage *ss)
{
	struct client *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		nd_warn("accept");
		c_close(fd);
		return NULL;
	}
	c->s = s;
	c->fd = fd;
	c->addr = *ss;
	c->reading = true;
	c->start_ms = clock_ms();
	return c;
}

void
echo_joined(struct client *c)
{
	struct server *s = c->s;
	char pn[SOCK_NAMELEN];

	echo_link(s, c);
	s->nclients++;
	s->accepted++;
	if ((uint64_t)s->nclients > s->st.peak_clients)
		s->st.peak_clients = (uint64_t)s->nclients;
	echo_active(c);
	if (s->a->verbose && out_json())
		out_event("connect", echo_peer(c, pn, sizeof(pn)), "");
	else if (s->a->verbose)
		nd_warnx("%s: connected", echo_peer(c, pn, sizeof(pn)));
}

/* -v: a client's last line, with its bytes both ways and its time. */
void
echo_said_close(const struct client *c, const char *why)
{
	char pn[SOCK_NAMELEN], w[OUT_JSONSTR_MAX(64) + 1], f[512];
	double secs = (double)(clock_ms() - c->start_ms) / 1000;

	echo_peer(c, pn, sizeof(pn));
	if (!out_json()) {
		nd_warnx("%s: %s: %llu bytes in, %llu bytes out in %.3f s", pn,
		    why, (unsigned long long)c->in, (unsigned long long)c->out,
		    secs);
		return;
	}
	snprintf(f, sizeof(f), ",\"why\":%s,\"bytes_in\":%llu,\"bytes_out\":"
	    "%llu,\"duration_s\":%.6f", json_str(w, sizeof(w), why),
	    (unsigned long long)c->in, (unsigned long long)c->out, secs);
	out_event("close", pn, f);
}

void
echo_close(struct client *c, const char *why)
{
	struct server *s = c->s;

	if (s->a->verbose)
		echo_said_close(c, why);
	serve_report_gone(s, c);
	loop_del(s->l, c->fd);
	echo_unlink(s, c);
	echo_free(s, c);
	serve_client_gone(s);
}

/* Activity now, in either direction: the idle clock starts again. */
void
echo_active(struct client *c)
{
	if (c->s->timeout_ms < 0)
		return;
	c->last_ms = clock_ms();
	c->outq = sock_outq(c->fd);
	/* The most recent goes last: the idle timer looks at the first. */
	if (c->s->tail != c) {
		echo_unlink(c->s, c);
		echo_link(c->s, c);
	}
}

/*
 * Idle, or only quiet on our side?  Once the server stops writing (the
 * socket is full), a client that reads its echo slowly shows only in the
 * kernel's send queue shrinking: that is activity too.
 */
bool
echo_idle(struct client *c, long long now, long long timeout_ms)
{
	long long q;

	if (now - c->last_ms < timeout_ms)
		return false;
	q = c->outq > 0 ? sock_outq(c->fd) : -1;
	if (q >= 0 && q < c->outq) {
		c->last_ms = now;
		c->outq = q;
		return false;
	}
	return true;
}

/* Send what is pending; false if the client is gone. */
static bool
echo_flush(struct client *c)
{
	ssize_t w = bufq_send(&c->echo, c->fd);

	if (w < 0) {
		echo_close(c, strerror(errno));
		return false;
	}
	c->s->st.bytes_out += (uint64_t)w;
	c->out += (uint64_t)w;
	/* A client draining its echo is not idle (--timeout). */
	if (w > 0)
		echo_active(c);
	return true;
}

/* Queue n bytes of echo behind what is already pending. */
static bool
echo_queue(struct client *c, const unsigned char *p, size_t n)
{
	if (bufq_add(&c->echo, p, n) == 0)
		return true;
	echo_close(c, "out of memory");
	return false;
}

/*
 * Watch for what the client's state asks: input unless it is at its end
 * or too much echo waits (with hysteresis), output while echo waits.
 */
static void
echo_update(struct client *c)
{
	size_t pending = bufq_len(&c->echo);

	if (c->eof && pending == 0) {
		echo_close(c, "closed");
		return;
	}
	c->reading = !c->eof && pending < ECHO_HIGH &&
	    (pending < ECHO_LOW || c->reading);
	loop_mod(c->s->l, c->fd, (c->reading ? LOOP_IN : 0) |
	    (pending > 0 ? LOOP_OUT : 0));
}

/* Echo n bytes of rbuf at once if the socket takes them, queue the rest. */
static bool
echo_send(struct client *c, const unsigned char *p, size_t n)
{
	ssize_t w;

	if (bufq_len(&c->echo) > 0)
		return echo_queue(c, p, n);
	do
		w = c_send(c->fd, p, n, MSG_NOSIGNAL);
	while (w < 0 && errno == EINTR);
	if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
		echo_close(c, strerror(errno));
		return false;
	}
	if (w <= 0)
		return echo_queue(c, p, n);
	c->s->st.bytes_out += (uint64_t)w;
	c->out += (uint64_t)w;
	echo_active(c);
	return (size_t)w == n || echo_queue(c, p + w, n - (size_t)w);
}

/* Read once and echo what can go at once; false if the client is gone. */
static bool
echo_read(struct client *c)
{
	struct server *s = c->s;
	const struct nd_args *a = s->a;
	ssize_t n;

	n = c_recv(c->fd, s->rbuf, (size_t)a->bufsize, 0);
	if (n < 0) {
		if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
			return true;
		echo_close(c, strerror(errno));
		return false;
	}
	echo_active(c);
	if (n == 0) {
		c->eof = true;
		return true;
	}
	stats_count(&s->st, (uint64_t)n);
	s->st.bytes_in += (uint64_t)n;
	c->in += (uint64_t)n;
	if (!a->quiet) {
		char pn[SOCK_NAMELEN];
		struct out_meta m = { .seq = -1, .latency_us = LLONG_MIN };

		if (out_wants_peer())
			m.peer = echo_peer(c, pn, sizeof(pn));
		out_msg(&m, s->rbuf, (size_t)n);
	}
	return a->sink || echo_send(c, s->rbuf, (size_t)n);
}

void
echo_ready(struct loop *l, int fd, unsigned rev, void *arg)
{
	struct client *c = arg;

	(void)l;
	(void)fd;
	if ((rev & LOOP_OUT) && !echo_flush(c))
		return;
	if ((rev & LOOP_IN) && !echo_read(c))
		return;
	echo_update(c);
}
