/* tmdb-load's input: plain row objects of one TABLE, or a Singer stream (SCHEMA,
 * RECORD, STATE, ACTIVATE_VERSION messages; others ignored, as Singer says), read line
 * by line into table and row events. */
#ifndef TMDB_ROWS_H
#define TMDB_ROWS_H

#include <jansson.h>

#include "buf.h"
#include "jdoc.h"
#include "jsonl.h"
#include "layout.h"

enum row_event {
	ROWS_END,	/* no more input */
	ROWS_TABLE,	/* a table met for the first time: its layout */
	ROWS_ROW,	/* a row of a table met before */
	ROWS_COLUMNS,	/* a later SCHEMA added columns to a table: from layout->new_columns on */
	ROWS_ACTIVATE,	/* ACTIVATE_VERSION: rows of versions before item->version go */
};

struct row_item {
	enum row_event event;
	struct layout *layout;
	const struct jdoc *doc;		/* ROWS_ROW: the row, an object of doc, valid until */
	const struct jdoc_node *row;	/* the next call */
	const struct jdoc_node *extracted;	/* a RECORD's "time_extracted" string, or NULL */
	const struct jdoc_node *version;	/* a RECORD's or ACTIVATE_VERSION's integer "version",
						   for a stream's own table (layout->from_schema); or NULL */
};

struct row_reader {
	struct line_reader lines;	/* its name and lineno place every message */
	const char *table_name;		/* TABLE, whose rows plain rows are; NULL: Singer only */
	struct layout **layouts;	/* every table met, in order of appearance */
	size_t count, cap;
	struct layout *announce;	/* a table to give as ROWS_TABLE before reading on */
	struct jdoc doc;		/* the current line */
	struct buf stream;		/* its "stream", as a C string */
	int singer;			/* a Singer message came: the input is a Singer stream */
	json_t *state;			/* the last STATE message's value, or NULL: what a
					   Singer target prints once the data before it is committed */
};

/* Reads standard input. A TABLE the toolkit knows is met at once. */
void rows_open(struct row_reader *reader, const char *table_name);

/* Returns 0 with the next event in *item, or -1 with why saying what is wrong with
 * the current line (the caller names reader->lines.name and lineno). */
int rows_next(struct row_reader *reader, struct row_item *item, struct buf *why);

/* The layout of one of the toolkit's tables, met or not: a deletion reaches tables the
 * input may never name (a movie's children); they join the run's tables, unannounced. */
struct layout *rows_table_layout(struct row_reader *reader, const struct table *table);

void rows_close(struct row_reader *reader);

#endif
