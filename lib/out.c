/*
 * out.c: formats received and sent messages and writes them to standard
 * output through one buffer, flushed when full or when the program waits.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "err.h"
#include "out.h"
#include "text.h"
#include "sig.h"

#define OUT_FLUSH_AT	((size_t)64 * 1024)	/* write out once this much is queued */
#define OUT_META_MAX	512		/* json keys besides the payload */

static const char *const fmt_names[] = { "text", "raw", "hex", "json" };

static struct {
	enum out_format	 fmt;
	const char	*mode;
	char		*buf;
	size_t		 off, len, cap;	/* queued: buf[off, len) */
	bool		 gone;		/* closed or given up: write nothing */
	bool		 held;		/* the caller flushes: out_hold() */
	bool		 stamps;	/* -T: time and peer before text lines */
} out;

const char *
out_format_name(enum out_format f)
{
	return fmt_names[f];
}

int
out_format_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (strcmp(name, fmt_names[i]) == 0)
			return (int)i;
	return -1;
}

void
out_init(enum out_format f, const char *mode, bool stamps)
{
	out.fmt = f;
	out.mode = mode;
	out.stamps = stamps && f == FMT_TEXT;
}

bool
out_wants_peer(void)
{
	return out.fmt == FMT_JSON || out.stamps;
}

bool
out_json(void)
{
	return out.fmt == FMT_JSON && !out.gone;
}

const char *
json_str(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(s);

	if (OUT_JSONSTR_MAX(n) + 1 > cap)
		n = cap > 3 ? (cap - 3) / 6 : 0;
	dst[out_json_string(dst, (const unsigned char *)s, n)] = '\0';
	return dst;
}

void
out_event(const char *event, const char *peer, const char *fields)
{
	char t[40], m[OUT_JSONSTR_MAX(32) + 1], p[OUT_JSONSTR_MAX(64) + 1];
	char *line;
	size_t cap = strlen(fields) + sizeof(p) + 256;

	if (out.gone || (line = malloc(cap)) == NULL)
		return;
	clock_iso(t, sizeof(t));
	snprintf(line, cap, "{\"event\":\"%s\",\"time\":\"%s\",\"mode\":%s%s%s%s}",
	    event, t, json_str(m, sizeof(m), out.mode), peer ? ",\"peer\":" :
	    "", peer ? json_str(p, sizeof(p), peer) : "", fields);
	out_line(line);
	free(line);
}

bool
out_empty(void)
{
	return out.len == out.off;
}

/* Room for n more bytes; the buffer grows to the largest message seen. */
static char *
out_reserve(size_t n)
{
	if (out.off > 0 && out.cap - out.len < n) {
		memmove(out.buf, out.buf + out.off, out.len - out.off);
		out.len -= out.off;
		out.off = 0;
	}
	if (out.cap - out.len < n) {
		size_t cap = out.cap ? out.cap : OUT_FLUSH_AT * 2;
		char *p;

		while (cap - out.len < n)
			cap *= 2;
		if ((p = realloc(out.buf, cap)) == NULL)
			nd_err(ND_EXIT_RUN, "allocate output buffer");
		out.buf = p;
		out.cap = cap;
	}
	return out.buf + out.len;
}

bool
out_usable(void)
{
	return !out.gone;
}

/* Write all of p to standard output; see out_flush for what can happen. */
static void
write_all(const char *p, size_t n)
{
	if (out.gone || n == 0)
		return;
	if (sig_write(STDOUT_FILENO, p, n, -1) == 0)
		return;
	out.gone = true;
	out.off = out.len = 0;
	if (errno == EPIPE)
		out_reader_gone();
	else if (errno != EINTR)
		nd_err(ND_EXIT_RUN, "write standard output");
}

void
out_reader_gone(void)
{
	out.gone = true;
	out.off = out.len = 0;
	sig_stop();		/* end the run quietly, with 0 */
}

void
out_hold(void)
{
	out.held = true;
}

size_t
out_queued(void)
{
	return out.len - out.off;
}

void
out_flush_some(void)
{
	ssize_t w;

	if (out.gone || out.len == out.off)
		return;
	w = write(STDOUT_FILENO, out.buf + out.off, out.len - out.off);
	if (w < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;		/* not now; a signal ends the loop */
		out.gone = true;
		out.off = out.len = 0;
		if (errno == EPIPE)
			out_reader_gone();
		else
			nd_err(ND_EXIT_RUN, "write standard output");
		return;
	}
	out.off += (size_t)w;
	if (out.off == out.len)
		out.off = out.len = 0;
}

void
out_flush(void)
{
	size_t off = out.off, n = out.len - out.off;

	out.off = out.len = 0;
	write_all(out.buf + off, n);
}

static const char hexdig[] = "0123456789abcdef";

size_t
out_hex(char *dst, const unsigned char *src, size_t n)
{
	char *d = dst;

	/* An empty message is a record too: one line with no bytes. */
	size_t off = 0;

	do {
		size_t m = n - off < 16 ? n - off : 16;

		d += snprintf(d, 12, "%08zx ", off);
		for (size_t i = 0; i < 16; i++) {
			if (i == 8)
				*d++ = ' ';
			if (i < m) {
				*d++ = ' ';
				*d++ = hexdig[src[off + i] >> 4];
				*d++ = hexdig[src[off + i] & 15];
			} else {
				memcpy(d, "   ", 3);
				d += 3;
			}
		}
		memcpy(d, "  |", 3);
		d += 3;
		for (size_t i = 0; i < m; i++) {
			unsigned c = src[off + i];

			*d++ = c >= 0x20 && c < 0x7F ? (char)c : '.';
		}
		*d++ = '|';
		*d++ = '\n';
		off += 16;
	} while (off < n);
	return (size_t)(d - dst);
}

size_t
out_json_string(char *dst, const unsigned char *src, size_t n)
{
	char *d = dst;

	*d++ = '"';
	for (size_t i = 0; i < n; i++) {
		unsigned c = src[i];

		if (c == '"' || c == '\\') {
			*d++ = '\\';
			*d++ = (char)c;
		} else if (c == '\n') {
			*d++ = '\\';
			*d++ = 'n';
		} else if (c == '\t') {
			*d++ = '\\';
			*d++ = 't';
		} else if (c == '\r') {
			*d++ = '\\';
			*d++ = 'r';
		} else if (c < 0x20 || c == 0x7F) {
			memcpy(d, "\\u00", 4);
			d += 4;
			*d++ = hexdig[c >> 4];
			*d++ = hexdig[c & 15];
		} else if (c == 0xC2 && i + 1 < n && src[i + 1] < 0xA0) {
			/* C1 control: escape as \u0080-\u009f. */
			memcpy(d, "\\u00", 4);
			d += 4;
			*d++ = hexdig[src[i + 1] >> 4];
			*d++ = hexdig[src[i + 1] & 15];
			i++;
		} else
			*d++ = (char)c;
	}
	*d++ = '"';
	return (size_t)(d - dst);
}

size_t
out_base64(char *dst, const unsigned char *src, size_t n)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *d = dst;
	size_t i;

	*d++ = '"';
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)src[i] << 16 | (unsigned)src[i + 1] << 8 |
		    src[i + 2];

		*d++ = b64[v >> 18];
		*d++ = b64[(v >> 12) & 63];
		*d++ = b64[(v >> 6) & 63];
		*d++ = b64[v & 63];
	}
	if (i < n) {
		unsigned v = (unsigned)src[i] << 16;

		if (i + 1 < n)
			v |= (unsigned)src[i + 1] << 8;
		*d++ = b64[v >> 18];
		*d++ = b64[(v >> 12) & 63];
		*d++ = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		*d++ = '=';
	}
	*d++ = '"';
	return (size_t)(d - dst);
}

static size_t
json_msg(char *d, const struct out_meta *m, const unsigned char *p,
    size_t n)
{
	char *s = d, tbuf[40];

	clock_iso(tbuf, sizeof(tbuf));
	d += sprintf(d, "{\"time\":\"%s\",\"mode\":", tbuf);
	d += out_json_string(d, (const unsigned char *)out.mode,
	    strlen(out.mode));
	if (m->peer != NULL) {
		d += sprintf(d, ",\"peer\":");
		d += out_json_string(d, (const unsigned char *)m->peer,
		    strlen(m->peer));
	}
	if (m->group != NULL) {
		d += sprintf(d, ",\"group\":");
		d += out_json_string(d, (const unsigned char *)m->group,
		    strlen(m->group));
	}
	d += sprintf(d, ",\"len\":%zu", n);
	if (m->wire_len > 0)
		d += sprintf(d, ",\"wire_len\":%zu", m->wire_len);
	if (m->orig_len > n)
		d += sprintf(d, ",\"truncated\":true,\"orig_len\":%zu",
		    m->orig_len);
	if (m->ttl > 0)
		d += sprintf(d, ",\"ttl\":%d", m->ttl);
	if (m->seq >= 0)
		d += sprintf(d, ",\"seq\":%lld", m->seq);
	if (m->latency_us != LLONG_MIN)
		d += sprintf(d, ",\"latency_us\":%lld", m->latency_us);
	if (m->has_rtt)
		d += sprintf(d, ",\"rtt_us\":%lld", m->rtt_us);
	if (utf8_valid(p, n)) {
		d += sprintf(d, ",\"data\":");
		d += out_json_string(d, p, n);
	} else {
		d += sprintf(d, ",\"data_base64\":");
		d += out_base64(d, p, n);
	}
	*d++ = '}';
	*d++ = '\n';
	return (size_t)(d - s);
}

void
out_msg(const struct out_meta *meta, const void *buf, size_t len)
{
	static const struct out_meta none = { .seq = -1,
	    .latency_us = LLONG_MIN };
	const unsigned char *p = buf;
	char *d;

	if (meta == NULL)
		meta = &none;
	if (out.gone)
		return;
	switch (out.fmt) {
	case FMT_RAW:
		if (len >= OUT_FLUSH_AT && !out.held) {
			/* Large and verbatim: no copy through the buffer. */
			out_flush();
			write_all(buf, len);
			return;
		}
		memcpy(out_reserve(len), p, len);
		out.len += len;
		break;
	case FMT_TEXT:
		d = out_reserve(TEXT_ESC_MAX(len) + 1 + (out.stamps ? 40 +
		    TEXT_ESC_MAX(meta->peer ? strlen(meta->peer) : 0) : 0));
		if (out.stamps) {
			clock_iso(d, 40);
			d += strlen(d);
			*d++ = ' ';
			if (meta->peer != NULL) {
				d += text_escape(d, (const unsigned char *)
				    meta->peer, strlen(meta->peer));
				*d++ = ' ';
			}
		}
		d += text_escape(d, p, len);
		*d++ = '\n';
		out.len = (size_t)(d - out.buf);
		break;
	case FMT_HEX:
		d = out_reserve(OUT_HEX_MAX(len));
		out.len += out_hex(d, p, len);
		break;
	case FMT_JSON:
		d = out_reserve(OUT_JSONSTR_MAX(len) + OUT_META_MAX +
		    (meta->peer ? OUT_JSONSTR_MAX(strlen(meta->peer)) : 0) +
		    (meta->group ? OUT_JSONSTR_MAX(strlen(meta->group)) : 0));
		out.len += json_msg(d, meta, p, len);
		break;
	}
	if (out.len - out.off >= OUT_FLUSH_AT && !out.held)
		out_flush();
}

void
out_line(const char *line)
{
	size_t n = strlen(line);
	char *d;

	if (out.gone)
		return;
	d = out_reserve(n + 1);

	memcpy(d, line, n);
	d[n] = '\n';
	out.len += n + 1;
}
