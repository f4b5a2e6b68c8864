/*
 * text.c: the escaping of SPEC.md's text format, and the UTF-8 rules it
 * rests on; used for data lines and for every diagnostic alike.
 */
#include <string.h>

#include "text.h"

size_t
utf8_seq(const unsigned char *p, size_t left)
{
	unsigned c = p[0];
	size_t n;
	unsigned lo = 0x80, hi = 0xBF;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF) {
		n = 3;
		if (c == 0xE0)
			lo = 0xA0;		/* no overlong forms */
		else if (c == 0xED)
			hi = 0x9F;		/* no surrogates */
	} else if (c >= 0xF0 && c <= 0xF4) {
		n = 4;
		if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;		/* nothing past U+10FFFF */
	} else
		return 0;
	if (left < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xBF)
			return 0;
	return n;
}

bool
utf8_valid(const unsigned char *p, size_t n)
{
	size_t i = 0, k;

	while (i < n) {
		if ((k = utf8_seq(p + i, n - i)) == 0)
			return false;
		i += k;
	}
	return true;
}

static const char hexdig[] = "0123456789abcdef";

/* A C1 control (U+0080-U+009F) as UTF-8 is valid but not terminal-safe. */
static int
is_c1(const unsigned char *p, size_t k)
{
	return k == 2 && p[0] == 0xC2 && p[1] < 0xA0;
}

size_t
text_escape(char *dst, const unsigned char *src, size_t n)
{
	char *d = dst;
	size_t i = 0, k;

	while (i < n) {
		unsigned c = src[i];

		if (c >= 0x20 && c < 0x7F && c != '\\') {
			*d++ = (char)c;
			i++;
			continue;
		}
		k = c < 0x80 ? 1 : utf8_seq(src + i, n - i);
		if (k > 1 && !is_c1(src + i, k)) {
			memcpy(d, src + i, k);
			d += k;
			i += k;
			continue;
		}
		/* Escape this one byte; the next starts afresh. */
		*d++ = '\\';
		switch (c) {
		case '\n': *d++ = 'n'; break;
		case '\t': *d++ = 't'; break;
		case '\r': *d++ = 'r'; break;
		case '\\': *d++ = '\\'; break;
		default:
			*d++ = 'x';
			*d++ = hexdig[c >> 4];
			*d++ = hexdig[c & 15];
		}
		i++;
	}
	return (size_t)(d - dst);
}
