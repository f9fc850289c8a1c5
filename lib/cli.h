/* What every program's command line shares: usage errors and the version line. */
#ifndef TMDB_CLI_H
#define TMDB_CLI_H

#include <getopt.h>

/* The options every program takes, for its getopt_long table and its usage text. */
enum { CLI_OPT_VERSION = 1000 };
#define CLI_COMMON_OPTIONS \
	{"quiet", no_argument, NULL, 'q'}, \
	{"verbose", no_argument, NULL, 'v'}, \
	{"help", no_argument, NULL, 'h'}, \
	{"version", no_argument, NULL, CLI_OPT_VERSION}
#define CLI_COMMON_SHORT "qvh"
#define CLI_COMMON_USAGE \
	"  -q, --quiet     no warnings\n" \
	"  -v, --verbose   more detail (repeatable)\n" \
	"  -h, --help      this text\n" \
	"      --version   the version\n"

/* Handles -q, -v, -h, --version and an unknown option (usage error); returns 0 when
 * c is none of them, so the program handles it. */
int cli_common_option(int c, const char *usage);

/* Prints "PROGRAM: message" (when fmt is not NULL) and the usage to standard error,
 * then exits 64. */
_Noreturn void cli_usage_error(const char *usage, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* --help: the usage on standard output, exit 0. */
_Noreturn void cli_help(const char *usage);

/* --version: "PROGRAM VERSION" on standard output, exit 0. */
_Noreturn void cli_version(void);

#endif
