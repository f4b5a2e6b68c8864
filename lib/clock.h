/* clock.h: the clocks of a run: monotonic for deadlines, wall for stamps. */
#ifndef ND_CLOCK_H
#define ND_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds and in milliseconds. */
long long	clock_ns(void);
long long	clock_ms(void);

/* CLOCK_REALTIME in microseconds since the epoch (--seq send times). */
int64_t		clock_wall_us(void);

/* Now as ISO 8601 UTC with microseconds into dst (>= 32 bytes). */
void		clock_iso(char *dst, size_t cap);

#endif
