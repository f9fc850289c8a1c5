/* tmdb-shape's input path: JSON Lines of movie objects, read line by line and shaped
 * into every table by the program's own shape_line (lib/shape.c: jsonl_judge_line, then
 * shape_movie per table), as `tmdb-shape --all` does. A line is either refused (tmdb-shape
 * exits 65 with the reason), with a one-line reason and no rows, or makes rows, and every
 * row is one line of JSON with its table's columns in order, typed as declared, that
 * tmdb-load takes. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cells.h"
#include "fuzz.h"
#include "jsonl.h"
#include "layout.h"
#include "log.h"
#include "shape.h"
#include "tables.h"

static struct layout **layouts;	/* tmdb-load's view of each table */

static int has_column_type(const json_t *value, enum value_kind kind)
{
	switch (kind) {
	case KIND_STRING: return json_is_string(value);
	case KIND_INTEGER: return json_is_integer(value);
	case KIND_NUMBER: return json_is_real(value);
	default: return 0;
	}
}

static void check_row(const struct table *table, json_t *row, const char *line, size_t len)
{
	size_t i = 0;
	const char *name;
	json_t *value;
	json_object_foreach(row, name, value) {
		if (i >= table->column_count || strcmp(name, table->columns[i].name) != 0)
			fuzz_fail("%s: column %zu is \"%s\"", table->name, i, name);
		if (!json_is_null(value) && !has_column_type(value, table->columns[i].kind))
			fuzz_fail("%s.%s: a value of the wrong type", table->name, name);
		i++;
	}
	if (i != table->column_count)
		fuzz_fail("%s: %zu columns, not %zu", table->name, i, table->column_count);
	/* A list item without its key makes a row whose key is null, which tmdb-load
	 * refuses by design; every other row must load. */
	const struct layout *layout = layouts[table - tmdb_tables];
	for (size_t k = 0; k < layout->key_count; k++)
		if (json_is_null(json_object_get(row, layout->columns[layout->key[k]].name)))
			return;
	static struct jdoc doc;
	struct buf why = {0};
	if (jdoc_parse(&doc, line, len, &why) < 0)
		fuzz_fail("%s: jdoc refuses a row Jansson took: %s", table->name, why.data);
	struct cells cells = {0};
	if (cells_from_row(&cells, layout, &doc, jdoc_root(&doc), &why) < 0)
		fuzz_fail("tmdb-load refuses a row of %s that tmdb-shape made: %s", table->name, why.data);
	cells_free(&cells);
	buf_free(&why);
}

/* Every line of rows must be a JSON object that check_row passes. */
static void check_rows(const struct table *table, const struct buf *rows)
{
	for (const char *line = rows->data, *end; line && line < rows->data + rows->len; line = end + 1) {
		end = memchr(line, '\n', (size_t)(rows->data + rows->len - line));
		if (!end)
			fuzz_fail("%s: rows that do not end with a newline", table->name);
		json_error_t error;
		json_t *row = json_loadb(line, (size_t)(end - line), 0, &error);
		if (!row)
			fuzz_fail("%s: a row that is not JSON: %s", table->name, error.text);
		check_row(table, row, line, (size_t)(end - line));
		json_decref(row);
	}
}

/* Whether tmdb-shape --all takes this line: an object every table can shape. */
static int line_is_good(const char *line, size_t len)
{
	static struct jdoc doc;
	struct buf rows = {0}, why = {0};
	int good = jdoc_parse(&doc, line, len, &why) == 0 && jdoc_root(&doc)->type == JDOC_OBJECT;
	for (size_t i = 0; good && i < tmdb_table_count; i++) {
		buf_clear(&rows);
		good = shape_movie(&tmdb_tables[i], &doc, jdoc_root(&doc), 0, &rows, &why) == 0;
		if (good)
			check_rows(&tmdb_tables[i], &rows);
		else if (rows.len)
			fuzz_fail("%s: a refused movie left rows behind", tmdb_tables[i].name);
	}
	buf_free(&rows);
	buf_free(&why);
	return good;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-shape");
	layouts = calloc(tmdb_table_count, sizeof *layouts);
	for (size_t i = 0; i < tmdb_table_count; i++)
		layouts[i] = layout_for_table(&tmdb_tables[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jdoc doc;
	struct line_reader reader = {.fp = fuzz_open_bytes(data, size), .name = "-"};
	struct buf rows = {0}, why = {0};
	size_t len;
	/* jsonl_read_inputs' loop, as tmdb-shape --all runs it. */
	for (char *line; (line = line_reader_next(&reader, &len));) {
		buf_clear(&rows);
		buf_clear(&why);
		int took = shape_line(NULL, &doc, line, len, &rows, &why) == 0;
		if (!took && (!why.len || memchr(why.data, '\n', why.len)))
			fuzz_fail("line %ld: refused without a one-line reason", reader.lineno);
		if (!took && rows.len)
			fuzz_fail("line %ld: a refused line left rows behind", reader.lineno);
		if (took != line_is_good(line, len))
			fuzz_fail("line %ld: %s a line it should %s", reader.lineno,
				  took ? "took" : "refused", took ? "refuse" : "take");
	}
	buf_free(&rows);
	buf_free(&why);
	line_reader_close(&reader);
	return 0;
}
