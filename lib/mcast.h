/*
 * mcast.h: multicast groups, interfaces (by address or name), sender
 * options, joins (any-source and source-specific) and the checks printed
 * when nothing arrives.  Setup calls exit with a message on failure.
 */
#ifndef ND_MCAST_H
#define ND_MCAST_H

#include <sys/socket.h>
#include <net/if.h>

#include <stdbool.h>

#include "opts.h"

#define MCAST_GROUP4	"239.255.0.1"
#define MCAST_GROUP6	"ff12::4e44"	/* transient, link-local scope */
#define MCAST_IFACE4	"127.0.0.1"
#define MCAST_IFACE6	"lo"

struct mcast_if {
	char		 name[IF_NAMESIZE];
	unsigned	 index;
	unsigned	 flags;		/* IFF_* */
	bool		 has4;
	struct in_addr	 addr4;		/* its IPv4 address, if has4 */
};

/* Fill a->groups/iface defaults for the family the options imply. */
void	mcast_defaults(struct nd_args *a);

/*
 * Parse a numeric multicast group (usage error if it is not one) and
 * return its family.
 */
int	mcast_group(const char *s, int family, struct sockaddr_storage *g);

/* Parse --source in the group's family (usage error otherwise). */
void	mcast_source(const char *s, int family, struct sockaddr_storage *src);

/* Find the interface named by an address or a name (run-time error). */
void	mcast_iface(const char *spec, int family, struct mcast_if *ifc);

/* IP(V6)_MULTICAST_IF, TTL/hops and loop on a sending socket. */
void	mcast_sender(int fd, int family, const struct mcast_if *ifc,
	    const struct nd_args *a);

/* Join (or leave) g on ifc, from src only if src != NULL. */
void	mcast_join(int fd, const struct sockaddr_storage *g,
	    const struct sockaddr_storage *src, const struct mcast_if *ifc);
void	mcast_leave(int fd, const struct sockaddr_storage *g,
	    const struct sockaddr_storage *src, const struct mcast_if *ifc);

/* Print the causes of silence that this host lets us check. */
void	mcast_diagnose(const struct sockaddr_storage *g,
	    const struct mcast_if *ifc, long long port);

#endif
