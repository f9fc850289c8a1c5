/* Where tmdb-load may commit within a run: only between movies (a movie's rows, its
 * sync state and its memberships commit together), after --batch movies or
 * --batch-seconds, whichever comes first. A row of a table that names no movie (another
 * stream's) is a unit of its own. */
#ifndef TMDB_BATCH_H
#define TMDB_BATCH_H

#include "buf.h"
#include "cells.h"
#include "layout.h"

struct batch {
	long max_movies;	/* 0: no limit by count */
	double max_seconds;	/* 0: no limit by time */
	long movies;		/* units begun in this batch */
	double started;		/* monotonic seconds when its first unit came */
	struct buf movie;	/* the movie of the last row, as text */
	int has_movie;		/* the last row named one */
};

void batch_init(struct batch *batch, long max_movies, double max_seconds);
/* Whether batches are on at all: else the run commits once, at the end. */
int batch_enabled(const struct batch *batch);

/* The column of a row that names its movie: a parent's key, a child's parent column,
 * the column a holding row names its held row by; LAYOUT_NONE for another table. */
size_t batch_movie_column(const struct layout *layout);

/* Whether row (of layout) begins another movie than the row before it. */
int batch_new_movie(const struct batch *batch, const struct layout *layout, const struct cells *row);

/* Whether the batch is full: a row that begins another movie commits it first. */
int batch_is_due(const struct batch *batch);

/* Counts the row in the batch. */
void batch_add_row(struct batch *batch, const struct layout *layout, const struct cells *row);

/* The batch was committed: the next row begins the next. */
void batch_committed(struct batch *batch);

void batch_free(struct batch *batch);

#endif
