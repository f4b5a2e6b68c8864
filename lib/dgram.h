/*
 * dgram.h: the send and receive loops shared by udp-send/mcast-send and
 * udp-recv/mcast-recv: templates, pacing, --size, --seq, printing,
 * truncation, timeouts, reports, echoes and round trips, several
 * datagrams a system call (batch.h, gro.h), and the exit status of
 * SPEC.md.
 */
#ifndef ND_DGRAM_H
#define ND_DGRAM_H

#include <sys/socket.h>

#include "out.h"

#define DGRAM_MAX	65507	/* largest UDP payload over IPv4 */
/*
 * SO_RCVBUF asked for: a GSO sender on this host writes 2-3 GB/s, and a
 * receiver that loses its CPU for a few ms must not drop what came.
 */
#define DGRAM_RCVBUF	(32 << 20)

/* What a run asks of the engines (the modes fill it from the options). */
struct dgram_opts {
	long long	 count;		/* datagrams; 0 = unlimited */
	bool		 seq;		/* --seq header */
	bool		 quiet;		/* no data lines */
	int		 verbose;	/* events on standard error */
	bool		 stats;		/* summary at exit */
	enum out_format	 format;
	double		 duration;	/* seconds of run; < 0 = none */
	double		 report;	/* seconds between reports; < 0 = none */
	bool		 histogram;	/* draw the latencies at exit */
	bool		 no_batch;	/* a system call per datagram */
	/* Sending. */
	const char	*message;	/* template with {n} */
	bool		 use_stdin;	/* a datagram per line instead */
	double		 interval;	/* seconds between datagrams */
	long long	 size;		/* pad or cut to this; < 0 = no */
	double		 rate;		/* datagrams or bits per s; < 0 = no */
	bool		 rate_bits;	/* rate in bits/s */
	bool		 rtt;		/* receive echoes, time round trips */
	double		 rtt_timeout;	/* seconds */
	/* Receiving. */
	long long	 bufsize;	/* bytes per receive */
	double		 timeout;	/* idle limit, seconds; < 0 = none */
	double		 max_loss;	/* percent; < 0 = none */
	bool		 echo;		/* answer --seq datagrams */
};

struct dgram_tx {
	struct dgram_opts	 o;
	int			 fd;		/* connected to the destination */
	/* Not connected (--rtt to a group): the destination, else NULL. */
	const struct sockaddr_storage *to;
	const char		*dest;		/* "ADDR:PORT", for json */
	const char		*group;		/* multicast group, or NULL */
};

/* Send until the count, the end of input or a signal; returns ND_EXIT_*. */
int	dgram_send(const struct dgram_tx *tx);

struct dgram_rx {
	struct dgram_opts	 o;
	int			 fd;
	/* Multicast: only datagrams to these groups are printed. */
	const struct sockaddr_storage *groups;
	int			 ngroups;
	/* --echo: the socket that answers (fd itself when < 0). */
	int			 echo_fd;
	/* Called when the timeout passes with nothing received, or NULL. */
	void			(*on_silence)(void *arg);
	void			*arg;
};

/*
 * Receive until the count, the timeout or a signal; prints the summary
 * when asked (or on a signal) and returns ND_EXIT_SHORT when the run fell
 * short: the timeout before the count (or before any datagram), loss
 * above max_loss, or nothing measured.
 */
int	dgram_recv(const struct dgram_rx *rx);

/*
 * Wait until the monotonic deadline (ns; < 0: none), to the nanosecond
 * when it is near, or until fd (>= 0) is readable; a deadline already
 * past wins over a readable fd.  DW_ENDING (0) when the run is ending.
 */
enum { DW_ENDING, DW_DEADLINE, DW_READABLE };
int	dgram_wait(long long deadline_ns, int fd);

/* Raise SO_RCVBUF so that bursts are not dropped needlessly. */
void	dgram_rcvbuf(int fd);

/* The most payload one datagram holds, with or without a --seq header. */
size_t	dgram_payload_max(bool seq);

/* The length of template with {n} as 0: what its first datagram holds. */
size_t	dgram_template_len(const char *tmpl);

/* For --version: "recvmmsg timerfd" as this build has them. */
const char	*dgram_features(void);

#endif
