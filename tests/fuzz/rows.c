/* tmdb-load's input path: plain rows of a TABLE or a Singer stream (lib/rows.c), typed
 * into cells (lib/cells.c) against layouts from lib/tables.c or a SCHEMA (lib/layout.c),
 * through the program's own load_input (lib/load.c; with --alter, the columns a row adds)
 * and deletions (lib/deletion.c). The sink is the harness's: every row it is given must
 * fit its table, key set, as the real sinks assume; every cell is formatted as the sinks
 * format it.
 *
 * The first byte picks the command line: TABLE (none, one of the toolkit's, another)
 * and --alter; the rest is standard input. */
#include <strings.h>

#include "buf.h"
#include "cells.h"
#include "deletion.h"
#include "fuzz.h"
#include "layout.h"
#include "load.h"
#include "log.h"
#include "rows.h"
#include "sink.h"

static int check_open_table(struct sink *sink, struct layout *layout, struct buf *why)
{
	(void)sink;
	(void)why;
	if (layout->key_count == 0 && !layout->from_schema)
		fuzz_fail("table %s has no key", layout->name);
	for (size_t k = 0; k < layout->key_count; k++)
		if (layout->key[k] >= layout->column_count)
			fuzz_fail("table %s: key %zu is no column", layout->name, k);
	layout->loaded = 1;
	return 0;
}

static int check_add_column(struct sink *sink, struct layout *layout, size_t column, struct buf *why)
{
	(void)sink;
	(void)why;
	if (column != layout->column_count - 1)
		fuzz_fail("table %s: column %zu added, not the last", layout->name, column);
	return 0;
}

/* The cell types a column of each kind holds, besides null. */
static int cell_fits(const struct cell *cell, enum value_kind kind)
{
	switch (cell->type) {
	case CELL_NULL: return 1;
	case CELL_TEXT: return kind == KIND_STRING || kind == KIND_OBJECT || kind == KIND_ARRAY ||
			       kind == KIND_ANY || kind == KIND_JSON;
	case CELL_INTEGER: return kind == KIND_INTEGER || kind == KIND_BOOLEAN || kind == KIND_ANY;
	case CELL_REAL: return kind == KIND_NUMBER || kind == KIND_ANY;
	}
	return 0;
}

static int check_put_row(struct sink *sink, struct layout *layout, const struct cells *cells,
			 struct buf *why)
{
	(void)sink;
	(void)why;
	if (cells->count != layout->column_count)
		fuzz_fail("table %s: a row of %zu cells for %zu columns", layout->name, cells->count,
			  layout->column_count);
	for (size_t k = 0; k < layout->key_count; k++)
		if (cells->cell[layout->key[k]].type == CELL_NULL)
			fuzz_fail("table %s: a row with a null key", layout->name);
	struct buf text = {0};
	for (size_t i = 0; i < cells->count; i++) {
		const struct cell *cell = &cells->cell[i];
		if (!cell_fits(cell, layout->columns[i].kind))
			fuzz_fail("table %s: column %s: a cell of type %d", layout->name,
				  layout->columns[i].name, (int)cell->type);
		if (cell->type == CELL_INTEGER && layout->columns[i].kind == KIND_BOOLEAN &&
		    cell->integer != 0 && cell->integer != 1)
			fuzz_fail("table %s: boolean %lld", layout->name, cell->integer);
		buf_clear(&text);
		cell_format(cell, &text);
	}
	buf_free(&text);
	layout->counts.inserted++;
	return 0;
}

/* A deletion names rows by key, a child's parent or a holder's link: some value set,
 * each of its column's kind. */
static void check_match(const struct layout *layout, const struct cells *match)
{
	size_t named = 0;
	if (match->count != layout->column_count)
		fuzz_fail("table %s: a match of %zu cells for %zu columns", layout->name, match->count,
			  layout->column_count);
	for (size_t i = 0; i < match->count; i++) {
		named += match->cell[i].type != CELL_NULL;
		if (!cell_fits(&match->cell[i], layout->columns[i].kind))
			fuzz_fail("table %s: column %s: a match of type %d", layout->name,
				  layout->columns[i].name, (int)match->cell[i].type);
	}
	if (!named)
		fuzz_fail("table %s: a match of no value would take every row", layout->name);
}

static int check_delete_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			     struct buf *why)
{
	(void)sink;
	(void)why;
	check_match(layout, match);
	layout->counts.deleted++;
	return 0;
}

static int check_has_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			  int *found, struct buf *why)
{
	(void)sink;
	(void)why;
	check_match(layout, match);
	*found = 0;
	return 0;
}

/* ACTIVATE_VERSION drops rows by the column that keeps their versions, an integer one. */
static int check_drop_versions(struct sink *sink, struct layout *layout, size_t column, long long version,
			       struct buf *why)
{
	(void)sink;
	(void)version;
	(void)why;
	if (column >= layout->column_count || strcasecmp(layout->columns[column].name, LAYOUT_TABLE_VERSION) != 0)
		fuzz_fail("table %s: versions dropped by column %zu", layout->name, column);
	return 0;
}

static int check_finish(struct sink *sink, struct buf *why)
{
	(void)sink;
	(void)why;
	return 0;
}

static void check_close(struct sink *sink)
{
	(void)sink;
}

static const struct sink_ops check_ops = {
	check_open_table, check_add_column, check_put_row, check_delete_rows, check_has_rows,
	check_finish, check_close,
	NULL,	/* one commit, at finish */
	check_drop_versions,
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-load");
	log_set_verbosity(-1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const tables[] = {NULL, "movies", "credits", "reviews", "people"};
	if (size == 0)
		return 0;
	struct sink_options options = {.alter = data[0] & 1};
	const char *table = tables[(data[0] >> 1) % (sizeof tables / sizeof tables[0])];
	struct sink sink = {&check_ops};
	struct row_reader rows;
	rows_open(&rows, table);
	rows.lines.fp = fuzz_open_bytes(data + 1, size - 1);	/* closed by rows_close */
	struct buf why = {0};
	struct deletions deletions;
	deletions_init(&deletions, &sink, &rows);
	int status = load_input(&rows, &sink, &options, &deletions, NULL, NULL, &why);
	if (!status)
		status = deletions_finish(&deletions, &why);
	if (status && status != EXIT_DATAERR)
		fuzz_fail("exit %d: %s", status, why.data);
	if (status && !why.data)
		fuzz_fail("exit %d without a message", status);
	if (!status)
		load_report_counts(&rows);
	deletions_free(&deletions);
	rows_close(&rows);
	buf_free(&why);
	return 0;
}
