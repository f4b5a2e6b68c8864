/*
 * mcast.h: multicast groups, interfaces (by address or name), sender
 * options, joins (any-source and source-specific) and the checks printed
 * when nothing arrives.  Setup calls exit with a message on failure.
 */
#ifndef ND_MCAST_H
#define ND_MCAST_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <net/if.h>

#include <stdbool.h>


#define MCAST_MAX_GROUPS	16	/* groups one receiver joins, at most */
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

/* The family of a run: as given, else the group's, else IPv4. */
int	mcast_family(int family, const char *group);

/*
 * Parse a numeric multicast group of family (AF_UNSPEC: either) into g:
 * its family, or -1 with *why ("not a multicast address (224.0.0.0/4)").
 */
int	mcast_group(const char *s, int family, struct sockaddr_storage *g,
	    const char **why);

/* Parse a source address of family; 0, or -1 if it is not one. */
int	mcast_source(const char *s, int family, struct sockaddr_storage *src);

/* False when spec is a numeric address of the other family. */
bool	mcast_iface_fits(const char *spec, int family);

/* Find the interface named by an address or a name (run-time error). */
void	mcast_iface(const char *spec, int family, struct mcast_if *ifc);

/* IP(V6)_MULTICAST_IF, TTL/hops and loop on a sending socket. */
void	mcast_sender(int fd, int family, const struct mcast_if *ifc, int ttl,
	    bool loop);

/* Join (or leave) g on ifc, from src only if src != NULL. */
void	mcast_join(int fd, const struct sockaddr_storage *g,
	    const struct sockaddr_storage *src, const struct mcast_if *ifc);
void	mcast_leave(int fd, const struct sockaddr_storage *g,
	    const struct sockaddr_storage *src, const struct mcast_if *ifc);

/*
 * A UDP socket of family bound to the wildcard address and port (0: the
 * kernel's), shared with other receivers (SO_REUSEADDR), that receives
 * only the groups it joins and reports each datagram's destination and
 * TTL; its name into name and its port into *bound.  (setup)
 */
int	mcast_recv_socket(int family, long long port, char *name, size_t cap,
	    long long *bound);

/*
 * Which of groups a datagram received with msg (from a socket of
 * mcast_recv_socket) went to: its index, or -1 for another group; the
 * TTL or hop limit it arrived with into *ttl (left alone if unknown).
 */
int	mcast_dest(struct msghdr *msg, const struct sockaddr_storage *groups,
	    int ngroups, int *ttl);

/* Print the causes of silence that this host lets us check. */
void	mcast_diagnose(const struct sockaddr_storage *g,
	    const struct mcast_if *ifc, long long port);

#endif
