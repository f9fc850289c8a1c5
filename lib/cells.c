#include "cells.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "log.h"
#include "xalloc.h"

static const char deletion_mark[] = LAYOUT_DELETION_MARK;

static int is_deletion_mark(const struct jdoc_node *member)
{
	return member->key_len == sizeof deletion_mark - 1 &&
	       memcmp(member->key, deletion_mark, member->key_len) == 0;
}

/* Looked up only once a member matched no column, so an ordinary row pays nothing. */
static int is_deletion(const struct jdoc *doc, const struct jdoc_node *row)
{
	const struct jdoc_node *mark = jdoc_get(doc, row, deletion_mark);
	return mark && mark->type != JDOC_NULL;
}

const struct jdoc_node *cells_unknown_column(const struct layout *layout, const struct jdoc *doc,
					     const struct jdoc_node *row)
{
	const struct jdoc_node *member = row->count ? jdoc_first(row) : NULL;
	for (size_t i = 0; i < row->count; i++, member = jdoc_next(doc, member))
		if (layout_column_find(layout, member->key, member->key_len, i) == LAYOUT_NONE &&
		    !is_deletion_mark(member))
			return is_deletion(doc, row) ? NULL : member;	/* a deletion adds nothing */
	return NULL;
}

static void set_text(struct cell *cell, const char *text, size_t len)
{
	cell->type = CELL_TEXT;
	cell->text = text;
	cell->len = len;
}

static void set_json(struct cell *cell, const struct jdoc *doc, const struct jdoc_node *value)
{
	buf_clear(&cell->json);
	jdoc_write_compact(&cell->json, doc, value);
	set_text(cell, cell->json.data, cell->json.len);
}

/* Types value as kind says; -1 when it is of another kind. */
static int type_cell(struct cell *cell, enum value_kind kind, const struct jdoc *doc,
		     const struct jdoc_node *value)
{
	if (value->type == JDOC_NULL) {
		cell->type = CELL_NULL;
		return 0;
	}
	if (kind == KIND_ANY)
		kind = value_kind_of_node(value);
	switch (kind) {
	case KIND_STRING:
		if (value->type != JDOC_STRING)
			return -1;
		set_text(cell, value->text, value->len);
		return 0;
	case KIND_INTEGER:
		if (value->type != JDOC_INTEGER)
			return -1;
		cell->type = CELL_INTEGER;
		cell->integer = value->integer;
		return 0;
	case KIND_NUMBER:
		if (value->type != JDOC_INTEGER && value->type != JDOC_REAL)
			return -1;
		cell->type = CELL_REAL;
		cell->real = value->type == JDOC_REAL ? value->real : (double)value->integer;
		return 0;
	case KIND_BOOLEAN:
		if (value->type != JDOC_TRUE && value->type != JDOC_FALSE)
			return -1;
		cell->type = CELL_INTEGER;
		cell->integer = value->type == JDOC_TRUE;
		return 0;
	case KIND_OBJECT:
	case KIND_ARRAY:
		if (value->type != (kind == KIND_OBJECT ? JDOC_OBJECT : JDOC_ARRAY))
			return -1;
		set_json(cell, doc, value);
		return 0;
	case KIND_JSON:
		set_json(cell, doc, value);
		return 0;
	default:
		return -1;
	}
}

static const char *json_noun(const struct jdoc_node *value)
{
	switch (value->type) {
	case JDOC_STRING: return "a string";
	case JDOC_INTEGER: return "an integer";
	case JDOC_REAL: return "a real";
	case JDOC_TRUE:
	case JDOC_FALSE: return "a boolean";
	case JDOC_OBJECT: return "an object";
	case JDOC_ARRAY: return "an array";
	default: return "null";
	}
}

void cells_reset(struct cells *cells, size_t count)
{
	while (cells->cap < count) {
		size_t old = cells->cap;
		cells->cell = xgrow(cells->cell, &cells->cap, cells->cap, sizeof *cells->cell);
		memset(cells->cell + old, 0, (cells->cap - old) * sizeof *cells->cell);
	}
	cells->count = count;
	for (size_t i = 0; i < count; i++)
		cells->cell[i].type = CELL_NULL;
	if (cells->given_cap < count) {
		free(cells->given);
		cells->given = xmalloc(count);
		cells->given_cap = count;
	}
	memset(cells->given, 0, count);
}

static int check_key(const struct cells *cells, const struct layout *layout, struct buf *why)
{
	for (size_t k = 0; k < layout->key_count; k++) {
		if (cells->cell[layout->key[k]].type == CELL_NULL) {
			buf_printf(why, "%s: no value for the key column ", layout->name);
			layout_quote_name(why, layout->columns[layout->key[k]].name);
			return -1;
		}
	}
	return 0;
}

/* Says which member of row is wrong, and how. */
static void describe_member(const struct layout *layout, const struct jdoc_node *member, size_t i,
			    int twice, struct buf *why)
{
	struct buf name = {0};
	buf_append(&name, member->key, member->key_len);
	const char *text = name.data ? name.data : "";
	if (i == LAYOUT_NONE) {
		layout_describe_unknown_column(why, layout, text);
		buf_free(&name);
		return;
	}
	buf_printf(why, "%s: column ", layout->name);
	layout_quote_name(why, text);
	buf_free(&name);
	if (twice)
		buf_puts(why, ": given twice (column names ignore case)");
	else
		buf_printf(why, ": expected %s, got %s", value_kind_noun(layout->columns[i].kind),
			   json_noun(member));
}

/* A deletion's cells: its key, typed; every other member is left out and null. */
static int key_cells(struct cells *cells, const struct layout *layout, const struct jdoc *doc,
		     const struct jdoc_node *row, struct buf *why)
{
	cells_reset(cells, layout->column_count);
	const struct jdoc_node *member = row->count ? jdoc_first(row) : NULL;
	for (size_t n = 0; n < row->count; n++, member = jdoc_next(doc, member)) {
		size_t i = layout_column_find(layout, member->key, member->key_len, n);
		if (i == LAYOUT_NONE || !layout_is_key_column(layout, i))
			continue;
		if (!cells->given[i]++ && type_cell(&cells->cell[i], layout->columns[i].kind, doc, member) == 0)
			continue;
		describe_member(layout, member, i, cells->given[i] > 1, why);
		return -1;
	}
	if (!layout->key_count) {
		/* No key would match every row. */
		buf_printf(why, "%s: a deletion (%s) in a table without key_properties names no row",
			   layout->name, deletion_mark);
		return -1;
	}
	return check_key(cells, layout, why) < 0 ? -1 : CELLS_DELETION;
}

int cells_from_row(struct cells *cells, const struct layout *layout, const struct jdoc *doc,
		   const struct jdoc_node *row, struct buf *why)
{
	/* Members are matched to columns one by one, so "Title" and "title" in one row
	 * (one SQL column) are caught rather than one silently winning. */
	cells_reset(cells, layout->column_count);
	const struct jdoc_node *member = row->count ? jdoc_first(row) : NULL;
	for (size_t n = 0; n < row->count; n++, member = jdoc_next(doc, member)) {
		size_t i = layout_column_find(layout, member->key, member->key_len, n);
		if (i != LAYOUT_NONE && !cells->given[i]++ &&
		    type_cell(&cells->cell[i], layout->columns[i].kind, doc, member) == 0)
			continue;
		/* Whatever else a deletion holds does not matter; a null mark is no mark. */
		if (is_deletion(doc, row))
			return key_cells(cells, layout, doc, row, why);
		if (i == LAYOUT_NONE && (is_deletion_mark(member) || layout->from_schema))
			continue;	/* a field its SCHEMA does not declare is left out */
		describe_member(layout, member, i, i != LAYOUT_NONE && cells->given[i] > 1, why);
		return -1;
	}
	return check_key(cells, layout, why);
}

void cell_format(const struct cell *cell, struct buf *out)
{
	switch (cell->type) {
	case CELL_TEXT:
		buf_append(out, cell->text, cell->len);
		break;
	case CELL_INTEGER:
		json_write_integer(out, cell->integer);
		break;
	case CELL_REAL:
		/* The JSON writer's shortest form that reads back exactly, as tmdb-shape prints it. */
		json_write_real(out, cell->real);
		break;
	case CELL_NULL:
		break;
	}
}

void cells_free(struct cells *cells)
{
	for (size_t i = 0; i < cells->cap; i++)
		buf_free(&cells->cell[i].json);
	free(cells->cell);
	free(cells->given);
	*cells = (struct cells){0};
}
