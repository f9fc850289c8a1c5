/* tmdb-load --config FILE: the destination named in a JSON file, as a Singer target is
 * run (Meltano: target --config FILE, the stream on standard input). */
#ifndef TMDB_TARGET_CONFIG_H
#define TMDB_TARGET_CONFIG_H

#include "buf.h"
#include "sink.h"

/* {"type": "sqlite", "path": DB} | {"type": "postgres", "dsn": DSN} | {"type": "csv", "dir": DIR},
 * and optionally "alter", "wait" (booleans), "batch", "busy_timeout_ms" (integers),
 * "batch_seconds" (a number), as the options of those names. */
struct target_config {
	char *args[3];		/* the command and its destination, as on the command line; NULL */
};

/* Reads FILE: fills config->args and the options the file sets into options, except
 * those the command line gave (given[] marks them: see enum target_option). Returns 0,
 * or 78 with why naming the file and what is wrong. */
enum target_option { TARGET_ALTER, TARGET_WAIT, TARGET_BATCH, TARGET_BATCH_SECONDS,
		     TARGET_BUSY_TIMEOUT, TARGET_OPTIONS };
int target_config_read(const char *path, struct target_config *config, struct sink_options *options,
		       const int given[TARGET_OPTIONS], struct buf *why);
void target_config_free(struct target_config *config);

#endif
