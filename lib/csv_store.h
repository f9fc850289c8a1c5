/* Where tmdb-load csv keeps a run's rows while it merges them: a scratch SQLite database
 * in the destination folder (DIR/.merge.XXXXXX, unlinked as soon as it is open, so a
 * crash leaves nothing), so memory stays flat however big the files are. Each table
 * keeps its rows in file order and finds them by key; a row is its cells in file column
 * order, each text or NULL for null. A row is never removed, only marked deleted, so a
 * row that comes back in the run takes its old place. Every call returns 0, or an exit
 * status (73, 74) with why filled in. */
#ifndef TMDB_CSV_STORE_H
#define TMDB_CSV_STORE_H

#include <stddef.h>

#include "buf.h"

struct csv_store;
struct csv_store_table;

/* A row as found: valid until the next call on the store. */
struct csv_store_row {
	int exists;
	long long number;	/* its place in file order, from 1 */
	int deleted;
	const char *const *cells;	/* width cells */
};

int csv_store_open(const char *dir, struct csv_store **store, struct buf *why);
/* Throws every row away, with the scratch file. */
void csv_store_close(struct csv_store *store);

/* A table of width columns, keyed by the columns key[0..key_count). */
int csv_store_add_table(struct csv_store *store, size_t width, const size_t *key, size_t key_count,
			struct csv_store_table **table, struct buf *why);
/* One more column, null in every row so far. */
int csv_store_add_column(struct csv_store_table *table, struct buf *why);

/* Appends a row after every other: first the file's (seen 0), then those the run puts
 * (seen 1). When its key is taken, the row is not added and *taken is the number of the
 * row that has it (else 0). */
int csv_store_append(struct csv_store_table *table, const char *const *cells, int seen,
		     long long *taken, struct buf *why);
/* How many rows were appended with seen 0. */
long long csv_store_file_rows(const struct csv_store_table *table);
/* The row whose key is the key cells of cells. */
int csv_store_find(struct csv_store_table *table, const char *const *cells, struct csv_store_row *row,
		   struct buf *why);
/* Gives row number new cells; it is seen and no longer deleted. */
int csv_store_replace(struct csv_store_table *table, long long number, const char *const *cells,
		      struct buf *why);
/* The run put row number again, as it was. */
int csv_store_mark_seen(struct csv_store_table *table, long long number, struct buf *why);

/* Marks deleted every row not deleted yet that has each non-null cell of wanted; *count
 * says how many. */
/* Marks deleted every row whose cell (a table version) is a number below version. */
int csv_store_delete_older(struct csv_store_table *table, size_t cell, long long version, long *count,
			   struct buf *why);
int csv_store_delete_matching(struct csv_store_table *table, const char *const *wanted, long *count,
			      struct buf *why);
/* Whether a row not deleted has each non-null cell of wanted. */
int csv_store_has_matching(struct csv_store_table *table, const char *const *wanted, int *found,
			   struct buf *why);

/* A parent row came in this run: the value of its key column name (or a child's parent
 * column of that name). */
int csv_store_note_parent(struct csv_store *store, const char *name, const char *value, struct buf *why);
/* Marks deleted every row not seen in this run whose column parent holds a value noted
 * for name; *count says how many. */
int csv_store_delete_orphans(struct csv_store_table *table, size_t parent, const char *name, long *count,
			     struct buf *why);

/* The rows not deleted, in file order: begin, then next until *cells is NULL. */
int csv_store_rows_begin(struct csv_store_table *table, struct buf *why);
int csv_store_rows_next(struct csv_store_table *table, const char *const **cells, struct buf *why);

#endif
