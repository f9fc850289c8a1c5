/* Where tmdb-load writes: a SQLite or PostgreSQL database, a folder of CSV files, or CSV
 * on standard output. Every call returns 0, or an exit status (65 bad data, 73, 74; on
 * opening also 64, 69, 75 the destination in use, 77) with why filled in; after a
 * failure the caller only calls close, which undoes the run. Opening takes the
 * destination's lock (not for standard output); close lets go of it. */
#ifndef TMDB_SINK_H
#define TMDB_SINK_H

#include "buf.h"
#include "cells.h"
#include "layout.h"
#include "load_state.h"

struct sink;

struct sink_ops {
	/* A table met for the first time; the sink may append columns to its layout. */
	int (*open_table)(struct sink *sink, struct layout *layout, struct buf *why);
	/* --alter: the layout got a column the sink must add too. */
	int (*add_column)(struct sink *sink, struct layout *layout, size_t column, struct buf *why);
	/* Upserts a row by key, counting it in layout->counts. */
	int (*put_row)(struct sink *sink, struct layout *layout, const struct cells *row,
		       struct buf *why);
	/* Deletes every row that has the non-null values of match (a row's key, or a child
	 * table's parent column), counting them in layout->counts.deleted; none is not an
	 * error. */
	int (*delete_rows)(struct sink *sink, struct layout *layout, const struct cells *match,
			   struct buf *why);
	/* Sets *found: whether some row has the non-null values of match. */
	int (*has_rows)(struct sink *sink, struct layout *layout, const struct cells *match, int *found,
			struct buf *why);
	/* The input ended well: replaces children, then commits. */
	int (*finish)(struct sink *sink, struct buf *why);
	/* Frees the sink; when the run failed (not finished), leaves the target as it was
	 * (as the last commit left it). */
	void (*close)(struct sink *sink);
	/* A batch ended (between movies): replaces the children of the parents it had and
	 * commits it, then goes on with the next. NULL: the sink commits once, at finish. */
	int (*commit)(struct sink *sink, struct buf *why);
	/* Singer's ACTIVATE_VERSION: deletes every row whose column (the table version its
	 * record came with) is below version (not one that came with none), counting them in
	 * layout->counts.deleted, once every row before it is in. */
	int (*drop_versions)(struct sink *sink, struct layout *layout, size_t column, long long version,
			     struct buf *why);
};

struct sink {
	const struct sink_ops *ops;
};

struct sink_options {
	int alter;		/* add columns the input has and a table lacks */
	int busy_timeout_ms;	/* how long to wait for a locked database (PostgreSQL: lock_timeout) */
	int wait;		/* wait for another load of the destination to end, else exit 75 */
	/* Commit after this many movies or seconds, whichever first (0: no limit; both 0:
	 * once, at the end); negative: the sink's default. */
	long batch_movies;
	double batch_seconds;
	int shared;		/* PostgreSQL: load beside other --shared loads, movie by movie */
};

/* Each returns 0 with *sink set, or an exit status with why filled in. */
int sink_sqlite_open(const char *path, const struct sink_options *options, struct sink **sink,
		     struct buf *why);
/* dsn: a libpq connection string, a postgresql:// URI, or a database name. */
int sink_postgres_open(const char *dsn, const struct sink_options *options, struct sink **sink,
		       struct buf *why);
int sink_csv_open(const char *dir, const struct sink_options *options, struct sink **sink,
		  struct buf *why);
/* Rows of one table as CSV on standard output, no merge; other tables are not its business. */
int sink_csv_stdout_open(const char *table_name, struct sink **sink, struct buf *why);

/* --print-state: the committed sync state of a destination, read without changing or
 * creating anything; one that does not exist holds the empty state. Each returns 0 with
 * *state filled, or an exit status (74, or 69 and 77 when PostgreSQL is out of reach)
 * with why filled in. */
int sink_sqlite_read_state(const char *path, const struct sink_options *options,
			   struct load_state *state, struct buf *why);
int sink_postgres_read_state(const char *dsn, const struct sink_options *options,
			     struct load_state *state, struct buf *why);
int sink_csv_read_state(const char *dir, struct load_state *state, struct buf *why);

#endif
