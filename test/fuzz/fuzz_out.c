/*
 * fuzz_out.c: the output formatters.  Properties: text output holds no
 * control byte (C0, DEL, C1), is valid UTF-8 and unescapes to the input;
 * json's string (or base64 when the input is not UTF-8) decodes to the
 * input; hex dumps parse back to the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "out.h"
#include "text.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static void
check_text(const uint8_t *in, size_t n, char *buf)
{
	size_t len = text_escape(buf, in, n), j = 0;
	unsigned char *back = malloc(n + 1);

	FUZZ_ASSERT(len <= TEXT_ESC_MAX(n));
	FUZZ_ASSERT(utf8_valid((unsigned char *)buf, len));
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)buf[i];

		FUZZ_ASSERT(c >= 0x20 && c != 0x7f);
		FUZZ_ASSERT(!(c == 0xc2 && i + 1 < len &&
		    (unsigned char)buf[i + 1] < 0xa0));
	}
	for (size_t i = 0; i < len; i++) {
		FUZZ_ASSERT(j < n);
		if (buf[i] != '\\') {
			back[j++] = (unsigned char)buf[i];
			continue;
		}
		FUZZ_ASSERT(i + 1 < len);
		switch (buf[++i]) {
		case 'n': back[j++] = '\n'; break;
		case 't': back[j++] = '\t'; break;
		case 'r': back[j++] = '\r'; break;
		case '\\': back[j++] = '\\'; break;
		case 'x':
			FUZZ_ASSERT(i + 2 < len && hexval(buf[i + 1]) >= 0 &&
			    hexval(buf[i + 2]) >= 0);
			back[j++] = (unsigned char)(hexval(buf[i + 1]) * 16 +
			    hexval(buf[i + 2]));
			i += 2;
			break;
		default:
			FUZZ_ASSERT(!"unknown escape");
		}
	}
	FUZZ_ASSERT(j == n && memcmp(back, in, n) == 0);
	free(back);
}

static int
b64val(int c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789+/";
	const char *p = c ? strchr(t, c) : NULL;

	return p ? (int)(p - t) : -1;
}

static void
check_json(const uint8_t *in, size_t n, char *buf)
{
	unsigned char *back = malloc(n + 3);
	size_t len, j = 0;

	if (utf8_valid(in, n)) {
		len = out_json_string(buf, in, n);
		FUZZ_ASSERT(len <= OUT_JSONSTR_MAX(n));
		FUZZ_ASSERT(len >= 2 && buf[0] == '"' && buf[len - 1] == '"');
		for (size_t i = 1; i < len - 1; i++) {
			unsigned char c = (unsigned char)buf[i];

			FUZZ_ASSERT(c >= 0x20 && c != '"');
			if (c != '\\') {
				back[j++] = c;
				continue;
			}
			switch (buf[++i]) {
			case 'n': back[j++] = '\n'; break;
			case 't': back[j++] = '\t'; break;
			case 'r': back[j++] = '\r'; break;
			case '\\': back[j++] = '\\'; break;
			case '"': back[j++] = '"'; break;
			case 'u': {
				unsigned v = 0;

				FUZZ_ASSERT(i + 4 < len - 1);
				for (int k = 1; k <= 4; k++) {
					FUZZ_ASSERT(hexval(buf[i + k]) >= 0);
					v = v * 16 + (unsigned)hexval(buf[i + k]);
				}
				i += 4;
				FUZZ_ASSERT(v < 0xa0);
				if (v < 0x80)
					back[j++] = (unsigned char)v;
				else {
					back[j++] = 0xc2;
					back[j++] = (unsigned char)v;
				}
				break;
			}
			default:
				FUZZ_ASSERT(!"unknown json escape");
			}
			FUZZ_ASSERT(j <= n);
		}
	} else {
		unsigned v = 0;
		int bits = 0;

		len = out_base64(buf, in, n);
		FUZZ_ASSERT(len <= OUT_BASE64_MAX(n));
		FUZZ_ASSERT(buf[0] == '"' && buf[len - 1] == '"');
		FUZZ_ASSERT((len - 2) % 4 == 0);
		for (size_t i = 1; i < len - 1 && buf[i] != '='; i++) {
			int d = b64val(buf[i]);

			FUZZ_ASSERT(d >= 0);
			v = (v << 6) | (unsigned)d;
			bits += 6;
			if (bits >= 8) {
				bits -= 8;
				FUZZ_ASSERT(j < n);
				back[j++] = (unsigned char)(v >> bits);
				v &= (1u << bits) - 1;
			}
		}
	}
	FUZZ_ASSERT(j == n && memcmp(back, in, n) == 0);
	free(back);
}

static void
check_hex(const uint8_t *in, size_t n, char *buf)
{
	size_t len = out_hex(buf, in, n), j = 0;
	char *line = buf;

	FUZZ_ASSERT(len <= OUT_HEX_MAX(n));
	/* Every message is a record, an empty one a line with no bytes. */
	FUZZ_ASSERT(len > 0 && buf[len - 1] == '\n');
	FUZZ_ASSERT(n > 0 || memcmp(buf + len - 3, "||\n", 3) == 0);
	while (line < buf + len) {
		char *nl = memchr(line, '\n', (size_t)(buf + len - line));
		size_t off = strtoul(line, NULL, 16);

		FUZZ_ASSERT(nl != NULL && off == j);
		/* Bytes sit at columns 10 + 3k (+1 past the eighth). */
		for (int k = 0; k < 16 && j < n; k++) {
			char *p = line + 10 + 3 * k + (k >= 8);

			FUZZ_ASSERT(p + 1 < nl);
			FUZZ_ASSERT(hexval(p[0]) * 16 + hexval(p[1]) == in[j]);
			j++;
		}
		line = nl + 1;
	}
	FUZZ_ASSERT(j == n);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(OUT_JSONSTR_MAX(size) + OUT_HEX_MAX(size) + 16);

	check_text(data, size, buf);
	check_json(data, size, buf);
	check_hex(data, size, buf);
	free(buf);
	return 0;
}
