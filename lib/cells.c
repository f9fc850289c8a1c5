#include "cells.h"

#include <stdlib.h>
#include <string.h>

#include "jsonl.h"
#include "log.h"
#include "xalloc.h"

const char *cells_unknown_column(const struct layout *layout, const json_t *row)
{
	const char *name;
	const json_t *value;
	json_object_foreach((json_t *)row, name, value)
		if (layout_column_index(layout, name) == LAYOUT_NONE)
			return name;
	return NULL;
}

static void set_text(struct cell *cell, const char *text, size_t len)
{
	cell->type = CELL_TEXT;
	cell->text = text;
	cell->len = len;
}

static void set_json(struct cell *cell, const json_t *value)
{
	buf_clear(&cell->json);
	if (json_write_compact(&cell->json, value) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	set_text(cell, cell->json.data, cell->json.len);
}

/* Types value as kind says; -1 when it is of another kind. */
static int type_cell(struct cell *cell, enum value_kind kind, const json_t *value)
{
	if (json_is_null(value)) {
		cell->type = CELL_NULL;
		return 0;
	}
	if (kind == KIND_ANY)
		kind = value_kind_of_json(value);
	switch (kind) {
	case KIND_STRING:
		if (!json_is_string(value))
			return -1;
		set_text(cell, json_string_value(value), json_string_length(value));
		return 0;
	case KIND_INTEGER:
		if (!json_is_integer(value))
			return -1;
		cell->type = CELL_INTEGER;
		cell->integer = json_integer_value(value);
		return 0;
	case KIND_NUMBER:
		if (!json_is_number(value))
			return -1;
		cell->type = CELL_REAL;
		cell->real = json_number_value(value);
		return 0;
	case KIND_BOOLEAN:
		if (!json_is_boolean(value))
			return -1;
		cell->type = CELL_INTEGER;
		cell->integer = json_is_true(value);
		return 0;
	case KIND_OBJECT:
	case KIND_ARRAY:
		if (kind == KIND_OBJECT ? !json_is_object(value) : !json_is_array(value))
			return -1;
		set_json(cell, value);
		return 0;
	default:
		return -1;
	}
}

static const char *json_noun(const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	default: return "null";
	}
}

static void prepare(struct cells *cells, size_t count)
{
	while (cells->cap < count) {
		size_t old = cells->cap;
		cells->cell = xgrow(cells->cell, &cells->cap, cells->cap, sizeof *cells->cell);
		memset(cells->cell + old, 0, (cells->cap - old) * sizeof *cells->cell);
	}
	cells->count = count;
	for (size_t i = 0; i < count; i++)
		cells->cell[i].type = CELL_NULL;
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

int cells_from_row(struct cells *cells, const struct layout *layout, const json_t *row,
		   struct buf *why)
{
	/* Members are matched to columns one by one, so "Title" and "title" in one row
	 * (one SQL column) are caught rather than one silently winning. */
	unsigned char *given = xcalloc(layout->column_count, 1);
	prepare(cells, layout->column_count);
	const char *name;
	const json_t *value;
	int failed = 0;
	json_object_foreach((json_t *)row, name, value) {
		size_t i = layout_column_index(layout, name);
		if (i != LAYOUT_NONE && !given[i]++ &&
		    type_cell(&cells->cell[i], layout->columns[i].kind, value) == 0)
			continue;
		buf_printf(why, "%s: column ", layout->name);
		layout_quote_name(why, name);
		if (i == LAYOUT_NONE)
			buf_puts(why, ": the table has no such column (--alter adds it)");
		else if (given[i] > 1)
			buf_puts(why, ": given twice (column names ignore case)");
		else
			buf_printf(why, ": expected %s, got %s", value_kind_noun(layout->columns[i].kind),
				   json_noun(value));
		failed = 1;
		break;
	}
	free(given);
	return failed || check_key(cells, layout, why) < 0 ? -1 : 0;
}

void cell_format(const struct cell *cell, struct buf *out)
{
	int failed = 0;
	switch (cell->type) {
	case CELL_TEXT:
		failed = buf_append(out, cell->text, cell->len);
		break;
	case CELL_INTEGER:
		failed = buf_printf(out, "%lld", cell->integer);
		break;
	case CELL_REAL: {
		/* The JSON writer's shortest form that reads back exactly, as tmdb-shape prints it. */
		json_t *real = json_real(cell->real);
		failed = !real || json_write_compact(out, real) < 0;
		json_decref(real);
		break;
	}
	case CELL_NULL:
		break;
	}
	if (failed)
		die(EXIT_SOFTWARE, "out of memory");
}

void cells_free(struct cells *cells)
{
	for (size_t i = 0; i < cells->cap; i++)
		buf_free(&cells->cell[i].json);
	free(cells->cell);
	*cells = (struct cells){0};
}
