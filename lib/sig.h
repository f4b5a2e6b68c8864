/* sig.h: SIGINT and SIGTERM as a readable fd (self-pipe); SIGPIPE ignored. */
#ifndef ND_SIG_H
#define ND_SIG_H

/* Install the handlers and make the pipe; exits on failure (setup). */
void	sig_init(void);

/* Read end of the self-pipe: readable once a signal has arrived. */
int	sig_fd(void);

/* The signal that arrived (SIGINT or SIGTERM), or 0. */
int	sig_caught(void);

#endif
