#include "batch.h"

#include <string.h>

#include "clock.h"

void batch_init(struct batch *batch, long max_movies, double max_seconds)
{
	*batch = (struct batch){.max_movies = max_movies, .max_seconds = max_seconds};
}

int batch_enabled(const struct batch *batch)
{
	return batch->max_movies > 0 || batch->max_seconds > 0;
}

size_t batch_movie_column(const struct layout *layout)
{
	if (layout->is_parent)
		return layout->key[0];
	if (layout->parent != LAYOUT_NONE)
		return layout->parent;
	const struct table *held = layout->known && layout->known->holds ? table_find(layout->known->holds)
									 : NULL;
	return held ? layout_column_index(layout, held->key[0]) : LAYOUT_NONE;
}

/* The movie as text; cells of any type compare by their text. */
static void movie_text(const struct layout *layout, const struct cells *row, struct buf *text)
{
	buf_clear(text);
	cell_format(&row->cell[batch_movie_column(layout)], text);
}

int batch_new_movie(const struct batch *batch, const struct layout *layout, const struct cells *row)
{
	size_t column = batch_movie_column(layout);
	if (column == LAYOUT_NONE || column >= row->count || !batch->has_movie)
		return 1;
	struct buf text = {0};
	movie_text(layout, row, &text);
	int other = text.len != batch->movie.len || memcmp(text.data, batch->movie.data, text.len) != 0;
	buf_free(&text);
	return other;
}

int batch_is_due(const struct batch *batch)
{
	if (batch->movies == 0)
		return 0;
	return (batch->max_movies > 0 && batch->movies >= batch->max_movies) ||
	       (batch->max_seconds > 0 && monotonic_seconds() - batch->started >= batch->max_seconds);
}

void batch_add_row(struct batch *batch, const struct layout *layout, const struct cells *row)
{
	if (batch_new_movie(batch, layout, row)) {
		if (batch->movies++ == 0)
			batch->started = monotonic_seconds();
	}
	size_t column = batch_movie_column(layout);
	batch->has_movie = column != LAYOUT_NONE && column < row->count;
	if (batch->has_movie)
		movie_text(layout, row, &batch->movie);
}

void batch_committed(struct batch *batch)
{
	batch->movies = 0;
	batch->has_movie = 0;
}

void batch_free(struct batch *batch)
{
	buf_free(&batch->movie);
}
