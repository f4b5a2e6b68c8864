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

#include "dgram.h"
#include "err.h"
#include "mcast.h"
#include "mode.h"
#include "sock.h"

static int
mcast_send_run(const struct nd_args *args)
{
	struct nd_args a = *args;
	struct sockaddr_storage g;
	struct mcast_if ifc;
	struct dgram_tx tx = { .a = &a };
	char name[SOCK_NAMELEN], gname[INET6_ADDRSTRLEN];
	socklen_t len;
	int fam, rc;

	if (a.ngroups > 1)
		nd_usage("--group: mcast-send sends to one group");
	dgram_check_size(&a);
	mcast_defaults(&a);
	fam = mcast_group(a.groups[0], a.family, &g);
	mcast_iface(a.iface, fam, &ifc);
	if (fam == AF_INET) {
		((struct sockaddr_in *)&g)->sin_port = htons((uint16_t)a.port);
		len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&g)->sin6_port = htons((uint16_t)a.port);
		((struct sockaddr_in6 *)&g)->sin6_scope_id = ifc.index;
		len = sizeof(struct sockaddr_in6);
	}
	sock_ntop((struct sockaddr *)&g, name, sizeof(name));
	sock_ntoa((struct sockaddr *)&g, gname, sizeof(gname));
	if ((tx.fd = socket(fam, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
		nd_err(ND_EXIT_RUN, "socket");
	mcast_sender(tx.fd, fam, &ifc, &a);
	if (!a.loop && (ifc.flags & IFF_LOOPBACK))
		nd_warnx("--no-loop: no effect on loopback %s, whose receivers "
		    "on this host still get every datagram", ifc.name);
	if (connect(tx.fd, (struct sockaddr *)&g, len) < 0) {
		if (errno == ENETUNREACH)
			nd_errx(ND_EXIT_RUN, "connect %s via %s: %s (no "
			    "multicast route on %s; Linux gives lo none for "
			    "IPv6: name another interface with -I)", name,
			    ifc.name, strerror(errno), ifc.name);
		nd_err(ND_EXIT_RUN, "connect %s via %s", name, ifc.name);
	}
	tx.dest = name;
	tx.group = gname;
	if (a.verbose)
		nd_warnx("sending to %s via %s, ttl %lld, loop %s", name,
		    ifc.name, a.ttl, a.loop ? "on" : "off");
	rc = dgram_send(&tx);
	close(tx.fd);
	return rc;
}

static void
mcast_send_defaults(struct nd_args *a)
{
	a->groups[0] = MCAST_GROUP4;
	a->ngroups = 1;
	a->iface = MCAST_IFACE4;
	a->interval = 0.5;
}

const struct nd_mode mcast_send_mode = {
	.name = "mcast-send",
	.summary = "send datagrams to a multicast group through an interface",
	.uses = OPT_MESSAGE | OPT_SEND | OPT_SEQ | OPT_GROUP | OPT_MSEND,
	.defaults = mcast_send_defaults,
	.run = mcast_send_run,
};
