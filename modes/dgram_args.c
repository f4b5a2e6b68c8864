/* dgram_args.c: the datagram modes' options into the engines' settings. */
#include <sys/socket.h>

#include <string.h>

#include "dgram_args.h"
#include "err.h"
#include "mcast.h"
#include "stats.h"

_Static_assert(OPTS_MAX_GROUPS <= MCAST_MAX_GROUPS, "--group: too many");

void
dgram_opts_of(const struct nd_args *a, struct dgram_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->count = a->count;
	o->seq = a->seq;
	o->quiet = a->quiet;
	o->verbose = a->verbose;
	o->stats = a->stats;
	o->format = a->format;
	o->message = a->message;
	o->use_stdin = a->use_stdin;
	/* A file on standard input goes as fast as it reads unless -i says. */
	o->interval = a->use_stdin && !opts_given(a, O_INTERVAL) ? 0 :
	    a->interval;
	o->size = a->size;
	o->bufsize = a->bufsize;
	o->timeout = a->timeout;
	o->max_loss = a->max_loss;
	o->duration = a->duration;
	o->report = a->report;
	o->histogram = a->histogram;
	o->rate = a->rate;
	o->rate_bits = a->rate_bits;
	o->rtt = a->rtt;
	o->rtt_timeout = a->rtt_timeout;
	o->echo = a->echo;
	o->no_batch = a->no_batch;
}

void
dgram_check_measure(const struct nd_args *a, bool sender)
{
	const char *needs = sender ? "--rtt" : "--seq";
	bool ok = sender ? a->rtt : a->seq || a->echo;

	if (opts_given(a, O_MAX_LOSS) && !ok)
		nd_usage("--max-loss: needs %s", needs);
	if (a->histogram && !ok)
		nd_usage("--histogram: needs %s", needs);
}

void
dgram_check_send(const struct nd_args *a)
{
	size_t max = dgram_payload_max(a->seq);

	dgram_check_measure(a, true);
	if (a->seq && a->size >= 0 && a->size < SEQ_HDR_LEN)
		nd_usage("--size %lld: --seq needs at least %d bytes", a->size,
		    SEQ_HDR_LEN);
	/* --size cuts as asked; otherwise a message must fit a datagram. */
	if (a->size < 0 && !a->use_stdin &&
	    dgram_template_len(a->message) > max)
		nd_usage("--message: %zu bytes is longer than %zu, the most one "
		    "datagram holds%s", strlen(a->message), max,
		    a->seq ? " with --seq" : "");
}

void
mcast_args_defaults(struct nd_args *a)
{
	int fam = mcast_family(a->family, a->ngroups ? a->groups[0] : NULL);

	if (a->ngroups == 0) {
		a->groups[0] = fam == AF_INET6 ? MCAST_GROUP6 : MCAST_GROUP4;
		a->ngroups = 1;
	}
	if (!opts_given(a, O_IFACE))
		a->iface = fam == AF_INET6 ? MCAST_IFACE6 : MCAST_IFACE4;
}

int
mcast_args_groups(const struct nd_args *a, struct sockaddr_storage *g)
{
	struct sockaddr_storage src;
	const char *why;
	int fam = a->family;

	for (int i = 0; i < a->ngroups; i++) {
		int f = mcast_group(a->groups[i], fam, &g[i], &why);

		if (f < 0)
			nd_usage("--group %s: %s", a->groups[i], why);
		fam = f;	/* the rest must be of the first one's family */
	}
	if (!mcast_iface_fits(a->iface, fam))
		nd_usage("--interface %s: not an IPv%d address like the group",
		    a->iface, fam == AF_INET ? 4 : 6);
	if (a->source != NULL && mcast_source(a->source, fam, &src) < 0)
		nd_usage("--source %s: not an IPv%d address like the group",
		    a->source, fam == AF_INET ? 4 : 6);
	return fam;
}
