/* What every fuzz target shares: the exit hook that turns die() into a return, a
 * private scratch folder, and a check that fails the run with a message. */
#ifndef TMDB_FUZZ_H
#define TMDB_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* The library is built with -Dexit=fuzz_exit: a die() inside fuzz_catch_exit jumps back
 * to it; at any other time it is a failure of the target, as a crash is. */
_Noreturn void fuzz_exit(int status);

/* Calls call(context); returns 0 when it returned, or the status it died with + 1.
 * What the dying code had allocated and not freed stays allocated: a target calls
 * through here only code that frees before it dies, or says why it may not. */
int fuzz_catch_exit(void (*call)(void *context), void *context);

/* A folder of this process's own, removed at exit; made once. */
const char *fuzz_scratch_dir(void);

/* Writes bytes to DIR/name (replacing it) and returns the file's path (static storage). */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

/* rm -r of everything inside path, which stays. */
void fuzz_empty_dir(const char *path);

/* A stream reading the bytes (they must outlive it): what the programs' readers get
 * from a file or standard input, without touching the disk. */
#include <stdio.h>
FILE *fuzz_open_bytes(const uint8_t *data, size_t size);

/* Standard output goes to /dev/null: the programs' printing code runs but stays quiet. */
void fuzz_quiet_stdout(void);

/* Reports a broken invariant and aborts, so libFuzzer saves the input. */
_Noreturn void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
