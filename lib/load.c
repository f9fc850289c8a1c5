#include "load.h"

#include <string.h>

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

static int load_row(struct sink *sink, const struct sink_options *options, struct deletions *deletions,
		    const struct row_item *item, struct cells *cells, struct buf *why)
{
	int status = options->alter ? add_new_columns(sink, item->layout, item->doc, item->row, why) : 0;
	if (status)
		return status;
	int kind = cells_from_row(cells, item->layout, item->doc, item->row, why);
	if (kind < 0)
		return EXIT_DATAERR;
	if (kind == CELLS_DELETION)
		return deletions_delete(deletions, item->layout, cells, why);
	return sink->ops->put_row(sink, item->layout, cells, why);
}

/* Feeds every table and row of the input to the sink; stops at the first problem, with
 * why naming the input line it is on. */
int load_input(struct row_reader *rows, struct sink *sink, const struct sink_options *options,
	       struct deletions *deletions, struct buf *why)
{
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
			status = load_row(sink, options, deletions, &item, &cells, &problem);
		if (status || item.event == ROWS_END)
			break;
	}
	if (status && rows->lines.lineno > 0)
		buf_printf(why, "%s:%ld: ", rows->lines.name, rows->lines.lineno);
	if (status)
		buf_puts(why, problem.data ? problem.data : "failed");
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
