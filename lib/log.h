/* Diagnostics on standard error as "PROGRAM: message", with secrets scrubbed. */
#ifndef TMDB_LOG_H
#define TMDB_LOG_H

#include <stdarg.h>

/* sysexits.h codes, named here so every program uses the contract's numbers. */
enum {
	EXIT_USAGE = 64,
	EXIT_DATAERR = 65,
	EXIT_NOINPUT = 66,
	EXIT_UNAVAILABLE = 69,
	EXIT_SOFTWARE = 70,
	EXIT_CANTCREAT = 73,
	EXIT_IOERR = 74,
	EXIT_TEMPFAIL = 75,
	EXIT_NOPERM = 77,
	EXIT_CONFIG = 78,
};

void log_init(const char *progname);
const char *log_progname(void);

/* -q lowers the level below 0, each -v raises it by one. */
void log_set_verbosity(int level);
int log_verbosity(void);

/* Called before each message is written (the progress line clears itself), or NULL. */
void log_set_before_message(void (*hook)(void));

/* Every later message has each occurrence of secret replaced by "***". */
void log_add_secret(const char *secret);

void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_verror(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Replaces the values of api_key= query parameters and of Bearer
 * credentials with "***"; the result is malloc'd (never NULL: running out of memory
 * ends the program, as lib/xalloc.h says). */
char *mask_credentials(const char *text);

#endif
