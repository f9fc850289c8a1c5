#include "load.h"

#include <string.h>

#include "batch.h"
#include "cells.h"
#include "layout.h"
#include "log.h"

/* With --alter, each column the row has and its table lacks joins the table first. */
static int add_new_columns(struct sink *sink, struct layout *layout, const struct jdoc *doc,
			   const struct jdoc_node *row, struct buf *why)
{
	struct buf name = {0};
	int status = 0;
	for (const struct jdoc_node *member; !status && (member = cells_unknown_column(layout, doc, row));) {
		if (!member->key_len) {
			buf_printf(why, "%s: a column with an empty name", layout->name);
			status = EXIT_DATAERR;
			break;
		}
		buf_clear(&name);
		buf_append(&name, member->key, member->key_len);
		size_t column = layout_add_column(layout, name.data, value_kind_of_node(member));
		status = sink->ops->add_column(sink, layout, column, why);
	}
	buf_free(&name);
	return status;
}

/* Columns a later SCHEMA declared join the destination one by one, each the layout's
 * last while the sink adds it, as --alter adds them (a sink prepares its statements
 * over the layout's columns). */
static int add_declared_columns(struct sink *sink, struct layout *layout, struct buf *why)
{
	size_t count = layout->column_count;
	int status = 0;
	for (size_t i = layout->new_columns; i < count && !status; i++) {
		layout->column_count = i + 1;
		status = sink->ops->add_column(sink, layout, i, why);
	}
	layout->column_count = count;
	layout->new_columns = LAYOUT_NONE;
	return status;
}

/* A stream's record may carry fields its SCHEMA does not declare: they are left out, and
 * said once per stream. */
static void note_undeclared_field(struct layout *layout, const struct jdoc *doc, const struct jdoc_node *row)
{
	const struct jdoc_node *member = cells_unknown_column(layout, doc, row);
	if (!member)
		return;
	struct buf name = {0}, quoted = {0}, stream = {0};
	buf_append(&name, member->key, member->key_len);
	layout_quote_name(&quoted, name.data ? name.data : "");
	layout_quote_name(&stream, layout->name);
	log_warn("stream %s: a RECORD has field %s, which its SCHEMA does not declare: fields such as "
		 "this are left out (--alter adds them as columns)", stream.data, quoted.data);
	layout->undeclared_noted = 1;
	buf_free(&name);
	buf_free(&quoted);
	buf_free(&stream);
}

/* A record's "time_extracted" fills the column its SCHEMA declared for it, if the record
 * did not. */
static void fill_extracted_at(const struct layout *layout, const struct row_item *item, struct cells *cells)
{
	size_t column = layout->extracted_at;
	if (column == LAYOUT_NONE || !item->extracted || cells->cell[column].type != CELL_NULL)
		return;
	/* A time is text: a column declared otherwise is left as the record has it. */
	enum value_kind kind = layout->columns[column].kind;
	if (kind != KIND_STRING && kind != KIND_ANY)
		return;
	cells->cell[column] = (struct cell){.type = CELL_TEXT, .text = item->extracted->text,
					    .len = item->extracted->len, .json = cells->cell[column].json};
}

/* The column a stream's table keeps its rows' versions in, if it has one: LAYOUT_NONE,
 * or 65 when the column holds something else than integers. */
static int find_version_column(struct layout *layout, struct buf *why)
{
	if (layout->table_version != LAYOUT_NONE)
		return 0;
	size_t found = layout_column_index(layout, LAYOUT_TABLE_VERSION);
	enum value_kind kind = found == LAYOUT_NONE ? KIND_INTEGER : layout->columns[found].kind;
	if (kind != KIND_INTEGER && kind != KIND_ANY) {
		buf_printf(why, "%s: column %s is %s: it keeps the records' versions, integers",
			   layout->name, LAYOUT_TABLE_VERSION, value_kind_noun(kind));
		return EXIT_DATAERR;
	}
	layout->table_version = found;
	return 0;
}

/* The same column, added now when the table has none (no --alter needed: the stream's
 * versions ask for it). */
static int version_column(struct sink *sink, struct layout *layout, size_t *column, struct buf *why)
{
	int status = find_version_column(layout, why);
	if (!status && layout->table_version == LAYOUT_NONE) {
		layout->table_version = layout_add_column(layout, LAYOUT_TABLE_VERSION, KIND_INTEGER);
		status = sink->ops->add_column(sink, layout, layout->table_version, why);
	}
	*column = layout->table_version;
	return status;
}

/* ACTIVATE_VERSION: the rows of older versions go; rows that came with no version stay,
 * so a table none came to has nothing to drop. */
static int activate_version(struct sink *sink, const struct row_item *item, struct buf *why)
{
	struct layout *layout = item->layout;
	int status = find_version_column(layout, why);
	if (status || layout->table_version == LAYOUT_NONE)
		return status;
	return sink->ops->drop_versions(sink, layout, layout->table_version, item->version->integer, why);
}

/* A run's progress: the batch it is in, and whether it deletes (a --shared load keeps
 * each movie's deletion a batch of its own: one movie locked, then committed). */
struct load_run {
	struct row_reader *rows;
	struct sink *sink;
	const struct sink_options *options;
	struct deletions *deletions;
	struct batch batch;
	int deleting;		/* the batch holds a deletion */
	load_committed_fn *committed;
	void *arg;
};

/* Ends the batch: the rows its deletions let go, then the sink's commit. */
static int commit_batch(struct load_run *run, struct buf *why)
{
	int status = deletions_finish(run->deletions, why);
	if (!status)
		status = run->sink->ops->commit(run->sink, why);
	if (status)
		return status;
	deletions_clear(run->deletions);
	batch_committed(&run->batch);
	run->deleting = 0;
	if (run->committed)
		run->committed(run->arg);
	return 0;
}

/* Whether the batch ends before this row: only where a movie ends, when it is full,
 * or (--shared) around a movie's deletion. */
static int batch_ends_before(const struct load_run *run, const struct layout *layout,
			     const struct cells *cells, int deletion)
{
	if (!run->sink->ops->commit || !batch_new_movie(&run->batch, layout, cells))
		return 0;
	if (batch_is_due(&run->batch))
		return 1;
	return run->options->shared && run->batch.movies > 0 && (deletion || run->deleting);
}

static int load_row(struct load_run *run, const struct row_item *item, struct cells *cells,
		    struct buf *why)
{
	struct sink *sink = run->sink;
	int status = run->options->alter ? add_new_columns(sink, item->layout, item->doc, item->row, why) : 0;
	if (status)
		return status;
	if (item->layout->from_schema && !item->layout->undeclared_noted && !run->options->alter)
		note_undeclared_field(item->layout, item->doc, item->row);
	size_t version = LAYOUT_NONE;
	if (item->version && (status = version_column(sink, item->layout, &version, why)))
		return status;
	int kind = cells_from_row(cells, item->layout, item->doc, item->row, why);
	if (kind < 0)
		return EXIT_DATAERR;
	int deletion = kind == CELLS_DELETION;
	if (!deletion)
		fill_extracted_at(item->layout, item, cells);
	if (!deletion && version != LAYOUT_NONE)
		cells->cell[version] = (struct cell){.type = CELL_INTEGER, .integer = item->version->integer,
						     .json = cells->cell[version].json};
	if (batch_ends_before(run, item->layout, cells, deletion) && (status = commit_batch(run, why)))
		return status;
	batch_add_row(&run->batch, item->layout, cells);
	run->deleting |= deletion;
	if (deletion)
		return deletions_delete(run->deletions, item->layout, cells, why);
	return sink->ops->put_row(sink, item->layout, cells, why);
}

int load_input(struct row_reader *rows, struct sink *sink, const struct sink_options *options,
	       struct deletions *deletions, load_committed_fn *committed, void *arg, struct buf *why)
{
	struct load_run run = {.rows = rows, .sink = sink, .options = options, .deletions = deletions,
			       .committed = committed, .arg = arg};
	batch_init(&run.batch, options->batch_movies > 0 ? options->batch_movies : 0,
		   options->batch_seconds > 0 ? options->batch_seconds : 0);
	struct cells cells = {0};
	struct buf problem = {0};
	int status = 0;
	for (;;) {
		struct row_item item;
		if (rows_next(rows, &item, &problem) < 0)
			status = EXIT_DATAERR;
		else if (item.event == ROWS_TABLE)
			status = sink->ops->open_table(sink, item.layout, &problem);
		else if (item.event == ROWS_ROW && item.layout->loaded)
			status = load_row(&run, &item, &cells, &problem);
		else if (item.event == ROWS_COLUMNS && item.layout->loaded)
			status = add_declared_columns(sink, item.layout, &problem);
		else if (item.event == ROWS_ACTIVATE && item.layout->loaded)
			status = activate_version(sink, &item, &problem);
		if (status || item.event == ROWS_END)
			break;
	}
	if (status && rows->lines.lineno > 0)
		buf_printf(why, "%s:%ld: ", rows->lines.name, rows->lines.lineno);
	if (status)
		buf_puts(why, problem.data ? problem.data : "failed");
	batch_free(&run.batch);
	cells_free(&cells);
	buf_free(&problem);
	return status;
}

/* One line per table the run loaded; -q quiets it like any warning. */
void load_report_counts(const struct row_reader *rows)
{
	for (size_t i = 0; i < rows->count; i++) {
		const struct layout *layout = rows->layouts[i];
		if (!layout->loaded)
			continue;
		struct buf name = {0};
		layout_quote_name(&name, layout->name);
		/* Plain names print as they are; only odd ones need the quotes. */
		int plain = name.len == strlen(layout->name) + 2;
		log_warn("%s: %ld inserted, %ld updated, %ld unchanged, %ld deleted",
			 plain ? layout->name : name.data, layout->counts.inserted, layout->counts.updated,
			 layout->counts.unchanged, layout->counts.deleted);
		buf_free(&name);
	}
}
