/*
 * text.h: SPEC.md's text escaping: printable ASCII and valid UTF-8 as they
 * are, everything else (C0, DEL, C1 controls, backslash, invalid bytes)
 * as \n, \t, \r, \\ or \xNN, so that any bytes make one line that is
 * safe on a terminal and can be turned back into the bytes.
 */
#ifndef ND_TEXT_H
#define ND_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* The most text_escape() writes for n bytes. */
#define TEXT_ESC_MAX(n)	(4 * (n) + 1)

/* Escape n bytes of src into dst (TEXT_ESC_MAX(n)); returns the length. */
size_t	text_escape(char *dst, const unsigned char *src, size_t n);

/* Length of the valid UTF-8 sequence at p (1-4), or 0 if it is not one. */
size_t	utf8_seq(const unsigned char *p, size_t left);
bool	utf8_valid(const unsigned char *p, size_t n);

#endif
