/*
 * out.h: the four output formats of SPEC.md (text, raw, hex, json) through
 * one buffered writer on standard output.
 */
#ifndef ND_OUT_H
#define ND_OUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum out_format { FMT_TEXT, FMT_RAW, FMT_HEX, FMT_JSON };

/* What is known about one message besides its bytes; NULL/-1 = absent. */
struct out_meta {
	const char	*peer;		/* "127.0.0.1:51463" */
	const char	*group;		/* multicast group, or NULL */
	long long	 seq;		/* --seq sequence number, or -1 */
	long long	 latency_us;	/* --seq one-way latency, or LLONG_MIN */
	bool		 has_rtt;	/* --rtt: rtt_us is the round trip */
	long long	 rtt_us;
	size_t		 orig_len;	/* length on the wire if truncated, else 0 */
	int		 ttl;		/* multicast: TTL or hop limit received, 0 = unknown */
	size_t		 wire_len;	/* --seq: bytes on the wire, header included; 0 = absent */
};

/* Name of a format, and the format of a name (-1 if unknown). */
const char	*out_format_name(enum out_format f);
int		 out_format_parse(const char *name);

/*
 * Set up the writer; MODE names the "mode" key of json objects; stamps:
 * text lines start with the time and the peer (-T).
 */
void	out_init(enum out_format f, const char *mode, bool stamps);

/* Whether out_msg() shows the peer: set out_meta.peer only then. */
bool	out_wants_peer(void);

/* Whether events go to standard output as json objects (-v -f json). */
bool	out_json(void);

/*
 * One event as a json object on standard output: {"event":EVENT,"time":
 * ...,"mode":...,"peer":PEER (if not NULL)FIELDS}; fields is "" or more
 * keys, each ",\"key\":value" (json_str() makes a string value).
 */
void	out_event(const char *event, const char *peer, const char *fields);

/* s as a json string (quoted, escaped) into dst of cap bytes. */
const char *json_str(char *dst, size_t cap, const char *s);

/* Format one message and queue it; flushed when the buffer fills. */
void	out_msg(const struct out_meta *meta, const void *buf, size_t len);

/* Queue one preformatted line (a json summary object), newline added. */
void	out_line(const char *line);

/*
 * Write everything queued, waiting while standard output is full (the run
 * stops reading its peers meanwhile; a signal still ends it).  A closed
 * standard output (EPIPE) ends the run as a signal would (sig_stop), with
 * exit 0; a signal while standard output will not take the bytes drops
 * them; another write error exits 1.  After either, nothing more is
 * written.
 */
void	out_flush(void);

/*
 * Standard output's reader is gone (EPIPE seen by a writer other than
 * this module, as splice(2)): write nothing more and end the run.
 */
void	out_reader_gone(void);

/*
 * For a caller that watches standard output in its loop (tcp-connect, as
 * nc's readwrite() does): out_msg() no longer writes by itself; the caller
 * writes with out_flush_some() when standard output polls writable, and
 * reads no more while out_queued() is large.
 */
void	out_hold(void);
size_t	out_queued(void);

/* One write of what is queued; EAGAIN waits for the next try. */
void	out_flush_some(void);

/* False once standard output is closed or given up: nothing goes there. */
bool	out_usable(void);

/* True when nothing is queued. */
bool	out_empty(void);

/*
 * Formatters into caller-owned memory, exposed for tests and fuzzing.
 * Each returns the bytes written; dst must hold the _MAX size.
 */
#define OUT_HEX_MAX(n)		(((n) / 16 + 1) * 80)
#define OUT_JSONSTR_MAX(n)	(6 * (n) + 2)
#define OUT_BASE64_MAX(n)	(((n) + 2) / 3 * 4 + 2)

size_t	out_hex(char *dst, const unsigned char *src, size_t n);
size_t	out_json_string(char *dst, const unsigned char *src, size_t n);
size_t	out_base64(char *dst, const unsigned char *src, size_t n);


#endif
