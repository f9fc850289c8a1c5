/* Rows of the warehouse tables, built from the movie objects tmdb-fetch writes. */
#ifndef TMDB_SHAPE_H
#define TMDB_SHAPE_H

#include <stddef.h>
#include <jansson.h>

#include "tables.h"

/* Called with each row, an object with the table's columns in order. */
typedef void row_fn(const struct table *table, json_t *row, void *context);

/* Builds every row of table from one movie; returns 0, or -1 with why filled in
 * (a value of the wrong kind, a movie without an id). */
int shape_movie(const struct table *table, const json_t *movie, row_fn *each_row, void *context,
		char *why, size_t why_size);

#endif
