/* Rows of the warehouse tables, built from the movie objects tmdb-fetch writes. */
#ifndef TMDB_SHAPE_H
#define TMDB_SHAPE_H

#include <stddef.h>

#include "buf.h"
#include "jdoc.h"
#include "tables.h"

/* Appends every row of table built from one movie to out, a JSON line each: the row
 * object with the table's columns in order, or with singer set, the Singer RECORD
 * message that carries it. Returns 0, or -1 with why saying in one line what is wrong
 * (a value of the wrong kind, a key column missing or null, a movie without an id) and
 * out as it was. */
int shape_movie(const struct table *table, const struct jdoc *doc, const struct jdoc_node *movie,
		int singer, struct buf *out, struct buf *why);

/* One line of tmdb-shape's input, a movie object (judged by jsonl_judge_line, parsed into
 * doc, which the caller reuses line after line), as rows appended to out: the rows of
 * table, or with table NULL of every table, as Singer RECORD messages. A line shapes
 * whole or not at all: returns 0, or -1 with why saying in one line what is wrong and
 * out as it was. */
int shape_line(const struct table *table, struct jdoc *doc, const char *line, size_t len,
	       struct buf *out, struct buf *why);

#endif
