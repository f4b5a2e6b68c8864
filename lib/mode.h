/* mode.h: what a mode declares about itself; netdemo.c keeps the table. */
#ifndef ND_MODE_H
#define ND_MODE_H

#include "opts.h"

struct nd_mode {
	const char	*name;		/* "tcp-serve" */
	const char	*summary;	/* one line for netdemo --help */
	uint64_t	 takes;		/* OPT(id) rows beyond OPTS_SHARED */
	uint64_t	 repeats;	/* rows it takes more than once */
	const struct opt_text *texts;	/* its own help lines; O_NROWS ends */
	bool		 listens;	/* binds: --port 0 allowed */
	/*
	 * After parsing: the defaults of what was not given, which may
	 * depend on what was (the family).  NULL: SPEC's alone.
	 */
	void		(*defaults)(struct nd_args *);
	/* After parsing: usage errors only this mode knows (nd_usage). */
	void		(*check)(const struct nd_args *);
	int		(*run)(const struct nd_args *);	/* returns ND_EXIT_* */
};

extern const struct nd_mode tcp_serve_mode, tcp_connect_mode;
extern const struct nd_mode udp_send_mode, udp_recv_mode;
extern const struct nd_mode mcast_send_mode, mcast_recv_mode;

#endif
