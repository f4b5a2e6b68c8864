/*
 * tcp_serve.h: what the two files of tcp-serve share: the server and its
 * clients.  tcp_serve.c listens, accepts and times clients out;
 * tcp_echo.c reads each client and echoes back, with backpressure.
 */
#ifndef ND_TCP_SERVE_H
#define ND_TCP_SERVE_H

#include <sys/socket.h>

#include <stdbool.h>

#include "bufq.h"
#include "loop.h"
#include "opts.h"
#include "report.h"
#include "sock.h"
#include "stats.h"

#define ECHO_HIGH	(1u << 20)	/* stop reading a client past this */
#define ECHO_LOW	(ECHO_HIGH / 4)	/* and start again below this */

struct server;

struct client {
	struct server		*s;
	struct client		*prev, *next;	/* the server's clients */
	int			 fd;
	struct sockaddr_storage	 addr;
	struct bufq		 echo;		/* read, not yet echoed */
	long long		 last_ms;	/* last activity, for --timeout */
	long long		 outq;		/* send queue then, or -1 */
	bool			 reading;	/* watched for input */
	bool			 eof;		/* the client shut down writing */
	uint64_t		 in, out;	/* its bytes each way, for -v */
	uint64_t		 snap_in, snap_out;	/* at the last report */
	long long		 start_ms;	/* accepted then */
};

struct server {
	const struct nd_args	*a;
	struct loop		*l;
	int			 lfd;
	int			 spare;		/* reserved fd for EMFILE */
	char			 name[SOCK_NAMELEN];
	unsigned char		*rbuf;		/* shared read buffer */
	/* By last activity with -w, the least recent first. */
	struct client		*clients, *tail;
	long long		 nclients, accepted;
	long long		 timeout_ms;	/* -1: none */
	int			 idle_timer;	/* -1: none armed */
	bool			 paused;	/* accepting paused (EMFILE) */
	struct stats		 st;
	struct reporter		 rp;		/* --report */
};

/* tcp_echo.c: a client's life after accept(2). */
const char	*echo_peer(const struct client *c, char *buf, size_t cap);
loop_fn		 echo_ready;	/* its loop callback; arg is the client */
void		 echo_active(struct client *c);	/* it moved: idle clock to 0 */
bool		 echo_idle(struct client *c, long long now, long long timeout_ms);
void		 echo_close(struct client *c, const char *why);
/*
 * A client for fd, accepted from ss, not yet counted (NULL, fd closed and
 * a warning, when out of memory); echo_joined counts it, links it last
 * and says it with -v.
 */
struct client	*echo_new(struct server *s, int fd,
		    const struct sockaddr_storage *ss);
void		 echo_joined(struct client *c);
/* -v's line for a client that leaves (echo_close writes it). */
void		 echo_said_close(const struct client *c, const char *why);
void		 echo_link(struct server *s, struct client *c);	/* at the tail */
void		 echo_unlink(struct server *s, struct client *c);
void		 echo_free(struct server *s, struct client *c);

/* tcp_serve.c: a client is leaving (its last report); it left. */
void		 serve_report_gone(struct server *s, struct client *c);
void		 serve_client_gone(struct server *s);

/* Plain tcp-serve: the blocking server of tcp_block.c; an ND_EXIT_*. */
int	block_run(struct server *s);

#endif
