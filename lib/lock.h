/* One writer per destination: an exclusive flock(2) on a lock file, held from before the
 * destination is read until after it is committed. The file names its holder with one
 * line, "PID PROGRAM", and is never unlinked: a process that opened the old file would
 * lock it while a newcomer locks a new one, and both would write. */
#ifndef TMDB_LOCK_H
#define TMDB_LOCK_H

#include "buf.h"

struct lock {
	int fd;		/* the lock file, ours to close; -1 when the caller's lock serves */
};

/* Takes the lock on the lock file path for dest (as messages name it). With wait it
 * waits for the holder as long as it takes; without, a held lock fails at once. When
 * TMDB_LOCK_FD names an open descriptor of that same file, the lock is taken through it:
 * a script that holds it passes it on, and nothing of our own is taken. Returns 0, or
 * with why filled in 75 (held by another), 73 (no lock file) or 74. */
int lock_take(struct lock *lock, const char *path, const char *dest, int wait, struct buf *why);

/* Lets go: clears the holder line and closes the file, which releases the lock. */
void lock_release(struct lock *lock);

/* flock(2) with operation (LOCK_EX, LOCK_UN, ...), again when a signal interrupts it. */
int lock_flock(int fd, int operation);

/* The message for a destination in use by holder ("PROGRAM (pid N)"; NULL: unknown). */
void lock_busy_message(struct buf *why, const char *dest, const char *holder);

#endif
