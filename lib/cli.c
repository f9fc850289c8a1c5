#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "jsonl.h"
#include "log.h"

_Noreturn void cli_usage_error(const char *usage, const char *fmt, ...)
{
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		log_verror(fmt, ap);
		va_end(ap);
	}
	fputs(usage, stderr);
	exit(EXIT_USAGE);
}

_Noreturn void cli_help(const char *usage)
{
	fputs(usage, stdout);
	jsonl_finish();	/* a write error is said, not only exited with */
	exit(0);
}

_Noreturn void cli_version(void)
{
	printf("%s %s\n", log_progname(), TMDB_VERSION);
	jsonl_finish();
	exit(0);
}

int cli_common_option(int c, const char *usage)
{
	switch (c) {
	case 'q': log_set_verbosity(-1); return 1;
	case 'v': log_set_verbosity(log_verbosity() < 0 ? 1 : log_verbosity() + 1); return 1;
	case 'h': cli_help(usage);
	case CLI_OPT_VERSION: cli_version();
	case '?': cli_usage_error(usage, NULL);
	default: return 0;
	}
}
