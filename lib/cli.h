/* What every program's command line shares: usage errors and the version line. */
#ifndef TMDB_CLI_H
#define TMDB_CLI_H

/* Prints "PROGRAM: message" (when fmt is not NULL) and the usage to standard error,
 * then exits 64. */
_Noreturn void cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --help: the usage on standard output, exit 0. */
_Noreturn void cli_help(const char *usage);

/* --version: "PROGRAM VERSION" on standard output, exit 0. */
_Noreturn void cli_version(void);

#endif
