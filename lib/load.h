/* tmdb-load's run over its input: every table and row the row reader gives goes to the
 * sink, deletions through lib/deletion.c, and the count of each table at the end. */
#ifndef TMDB_LOAD_H
#define TMDB_LOAD_H

#include "buf.h"
#include "deletion.h"
#include "rows.h"
#include "sink.h"

/* Called after each batch's commit (not the run's last, at finish). */
typedef void load_committed_fn(void *arg);

/* Feeds every table and row of the input to the sink (with options->alter, a row's
 * columns its table lacks are added first); stops at the first problem. With batches
 * (options->batch_movies, batch_seconds) and a sink that commits, each full batch is
 * committed where a movie ends, its deletions finished first, then committed is called.
 * The caller finishes the last batch. Returns 0, or an exit status (65 for the input)
 * with why saying what is wrong, after the input's name and line ("-:3: ...") when the
 * problem is on one. */
int load_input(struct row_reader *rows, struct sink *sink, const struct sink_options *options,
	       struct deletions *deletions, load_committed_fn *committed, void *arg, struct buf *why);

/* One line on standard error per table the run loaded, as log_warn (-q quiets it):
 * "TABLE: N inserted, N updated, N unchanged, N deleted". */
void load_report_counts(const struct row_reader *rows);

#endif
