/*
 * mcast_recv.c: join --group (any-source or --source) on --interface and
 * print what is sent to the joined groups (recv_udp_multicast.py).
 * Several receivers share a port; each sees only its own groups.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <unistd.h>

#include "call.h"
#include "dgram_args.h"
#include "err.h"
#include "mcast.h"
#include "mode.h"
#include "out.h"
#include "sock.h"

struct mrecv {
	struct sockaddr_storage	 groups[OPTS_MAX_GROUPS];
	struct sockaddr_storage	 src;
	struct mcast_if		 ifc;
	long long		 port;
};

static void
on_silence(void *arg)
{
	struct mrecv *m = arg;

	mcast_diagnose(&m->groups[0], &m->ifc, m->port);
}

/* -v -f json: a join or leave as an object on standard output. */
static void
group_event(const char *event, const char *group, const struct nd_args *a)
{
	char g[OUT_JSONSTR_MAX(64) + 1], i[OUT_JSONSTR_MAX(64) + 1],
	    s[OUT_JSONSTR_MAX(64) + 1], f[1280];

	snprintf(f, sizeof(f), ",\"group\":%s,\"interface\":%s%s%s",
	    json_str(g, sizeof(g), group), json_str(i, sizeof(i), a->iface),
	    a->source ? ",\"source\":" : "", a->source ?
	    json_str(s, sizeof(s), a->source) : "");
	out_event(event, NULL, f);
}

/* Join every group (from --source only, if given), and say so. */
static void
join_all(const struct nd_args *a, struct mrecv *m, int fd)
{
	char gs[INET6_ADDRSTRLEN];

	for (int i = 0; i < a->ngroups; i++) {
		mcast_join(fd, &m->groups[i], a->source ? &m->src : NULL,
		    &m->ifc);
		sock_ntoa((struct sockaddr *)&m->groups[i], gs, sizeof(gs));
		if (a->source != NULL)
			nd_warnx("joined %s from %s on %s", gs, a->source,
			    a->iface);
		else
			nd_warnx("joined %s on %s", gs, a->iface);
		if (a->verbose && out_json())
			group_event("join", gs, a);
	}
}

static int
mcast_recv_run(const struct nd_args *a)
{
	struct mrecv m;
	struct dgram_rx rx = { .groups = m.groups, .on_silence = on_silence,
	    .arg = &m, .echo_fd = -1 };
	char name[SOCK_NAMELEN];
	int fam, rc;

	dgram_opts_of(a, &rx.o);
	fam = mcast_args_groups(a, m.groups);
	if (a->source != NULL)
		(void)mcast_source(a->source, fam, &m.src);
	mcast_iface(a->iface, fam, &m.ifc);
	rx.ngroups = a->ngroups;
	rx.fd = mcast_recv_socket(fam, a->port, name, sizeof(name), &m.port);
	dgram_rcvbuf(rx.fd);
	join_all(a, &m, rx.fd);
	/*
	 * --echo answers from a socket of its own: receivers on one host
	 * share the group's port, and the sender tells them apart by the
	 * port they answer from.
	 */
	if (a->echo)
		rx.echo_fd = sock_dgram(fam);
	sock_announce("listening on", name);
	rc = dgram_recv(&rx);
	for (int i = 0; i < a->ngroups; i++)
		mcast_leave(rx.fd, &m.groups[i], a->source ? &m.src : NULL,
		    &m.ifc);
	if (a->verbose && out_json())
		for (int i = 0; i < a->ngroups; i++)
			group_event("leave", a->groups[i], a);
	else if (a->verbose)
		nd_warnx("left %d group%s on %s", a->ngroups,
		    a->ngroups == 1 ? "" : "s", a->iface);
	c_close(rx.fd);
	if (rx.echo_fd >= 0)
		c_close(rx.echo_fd);
	return rc;
}

static void
mcast_recv_check(const struct nd_args *a)
{
	struct sockaddr_storage g[OPTS_MAX_GROUPS];

	(void)mcast_args_groups(a, g);
	dgram_check_measure(a, false);
}

static const struct opt_text mcast_recv_texts[] = {
	{ O_PORT, "port or service to bind, 0 for one the kernel picks" },
	{ O_COUNT, "exit after N datagrams" },
	{ O_TIMEOUT, "idle limit: exit (3 if short of -c, or of any)" },
	{ O_VERBOSE, "report each new sender and the leave" },
	{ O_MAX_LOSS, "with --seq: exit 3 when more than PCT percent are lost" },
	{ O_NROWS, NULL }
};

const struct nd_mode mcast_recv_mode = {
	.name = "mcast-recv",
	.summary = "join a multicast group on an interface, print every "
	    "datagram",
	.takes = OPT(O_HISTOGRAM) | OPT(O_ECHO) |
	    OPT(O_BUFSIZE) | OPT(O_TIMEOUT) | OPT(O_SEQ) |
	    OPT(O_MAX_LOSS) | OPT(O_GROUP) | OPT(O_IFACE) | OPT(O_SOURCE) |
	    OPT(O_NO_BATCH),
	.repeats = OPT(O_GROUP),
	.texts = mcast_recv_texts,
	.listens = true,
	.defaults = mcast_args_defaults,
	.check = mcast_recv_check,
	.run = mcast_recv_run,
};
