/* One row of input as typed values, one per column of its table's layout. */
#ifndef TMDB_CELLS_H
#define TMDB_CELLS_H

#include <stddef.h>

#include "buf.h"
#include "jdoc.h"
#include "layout.h"

enum cell_type { CELL_NULL, CELL_TEXT, CELL_INTEGER, CELL_REAL };

struct cell {
	enum cell_type type;
	const char *text;	/* CELL_TEXT: the row's own string, or compact JSON held in json */
	size_t len;
	long long integer;
	double real;
	struct buf json;	/* an object or array value, written out */
};

struct cells {
	struct cell *cell;	/* in layout column order */
	size_t count, cap;
	unsigned char *given;	/* which columns the row named, reused row after row */
	size_t given_cap;
};

/* The first member of row (an object of doc) that layout has no column for, or NULL;
 * never "_sdc_deleted_at", and NULL for a deletion, whose other members do not matter. */
const struct jdoc_node *cells_unknown_column(const struct layout *layout, const struct jdoc *doc,
					     const struct jdoc_node *row);

/* What cells_from_row returns for a deletion. */
#define CELLS_DELETION 1

/* Types every value of row by its column's kind; a missing member is null. Returns 0,
 * or -1 with why filled in: a value of the wrong kind, a column named twice, a key that
 * is missing or null. A row with a non-null "_sdc_deleted_at" (Singer's deletion) gives
 * CELLS_DELETION with only its key typed, every other member ignored; that member is
 * never a column. The cells point into doc, which must outlive them. */
int cells_from_row(struct cells *cells, const struct layout *layout, const struct jdoc *doc,
		   const struct jdoc_node *row, struct buf *why);

/* Appends the value as text: digits, a real's shortest round-trip form, the text
 * itself; nothing for null. */
void cell_format(const struct cell *cell, struct buf *out);

/* count cells, every one null and none given: what a caller fills to match rows by. */
void cells_reset(struct cells *cells, size_t count);

void cells_free(struct cells *cells);

#endif
