/*
 * sock.h: names to addresses, listening and connecting sockets, and the
 * "listening on" line.  Functions marked (setup) exit with a one-line
 * message on failure; the rest return -1 with errno kept.
 */
#ifndef ND_SOCK_H
#define ND_SOCK_H

#include <sys/socket.h>
#include <net/if.h>

#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>


#define SOCK_ADDRLEN	(INET6_ADDRSTRLEN + IF_NAMESIZE)	/* "addr%if" */
#define SOCK_NAMELEN	(SOCK_ADDRLEN + 8)	/* "[addr%if]:port" */

/* "127.0.0.1:4000", "[::1]:4000" or "[fe80::1%eth0]:4000" into buf. */
void	sock_ntop(const struct sockaddr *sa, char *buf, size_t cap);

/*
 * Just the address, no port; a unicast IPv6 address with a scope ends in
 * "%" and its interface's name (a group's does not).
 */
void	sock_ntoa(const struct sockaddr *sa, char *buf, size_t cap);

/*
 * Resolve host and port for type (SOCK_STREAM, SOCK_DGRAM); passive for
 * an address to bind.  (setup)  Free with freeaddrinfo().
 */
struct addrinfo	*sock_resolve(const char *host, long long port, int family,
		    int type, int passive);

/*
 * A socket of type bound to host:port (port 0: the kernel's), listening
 * with backlog if SOCK_STREAM; its real name into name.  (setup)
 */
int	sock_listen(const char *host, long long port, int family, int type,
	    int backlog, char *name, size_t cap);

/*
 * A TCP connection to host:port within timeout seconds (< 0: the
 * kernel's), left non-blocking.  Tries every address.  (setup), except
 * that a signal while connecting returns -1 with errno EINTR.
 */
int	sock_connect(const char *host, long long port, int family,
	    double timeout, char *name, size_t cap);

/*
 * Accept a connection on lfd, non-blocking, close-on-exec and (Linux:
 * from the listening socket) TCP_NODELAY; its address into ss.  The fd,
 * or -1 with errno.
 */
int	sock_accept(int lfd, struct sockaddr_storage *ss);

/* A spare descriptor (on /dev/null) for sock_shed, or -1. */
int	sock_spare(void);

/*
 * Out of descriptors (EMFILE): trade *spare for the connection waiting on
 * lfd, close it, take the spare back.  0 when one was shed, -1 when there
 * was no spare to trade (the caller pauses accepting instead).
 */
int	sock_shed(int lfd, int *spare);

/* Write "netdemo: MODE: listening on NAME" to standard error. */
void	sock_announce(const char *what, const char *name);

int	sock_nonblock(int fd);

/* A UDP socket of family, close-on-exec.  (setup) */
int	sock_dgram(int family);

/* The size of ss's address, its port, and setting the port. */
socklen_t	sock_len(const struct sockaddr_storage *ss);
unsigned	sock_port(const struct sockaddr_storage *ss);
void		sock_set_port(struct sockaddr_storage *ss, unsigned port);

/*
 * Bytes in a TCP socket's send queue, not yet taken by the peer; -1
 * where the system cannot tell (Linux's SIOCOUTQ only).
 */
long long	sock_outq(int fd);

/* Same family and address, and the same port too if with_port. */
bool	sock_same(const struct sockaddr_storage *x,
	    const struct sockaddr_storage *y, bool with_port);

/*
 * A unicast address and port one may answer: not unspecified, not
 * multicast, not the broadcast address, not port 0.
 */
bool	sock_unicast(const struct sockaddr_storage *ss);

#endif
