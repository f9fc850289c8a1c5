#include "deletion.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

void deletions_init(struct deletions *deletions, struct sink *sink, struct row_reader *rows)
{
	*deletions = (struct deletions){.sink = sink, .rows = rows};
}

/* The value alone: a cell's json buffer stays its own. */
static void set_value(struct cell *to, const struct cell *from)
{
	to->type = from->type;
	to->text = from->text;
	to->len = from->len;
	to->integer = from->integer;
	to->real = from->real;
}

/* The layout of a table a deletion reaches, opened in the sink when the run has not
 * opened it yet; *layout is NULL when the sink does not take the table (csv - TABLE). */
static int reach_table(struct deletions *deletions, const struct table *table, struct layout **layout,
		       struct buf *why)
{
	*layout = rows_table_layout(deletions->rows, table);
	if ((*layout)->loaded)
		return 0;
	int status = deletions->sink->ops->open_table(deletions->sink, *layout, why);
	if (!(*layout)->loaded)
		*layout = NULL;
	return status;
}

/* Deletes the rows of every child table whose parent column holds this parent's key. */
static int delete_children(struct deletions *deletions, const struct layout *parent,
			   const struct cell *key, struct buf *why)
{
	const char *column = parent->columns[parent->key[0]].name;
	int status = 0;
	for (size_t i = 0; i < tmdb_table_count && !status; i++) {
		const struct table *table = &tmdb_tables[i];
		struct layout *child;
		if (!table->parent_key || strcmp(table->parent_key, column) != 0)
			continue;
		status = reach_table(deletions, table, &child, why);
		if (status || !child)
			continue;
		cells_reset(&deletions->match, child->column_count);
		set_value(&deletions->match.cell[child->parent], key);
		status = deletions->sink->ops->delete_rows(deletions->sink, child, &deletions->match, why);
	}
	return status;
}

/* The row a deleted holding row named, kept (once) for the end of the run. */
static void note_held(struct deletions *deletions, struct layout *holder, const struct cells *key)
{
	const struct table *held = table_find(holder->known->holds);
	size_t link = held ? layout_column_index(holder, held->key[0]) : LAYOUT_NONE;
	/* Of a deletion only the key is known: the link must be part of it. */
	if (link == LAYOUT_NONE || !layout_is_key_column(holder, link))
		return;
	const struct cell *value = &key->cell[link];
	struct buf noted = {0};
	buf_printf(&noted, "%zu:%s:", strlen(held->name), held->name);
	cell_format(value, &noted);
	int again = strmap_get(&deletions->noted, noted.data, NULL);
	if (!again)
		strmap_put(&deletions->noted, noted.data, 0);
	buf_free(&noted);
	if (again)
		return;
	deletions->held = xgrow(deletions->held, &deletions->cap, deletions->count, sizeof *deletions->held);
	struct held_row *row = &deletions->held[deletions->count++];
	*row = (struct held_row){.holder = holder, .link = link, .held = held};
	set_value(&row->value, value);
	if (value->type == CELL_TEXT) {
		row->text = xmalloc(value->len + 1);
		memcpy(row->text, value->text, value->len);
		row->text[value->len] = '\0';
		row->value.text = row->text;
	}
}

int deletions_delete(struct deletions *deletions, struct layout *layout, const struct cells *key,
		     struct buf *why)
{
	long before = layout->counts.deleted;
	int status = deletions->sink->ops->delete_rows(deletions->sink, layout, key, why);
	if (!status && layout->is_parent)
		status = delete_children(deletions, layout, &key->cell[layout->key[0]], why);
	if (!status && layout->known && layout->known->holds && layout->counts.deleted > before)
		note_held(deletions, layout, key);
	return status;
}

/* Whether some row of the holding table still names the held row. */
static int still_held(struct deletions *deletions, const struct held_row *row, int *found,
		      struct buf *why)
{
	cells_reset(&deletions->match, row->holder->column_count);
	set_value(&deletions->match.cell[row->link], &row->value);
	return deletions->sink->ops->has_rows(deletions->sink, row->holder, &deletions->match, found, why);
}

int deletions_finish(struct deletions *deletions, struct buf *why)
{
	struct cells key = {0};
	int status = 0;
	/* A deletion here may note more rows (a held table that holds): they come in turn. */
	for (size_t i = 0; i < deletions->count && !status; i++) {
		struct held_row row = deletions->held[i];
		struct layout *held = NULL;
		int found = 1;
		status = still_held(deletions, &row, &found, why);
		if (!status && !found)
			status = reach_table(deletions, row.held, &held, why);
		if (status || !held)
			continue;
		log_debug(1, "%s: no %s row holds %s any more: deleted with its rows", held->name,
			  row.holder->name, row.text ? row.text : "a row");
		cells_reset(&key, held->column_count);
		set_value(&key.cell[held->key[0]], &row.value);
		status = deletions_delete(deletions, held, &key, why);
	}
	cells_free(&key);
	return status;
}

void deletions_clear(struct deletions *deletions)
{
	struct sink *sink = deletions->sink;
	struct row_reader *rows = deletions->rows;
	deletions_free(deletions);
	deletions_init(deletions, sink, rows);
}

void deletions_free(struct deletions *deletions)
{
	for (size_t i = 0; i < deletions->count; i++)
		free(deletions->held[i].text);
	free(deletions->held);
	strmap_free(&deletions->noted);
	cells_free(&deletions->match);
	*deletions = (struct deletions){0};
}
