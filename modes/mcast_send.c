/*
 * mcast_send.c: datagrams to --group through --interface with --ttl and
 * --loop (the tutorial's send_udp_multicast.py).
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <net/if.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "call.h"
#include "dgram_args.h"
#include "err.h"
#include "mcast.h"
#include "mode.h"
#include "sock.h"

static int
mcast_send_run(const struct nd_args *a)
{
	struct sockaddr_storage g;
	struct mcast_if ifc;
	struct dgram_tx tx;
	char name[SOCK_NAMELEN], gname[INET6_ADDRSTRLEN];
	int fam, rc;

	dgram_opts_of(a, &tx.o);
	fam = mcast_args_groups(a, &g);
	mcast_iface(a->iface, fam, &ifc);
	sock_set_port(&g, (unsigned)a->port);
	if (fam == AF_INET6)
		((struct sockaddr_in6 *)&g)->sin6_scope_id = ifc.index;
	sock_ntop((struct sockaddr *)&g, name, sizeof(name));
	sock_ntoa((struct sockaddr *)&g, gname, sizeof(gname));
	tx.fd = sock_dgram(fam);
	mcast_sender(tx.fd, fam, &ifc, (int)a->ttl, a->loop);
	if (!a->loop && (ifc.flags & IFF_LOOPBACK))
		nd_warnx("--no-loop: no effect on loopback %s, whose receivers "
		    "on this host still get every datagram", ifc.name);
	/* --rtt: replies come from the receivers, not from the group. */
	tx.to = a->rtt ? &g : NULL;
	if (!a->rtt && c_connect(tx.fd, (struct sockaddr *)&g, sock_len(&g)) < 0) {
		if (errno == ENETUNREACH)
			nd_errx(ND_EXIT_RUN, "connect %s via %s: %s (no "
			    "multicast route on %s; Linux gives lo none for "
			    "IPv6: name another interface with -I)", name,
			    ifc.name, strerror(errno), ifc.name);
		nd_err(ND_EXIT_RUN, "connect %s via %s", name, ifc.name);
	}
	tx.dest = name;
	tx.group = gname;
	if (a->verbose)
		nd_warnx("sending to %s via %s, ttl %lld, loop %s", name,
		    ifc.name, a->ttl, a->loop ? "on" : "off");
	rc = dgram_send(&tx);
	c_close(tx.fd);
	return rc;
}

static void
mcast_send_defaults(struct nd_args *a)
{
	if (a->message == NULL)
		a->message = "Hello world : {n}";
	if (!opts_given(a, O_INTERVAL))
		a->interval = 0.5;
	mcast_args_defaults(a);
}

static void
mcast_send_check(const struct nd_args *a)
{
	struct sockaddr_storage g[OPTS_MAX_GROUPS];

	if (a->ngroups > 1)
		nd_usage("--group: mcast-send sends to one group");
	(void)mcast_args_groups(a, g);
	dgram_check_send(a);
}

static const struct opt_text mcast_send_texts[] = {
	{ O_PORT, "port or service to send to" },
	{ O_COUNT, "send N datagrams, then exit" },
	{ O_MESSAGE, "payload; {n} becomes the datagram's number" },
	{ O_VERBOSE, "report the group, interface, TTL and loop" },
	{ O_NROWS, NULL }
};

const struct nd_mode mcast_send_mode = {
	.name = "mcast-send",
	.summary = "send datagrams to a multicast group through an interface",
	.takes = OPT(O_RATE) | OPT(O_HISTOGRAM) | OPT(O_RTT) |
	    OPT(O_RTT_TIMEOUT) | OPT(O_MAX_LOSS) | OPT(O_MESSAGE) |
	    OPT(O_INTERVAL) | OPT(O_SIZE) | OPT(O_STDIN) | OPT(O_SEQ) |
	    OPT(O_GROUP) | OPT(O_IFACE) | OPT(O_TTL) | OPT(O_LOOP) |
	    OPT(O_NO_LOOP) | OPT(O_NO_BATCH),
	.texts = mcast_send_texts,
	.defaults = mcast_send_defaults,
	.check = mcast_send_check,
	.run = mcast_send_run,
};
