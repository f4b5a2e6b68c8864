/* udp_send.c: datagrams to --host:--port (the tutorial's send_udp.py). */
#include <sys/socket.h>

#include <unistd.h>

#include "call.h"
#include "dgram_args.h"
#include "err.h"
#include "mode.h"
#include "sock.h"

static int
udp_send_run(const struct nd_args *a)
{
	struct addrinfo *ai;
	struct dgram_tx tx;
	char name[SOCK_NAMELEN];
	int rc;

	dgram_opts_of(a, &tx.o);
	ai = sock_resolve(a->host, a->port, a->family, SOCK_DGRAM, 0);
	sock_ntop(ai->ai_addr, name, sizeof(name));
	tx.fd = sock_dgram(ai->ai_family);
	/* Connected: the kernel reports "port unreachable" on later sends. */
	if (c_connect(tx.fd, ai->ai_addr, ai->ai_addrlen) < 0)
		nd_err(ND_EXIT_RUN, "connect %s", name);
	freeaddrinfo(ai);
	tx.dest = name;
	tx.group = NULL;
	tx.to = NULL;
	if (a->verbose)
		nd_warnx("sending to %s", name);
	rc = dgram_send(&tx);
	c_close(tx.fd);
	return rc;
}

static void
udp_send_defaults(struct nd_args *a)
{
	if (a->message == NULL)
		a->message = "Hello world : {n}";
}

static const struct opt_text udp_send_texts[] = {
	{ O_HOST, "address to reach (IPv4, IPv6 or a name; may end in :PORT)" },
	{ O_PORT, "port or service to reach" },
	{ O_COUNT, "send N datagrams, then exit" },
	{ O_MESSAGE, "payload; {n} becomes the datagram's number" },
	{ O_VERBOSE, "report the destination and refused sends" },
	{ O_NROWS, NULL }
};

const struct nd_mode udp_send_mode = {
	.name = "udp-send",
	.summary = "send datagrams to HOST:PORT, by default \"Hello world : N\" "
	    "once a second",
	.takes = OPT(O_RATE) | OPT(O_HISTOGRAM) | OPT(O_RTT) |
	    OPT(O_RTT_TIMEOUT) | OPT(O_MAX_LOSS) | OPT(O_HOST) |
	    OPT(O_MESSAGE) | OPT(O_INTERVAL) | OPT(O_SIZE) | OPT(O_STDIN) |
	    OPT(O_SEQ) | OPT(O_NO_BATCH),
	.texts = udp_send_texts,
	.defaults = udp_send_defaults,
	.check = dgram_check_send,
	.run = udp_send_run,
};
