/*
 * fuzz_opts.c: whole argv vectors through opts_parse() for every mode.
 * Input: first byte picks the mode, the rest is split at NUL or newline
 * into words.  A usage error must exit 2 (caught here); a parse that
 * succeeds must leave every value in its documented range.
 */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "mode.h"
#include "opts.h"

static const struct nd_mode *const modes[] = {
	&tcp_serve_mode, &tcp_connect_mode, &udp_send_mode, &udp_recv_mode,
	&mcast_send_mode, &mcast_recv_mode,
};

#define MAXW	64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char buf[4096];
	char *argv[MAXW + 2];
	int argc = 0, rc;
	const struct nd_mode *m;
	struct nd_args a;

	if (size < 1 || size >= sizeof(buf))
		return 0;
	m = modes[data[0] % (sizeof(modes) / sizeof(modes[0]))];
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	argv[argc++] = (char *)m->name;
	for (char *p = buf, *end = buf + size - 1; p <= end && argc < MAXW;) {
		char *q = p;

		while (q < end && *q != '\0' && *q != '\n')
			q++;
		*q = '\0';
		argv[argc++] = p;
		p = q + 1;
	}
	argv[argc] = NULL;
	err_exit_hook = fuzz_exit;
	if ((rc = setjmp(fuzz_jmp)) != 0) {
		/* Usage errors exit 2 (--help returns; main prints it). */
		FUZZ_ASSERT(rc - 1 == ND_EXIT_USAGE);
		return 0;
	}
	opts_parse(m, argc, argv, &a);
	/* A mode takes only its own rows, whatever was asked. */
	FUZZ_ASSERT((a.given & ~(OPTS_SHARED | m->takes)) == 0);
	if (a.help)
		return 0;	/* checks skipped: help is printed instead */
	FUZZ_ASSERT(a.port >= 0 && a.port <= 65535);
	FUZZ_ASSERT(a.port > 0 || m->listens);
	FUZZ_ASSERT(a.bufsize >= 1 && a.bufsize <= 16 << 20);
	FUZZ_ASSERT(a.count >= 0);
	FUZZ_ASSERT(a.timeout == -1 || a.timeout >= 0);
	FUZZ_ASSERT(a.interval >= 0);
	FUZZ_ASSERT(a.size >= -1 && a.size <= 65507);
	FUZZ_ASSERT(a.ttl >= 0 && a.ttl <= 255);
	FUZZ_ASSERT(a.ngroups >= 0 && a.ngroups <= OPTS_MAX_GROUPS);
	FUZZ_ASSERT(a.max_loss == -1 || (a.max_loss >= 0 && a.max_loss <= 100));
	FUZZ_ASSERT(a.max_loss < 0 || a.seq);
	FUZZ_ASSERT(!(opts_given(&a, O_MESSAGE) && a.use_stdin));
	FUZZ_ASSERT(!(opts_given(&a, O_SELECT) && opts_given(&a, O_POLL)));
	FUZZ_ASSERT(!(opts_given(&a, O_IPV4) && opts_given(&a, O_IPV6)));
	FUZZ_ASSERT(a.format >= FMT_TEXT && a.format <= FMT_JSON);
	FUZZ_ASSERT(a.host != NULL && a.host[0] != '\0');
	/* Issue 12: -H's port and brackets are taken off the address. */
	FUZZ_ASSERT(a.host[0] != '[');
	FUZZ_ASSERT(strchr(a.host, ':') == NULL ||
	    strchr(strchr(a.host, ':') + 1, ':') != NULL);
	/* Issue 10's rows. */
	FUZZ_ASSERT(a.duration == -1 || (a.duration > 0 && a.duration <= 1e9));
	FUZZ_ASSERT(a.report == -1 || (a.report >= 0.01 && a.report <= 1e6));
	FUZZ_ASSERT(a.rate == -1 || (a.rate > 0 && a.rate <= 1e12));
	FUZZ_ASSERT(a.rate < 0 || a.rate_bits || a.rate <= 1e9);
	FUZZ_ASSERT(!(opts_given(&a, O_RATE) && opts_given(&a, O_INTERVAL)));
	FUZZ_ASSERT(!(a.rtt || a.echo) || a.seq);
	FUZZ_ASSERT(!a.histogram || a.seq);
	FUZZ_ASSERT(a.rtt_timeout >= 0.001 && a.rtt_timeout <= 3600);
	return 0;
}
