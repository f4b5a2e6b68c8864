/* udp_recv.c: bind --host:--port, print every datagram (recv_udp.py). */
#include <sys/socket.h>

#include <unistd.h>

#include "call.h"
#include "dgram_args.h"
#include "mode.h"
#include "sock.h"

static int
udp_recv_run(const struct nd_args *a)
{
	struct dgram_rx rx = { .groups = NULL, .echo_fd = -1 };
	char name[SOCK_NAMELEN];
	int rc;

	dgram_opts_of(a, &rx.o);
	rx.fd = sock_listen(a->host, a->port, a->family, SOCK_DGRAM, 0, name,
	    sizeof(name));
	dgram_rcvbuf(rx.fd);
	sock_announce("listening on", name);
	rc = dgram_recv(&rx);
	c_close(rx.fd);
	return rc;
}

static void
udp_recv_check(const struct nd_args *a)
{
	dgram_check_measure(a, false);
}

static const struct opt_text udp_recv_texts[] = {
	{ O_HOST, "address to bind (IPv4, IPv6 or a name; may end in :PORT)" },
	{ O_PORT, "port or service to bind, 0 for one the kernel picks" },
	{ O_COUNT, "exit after N datagrams" },
	{ O_TIMEOUT, "idle limit: exit (3 if short of -c, or of any)" },
	{ O_VERBOSE, "report each new sender" },
	{ O_MAX_LOSS, "with --seq: exit 3 when more than PCT percent are lost" },
	{ O_NROWS, NULL }
};

const struct nd_mode udp_recv_mode = {
	.name = "udp-recv",
	.summary = "bind HOST:PORT and print every datagram",
	.takes = OPT(O_HISTOGRAM) | OPT(O_ECHO) |
	    OPT(O_HOST) | OPT(O_BUFSIZE) | OPT(O_TIMEOUT) | OPT(O_SEQ) |
	    OPT(O_MAX_LOSS) | OPT(O_NO_BATCH),
	.texts = udp_recv_texts,
	.listens = true,
	.check = udp_recv_check,
	.run = udp_recv_run,
};
