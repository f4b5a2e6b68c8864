/* udp_recv.c: bind --host:--port, print every datagram (recv_udp.py). */
#include <sys/socket.h>

#include <unistd.h>

#include "dgram.h"
#include "err.h"
#include "mode.h"
#include "sock.h"

static int
udp_recv_run(const struct nd_args *a)
{
	struct dgram_rx rx = { .a = a };
	char name[SOCK_NAMELEN];
	int rc;

	rx.fd = sock_listen(a, SOCK_DGRAM, name, sizeof(name));
	dgram_rcvbuf(rx.fd);
	sock_announce("listening on", name);
	rc = dgram_recv(&rx);
	close(rx.fd);
	return rc;
}

const struct nd_mode udp_recv_mode = {
	.name = "udp-recv",
	.summary = "bind HOST:PORT and print every datagram",
	.uses = OPT_HOST | OPT_SEQ | OPT_MAXLOSS,
	.listens = true,
	.run = udp_recv_run,
};
