#include "shape.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jsonl.h"
#include "utc.h"

/* Follows a dotted path such as "author_details.rating"; NULL when any step is missing. */
static const struct jdoc_node *lookup(const struct jdoc *doc, const struct jdoc_node *object,
				      const char *path)
{
	char step[64];
	while (object && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof step)
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		object = jdoc_get(doc, object, step);
		path += n + (path[n] == '.');
	}
	return object;
}

/* What write_typed_value found besides a value written. */
enum { VALUE_WRONG_KIND = 1, VALUE_MISSING_KEY };

/* Writes the value typed as the column says and returns 0; or returns VALUE_WRONG_KIND
 * when the source is of another kind, VALUE_MISSING_KEY when a key column's is missing
 * or null, and writes nothing. */
static int write_typed_value(struct buf *out, const struct column *column, int key,
			     const struct jdoc_node *source)
{
	if (!source || source->type == JDOC_NULL) {
		if (key)
			return VALUE_MISSING_KEY;
		buf_puts(out, "null");
		return 0;
	}
	switch (column->kind) {
	case KIND_STRING:
		if (source->type == JDOC_STRING && column->empty_is_null && source->len == 0)
			buf_puts(out, "null");
		else if (source->type == JDOC_STRING)
			json_write_string(out, source->text, source->len);
		else if (source->type == JDOC_INTEGER && column->numeric_id) {
			buf_putc(out, '"');
			json_write_integer(out, source->integer);
			buf_putc(out, '"');
		} else
			return VALUE_WRONG_KIND;
		return 0;
	case KIND_INTEGER:
		if (source->type == JDOC_INTEGER)
			json_write_integer(out, source->integer);
		else if (source->type == JDOC_REAL && source->real == floor(source->real) &&
			 fabs(source->real) < 9e15)
			json_write_integer(out, (long long)source->real);
		else
			return VALUE_WRONG_KIND;
		return 0;
	case KIND_NUMBER:
		if (source->type == JDOC_INTEGER)
			json_write_real(out, (double)source->integer);
		else if (source->type == JDOC_REAL)
			json_write_real(out, source->real);
		else
			return VALUE_WRONG_KIND;
		return 0;
	default:
		return VALUE_WRONG_KIND;	/* the toolkit's tables use no other kind */
	}
}

/* This run's time, one for the whole run as Singer taps do: when it marks rows deleted
 * and when a movie without a fetch time was extracted. */
static const char *run_time(void)
{
	static char when[UTC_TEXT_SIZE];
	if (!when[0])
		utc_format(time(NULL), when);
	return when;
}

/* When the movie was extracted, for a RECORD's "time_extracted": when its first request
 * was answered as a sync records it (_sync.etags[0].fetched_at), else this run's time.
 * Written into when, which must hold UTC_TEXT_SIZE bytes. */
static const char *extracted_at(const struct jdoc *doc, const struct jdoc_node *movie,
				char when[UTC_TEXT_SIZE])
{
	const struct jdoc_node *etags = lookup(doc, movie, "_sync.etags");
	const struct jdoc_node *first = etags && etags->type == JDOC_ARRAY && etags->count
						? jdoc_first(etags) : NULL;
	const struct jdoc_node *fetched = first && first->type == JDOC_OBJECT
						  ? jdoc_get(doc, first, "fetched_at") : NULL;
	char text[64];
	time_t t;
	if (fetched && fetched->type == JDOC_STRING && fetched->len < sizeof text) {
		memcpy(text, fetched->text, fetched->len);
		text[fetched->len] = '\0';
		if (utc_parse(text, &t) == 0) {
			utc_format(t, when);
			return when;
		}
	}
	return run_time();
}

/* Says which field of the movie a column's value came from and what is wrong with it:
 * "credits.order: expected an integer in .credits.cast[3].order". */
static void explain_value(const struct table *table, const struct column *column, size_t index,
			  int status, struct buf *why)
{
	char where[160];
	if (column->scope == FROM_ITEM)
		snprintf(where, sizeof where, ".%s[%zu].%s", table->items, index, column->source);
	else
		snprintf(where, sizeof where, ".%s", column->source);
	if (status == VALUE_MISSING_KEY)
		buf_printf(why, "%s.%s: missing in %s", table->name, column->name, where);
	else
		buf_printf(why, "%s.%s: expected %s in %s", table->name, column->name,
			 value_kind_noun(column->kind), where);
}

/* One row as a JSON line: {"column":value,...}, or with extracted (when the movie was
 * extracted) inside a RECORD message; a deleted row carries the Singer mark
 * "_sdc_deleted_at". index: the item's place in its list. */
static int write_row(const struct table *table, const struct jdoc *doc, const struct jdoc_node *movie,
		     const struct jdoc_node *item, size_t index, const char *extracted, int deleted,
		     struct buf *out, struct buf *why)
{
	if (extracted) {
		buf_puts(out, "{\"type\":\"RECORD\",\"stream\":");
		json_write_string(out, table->name, strlen(table->name));
		buf_puts(out, ",\"record\":");
	}
	for (size_t i = 0; i < table->column_count; i++) {
		const struct column *column = &table->columns[i];
		const struct jdoc_node *scope = column->scope == FROM_MOVIE ? movie : item;
		buf_putc(out, i ? ',' : '{');
		json_write_string(out, column->name, strlen(column->name));
		buf_putc(out, ':');
		int status = write_typed_value(out, column, table_is_key(table, column->name),
					       lookup(doc, scope, column->source));
		if (status) {
			explain_value(table, column, index, status, why);
			return -1;
		}
	}
	if (deleted) {
		buf_puts(out, ",\"_sdc_deleted_at\":\"");
		buf_puts(out, run_time());
		buf_putc(out, '"');
	}
	buf_putc(out, '}');
	if (extracted) {
		buf_puts(out, ",\"time_extracted\":\"");
		buf_puts(out, extracted);
		buf_putc(out, '"');
		buf_putc(out, '}');
	}
	buf_putc(out, '\n');
	return 0;
}

static int is_true(const struct jdoc_node *node)
{
	return node && node->type == JDOC_TRUE;
}

/* A line of a sync (tmdb-fetch movie after tmdb-director --sync) may stand for a movie
 * that did not change, whose rows stay as they are, or one its people no longer hold. */
enum sync_mark { SYNC_MOVIE, SYNC_UNCHANGED, SYNC_DELETED };

static enum sync_mark sync_mark_of(const struct jdoc *doc, const struct jdoc_node *movie)
{
	const struct jdoc_node *sync = jdoc_get(doc, movie, "_sync");
	if (sync && is_true(jdoc_get(doc, sync, "deleted")))
		return SYNC_DELETED;
	if (sync && is_true(jdoc_get(doc, sync, "unchanged")))
		return SYNC_UNCHANGED;
	return SYNC_MOVIE;
}

/* Which tables a line has rows for: a mark has only its memberships, kept or deleted. */
static int has_rows_of(const struct table *table, enum sync_mark mark)
{
	if (mark == SYNC_MOVIE)
		return 1;
	return table_is_sync(table) && (mark == SYNC_UNCHANGED || table->holds);
}

/* The list a child table's rows come from, which must be there: a list or its container
 * missing or null would read as "no rows", and a load would delete the movie's rows. An
 * empty list is a real empty set. The one place that says what a movie must carry.
 * Returns 0 (items NULL for a table of one row per movie), or -1 with why filled in. */
static int find_items(const struct table *table, const struct jdoc *doc, const struct jdoc_node *movie,
		      const struct jdoc_node **items, struct buf *why)
{
	*items = NULL;
	if (!table->items)
		return 0;
	/* The sync's bookkeeping is there only in a sync, and a mark has no ETags. */
	if (table_is_sync(table)) {
		*items = lookup(doc, movie, table->items);
		if (*items && (*items)->type != JDOC_ARRAY && (*items)->type != JDOC_NULL) {
			buf_printf(why, ".%s is not a list", table->items);
			return -1;
		}
		*items = *items && (*items)->type == JDOC_ARRAY ? *items : NULL;
		return 0;
	}
	const char *dot = strrchr(table->items, '.');
	if (dot) {
		char container[64];
		snprintf(container, sizeof container, "%.*s", (int)(dot - table->items), table->items);
		const struct jdoc_node *found = lookup(doc, movie, container);
		if (!found || found->type != JDOC_OBJECT) {
			buf_printf(why, "no \"%s\" object", container);
			return -1;
		}
	}
	*items = lookup(doc, movie, table->items);
	if (!*items || (*items)->type == JDOC_NULL) {
		buf_printf(why, "no \"%s\" list", table->items);
		return -1;
	}
	if ((*items)->type != JDOC_ARRAY) {
		buf_printf(why, ".%s is not a list", table->items);
		return -1;
	}
	return 0;
}

int shape_movie(const struct table *table, const struct jdoc *doc, const struct jdoc_node *movie,
		int singer, struct buf *out, struct buf *why)
{
	const struct jdoc_node *id = jdoc_get(doc, movie, "id");
	if (!id || id->type != JDOC_INTEGER) {
		buf_puts(why, "not a movie object: no numeric \"id\"");
		return -1;
	}
	enum sync_mark mark = sync_mark_of(doc, movie);
	if (!has_rows_of(table, mark))
		return 0;
	int deleted = mark == SYNC_DELETED;
	char when[UTC_TEXT_SIZE];
	const char *extracted = singer ? extracted_at(doc, movie, when) : NULL;
	const struct jdoc_node *items;
	if (find_items(table, doc, movie, &items, why) < 0)
		return -1;
	size_t before = out->len;
	int status = 0;
	if (!table->items)
		status = write_row(table, doc, movie, movie, 0, extracted, deleted, out, why);
	size_t count = items ? items->count : 0;
	const struct jdoc_node *item = count ? jdoc_first(items) : NULL;
	for (size_t i = 0; i < count && !status; i++, item = jdoc_next(doc, item)) {
		if (item->type != JDOC_OBJECT) {
			buf_printf(why, ".%s[%zu] is not an object", table->items, i);
			status = -1;
		} else {
			status = write_row(table, doc, movie, item, i, extracted, deleted, out, why);
		}
	}
	if (status)
		buf_truncate(out, before);
	return status;
}

int shape_line(const struct table *table, struct jdoc *doc, const char *line, size_t len,
	       struct buf *out, struct buf *why)
{
	if (jsonl_judge_line(doc, line, len, why) < 0)
		return -1;
	size_t before = out->len;
	for (size_t i = 0; i < tmdb_table_count; i++) {
		if (shape_movie(table ? table : &tmdb_tables[i], doc, jdoc_root(doc), !table, out, why) < 0) {
			buf_truncate(out, before);
			return -1;
		}
		if (table)
			break;
	}
	return 0;
}
