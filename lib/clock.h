/* The one clock for durations: rate limits, backoff, batch ages, progress. */
#ifndef TMDB_CLOCK_H
#define TMDB_CLOCK_H

/* Seconds on CLOCK_MONOTONIC: never jumps with the wall clock. */
double monotonic_seconds(void);

#endif
