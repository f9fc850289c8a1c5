/* Deletions in a run of tmdb-load, the same for every sink: a row marked deleted goes;
 * a parent row takes its children with it (lib/tables.c's parent_key); a row that
 * holds another (lib/tables.c's holds: a membership holds its movie) lets it go, once
 * the run ends with nothing holding it. */
#ifndef TMDB_DELETION_H
#define TMDB_DELETION_H

#include "buf.h"
#include "cells.h"
#include "rows.h"
#include "sink.h"
#include "strmap.h"

/* A row whose holding row went in this run: deleted at the end unless held again. */
struct held_row {
	struct layout *holder;	/* the holding table, e.g. memberships */
	size_t link;		/* its column naming the held row, e.g. movie_id */
	const struct table *held;	/* e.g. movies */
	struct cell value;	/* the held row's key */
	char *text;		/* value's text, owned */
};

struct deletions {
	struct sink *sink;
	struct row_reader *rows;	/* where the layouts of reached tables come from */
	struct held_row *held;
	size_t count, cap;
	struct strmap noted;		/* held tables and keys already in held */
	struct cells match;		/* reused to name the rows to delete or look for */
};

void deletions_init(struct deletions *deletions, struct sink *sink, struct row_reader *rows);

/* Deletes the row of layout with key's key (the cells of a deletion), then the rows of
 * every child table naming it; a holding row that went is noted for the end. Returns 0
 * or the sink's exit status, why filled in. */
int deletions_delete(struct deletions *deletions, struct layout *layout, const struct cells *key,
		     struct buf *why);

/* At the end of the input, before the commit: each noted row that no holding row names
 * any more is deleted, with its children. Only ever rows whose holder had a row go. */
int deletions_finish(struct deletions *deletions, struct buf *why);

/* Forgets what a committed batch noted; the sink and tables stay. */
void deletions_clear(struct deletions *deletions);

void deletions_free(struct deletions *deletions);

#endif
