/* A rate limit shared by the processes of one host: the token bucket (lib/token_bucket.h)
 * lives in a file that each of them reads and rewrites under an exclusive flock(2), held
 * for that read-modify-write only, never while waiting for a token or during a request.
 * The file holds one line of bucket numbers, "tokens=T refilled=S", S in CLOCK_MONOTONIC
 * seconds (host-wide on Linux); nothing else, never a credential. */
#ifndef TMDB_RATE_FILE_H
#define TMDB_RATE_FILE_H

#include "buf.h"

struct rate_file;

/* Opens path, creating it (mode 0600) when missing, and checks that it locks and reads.
 * Returns 0 with *file set, or with why filled in 73 (cannot open, create or lock it,
 * or not a regular file) or 74 (cannot read it). */
int rate_file_open(struct rate_file **file, const char *path, struct buf *why);

/* Takes a token from the shared bucket at now, refilling it at rate (above 0) a second:
 * *wait is 0 when one was taken, else the seconds until one will be there. An empty or
 * garbled file is a full bucket (garbled: a note at -v). Returns 0, or 74 with why
 * filled in when the file cannot be locked, read or written. */
int rate_file_take(struct rate_file *file, double rate, double now, double *wait, struct buf *why);

void rate_file_close(struct rate_file *file);

#endif
