/* mode.h: what a mode declares about itself; netdemo.c keeps the table. */
#ifndef ND_MODE_H
#define ND_MODE_H

#include "opts.h"

struct nd_mode {
	const char	*name;		/* "tcp-serve" */
	const char	*summary;	/* one line for netdemo --help */
	unsigned	 uses;		/* OPT_* rows beyond the common ones */
	bool		 listens;	/* binds: --port 0 allowed */
	void		(*defaults)(struct nd_args *);	/* NULL: SPEC's */
	int		(*run)(const struct nd_args *);	/* returns ND_EXIT_* */
};

extern const struct nd_mode tcp_serve_mode, tcp_connect_mode;
extern const struct nd_mode udp_send_mode, udp_recv_mode;
extern const struct nd_mode mcast_send_mode, mcast_recv_mode;

#endif
