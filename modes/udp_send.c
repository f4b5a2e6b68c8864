/* udp_send.c: datagrams to --host:--port (the tutorial's send_udp.py). */
#include <sys/socket.h>

#include <unistd.h>

#include "dgram.h"
#include "err.h"
#include "mode.h"
#include "sock.h"

static int
udp_send_run(const struct nd_args *a)
{
	struct addrinfo *ai;
	struct dgram_tx tx = { .a = a };
	char name[SOCK_NAMELEN];
	int rc;

	dgram_check_size(a);
	ai = sock_resolve(a->host, a->port, a->family, SOCK_DGRAM, 0);
	sock_ntop(ai->ai_addr, name, sizeof(name));
	tx.fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
	    ai->ai_protocol);
	if (tx.fd < 0)
		nd_err(ND_EXIT_RUN, "socket");
	/* Connected: the kernel reports "port unreachable" on later sends. */
	if (connect(tx.fd, ai->ai_addr, ai->ai_addrlen) < 0)
		nd_err(ND_EXIT_RUN, "connect %s", name);
	freeaddrinfo(ai);
	tx.dest = name;
	if (a->verbose)
		nd_warnx("sending to %s", name);
	rc = dgram_send(&tx);
	close(tx.fd);
	return rc;
}

const struct nd_mode udp_send_mode = {
	.name = "udp-send",
	.summary = "send datagrams to HOST:PORT, by default \"Hello world : N\" "
	    "once a second",
	.uses = OPT_HOST | OPT_MESSAGE | OPT_SEND | OPT_SEQ,
	.run = udp_send_run,
};
