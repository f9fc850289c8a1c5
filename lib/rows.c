#include "rows.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

/* Lines are parsed once, with jdoc (lib/jdoc.h); a SCHEMA or STATE message, rare and
 * kept or read deeply, is read again with Jansson for lib/layout.c and the state. */

static const char *const singer_types[] = {"SCHEMA", "RECORD", "STATE", "ACTIVATE_VERSION"};

/* Meltano's extension: records in files the message names. Ignoring it as an unknown
 * type would drop them silently, so it is refused. */
static const char batch_type[] = "BATCH";

static struct layout *find_layout(const struct row_reader *reader, const char *name)
{
	for (size_t i = 0; i < reader->count; i++)
		if (strcmp(reader->layouts[i]->name, name) == 0)
			return reader->layouts[i];
	return NULL;
}

static struct layout *remember_layout(struct row_reader *reader, struct layout *layout)
{
	reader->layouts = xgrow(reader->layouts, &reader->cap, reader->count, sizeof *reader->layouts);
	reader->layouts[reader->count++] = layout;
	return layout;
}

void rows_open(struct row_reader *reader, const char *table_name)
{
	*reader = (struct row_reader){.table_name = table_name};
	line_reader_open(&reader->lines, "-");
	const struct table *known = table_name ? table_find(table_name) : NULL;
	if (known)
		reader->announce = remember_layout(reader, layout_for_table(known));
}

/* The member key of object when it is a string, else NULL. */
static const struct jdoc_node *string_member(const struct jdoc *doc, const struct jdoc_node *object,
					     const char *key)
{
	const struct jdoc_node *member = jdoc_get(doc, object, key);
	return member && member->type == JDOC_STRING ? member : NULL;
}

/* The member key of object when it is an integer, else NULL. */
static const struct jdoc_node *integer_member(const struct jdoc *doc, const struct jdoc_node *object,
					      const char *key)
{
	const struct jdoc_node *member = jdoc_get(doc, object, key);
	return member && member->type == JDOC_INTEGER ? member : NULL;
}

static int is_word(const struct jdoc_node *string, const char *word)
{
	return string && string->len == strlen(word) && memcmp(string->text, word, string->len) == 0;
}

/* The message's "type" when it is one of Singer's, else NULL. */
static const char *singer_type(const struct jdoc *doc, const struct jdoc_node *object)
{
	const struct jdoc_node *type = string_member(doc, object, "type");
	for (size_t i = 0; type && i < sizeof singer_types / sizeof singer_types[0]; i++)
		if (is_word(type, singer_types[i]))
			return singer_types[i];
	return NULL;
}

/* A Singer message has a known type and the member it cannot do without, so a plain
 * row that merely has a "type" column stays a row. */
static int is_singer_message(const struct jdoc *doc, const struct jdoc_node *object)
{
	const char *type = singer_type(doc, object);
	if (!type)
		return 0;
	if (strcmp(type, "STATE") == 0)
		return jdoc_get(doc, object, "value") != NULL;
	return string_member(doc, object, "stream") != NULL;
}

static void describe_stream(struct buf *why, const char *stream)
{
	buf_puts(why, "stream ");
	layout_quote_name(why, stream);
}

/* The current line again, as Jansson reads it; jdoc took it, so Jansson does. */
static json_t *line_as_json(const char *text, size_t len)
{
	json_t *message = json_loadb(text, len, JSON_DECODE_ANY, NULL);
	if (!message)
		die(EXIT_SOFTWARE, "out of memory");
	return message;
}

/* SCHEMA: a new table, or the same key again for one met before. */
static int take_schema(struct row_reader *reader, const json_t *message, const char *stream,
		       struct row_item *item, struct buf *why)
{
	struct layout *layout = find_layout(reader, stream);
	if (layout && layout->known)
		return 0;	/* the toolkit's tables are as lib/tables.c says */
	if (layout) {
		struct buf problem = {0};
		int status = layout_take_schema(layout, message, &problem);
		if (status < 0) {
			describe_stream(why, stream);
			buf_printf(why, ": %s", problem.data);
		} else if (layout->new_columns != LAYOUT_NONE) {
			*item = (struct row_item){.event = ROWS_COLUMNS, .layout = layout};
		}
		buf_free(&problem);
		return status;
	}
	const struct table *known = table_find(stream);
	if (!known) {
		struct buf problem = {0};
		layout = layout_for_schema(stream, message, &problem);
		if (!layout) {
			describe_stream(why, stream);
			buf_printf(why, ": %s", problem.data);
			buf_free(&problem);
			return -1;
		}
	}
	item->event = ROWS_TABLE;
	item->layout = remember_layout(reader, known ? layout_for_table(known) : layout);
	return 0;
}

static int take_record(struct row_reader *reader, const struct jdoc_node *message, const char *stream,
		       struct row_item *item, struct buf *why)
{
	struct layout *layout = find_layout(reader, stream);
	const struct jdoc_node *record = jdoc_get(&reader->doc, message, "record");
	if (!layout) {
		buf_puts(why, "RECORD of ");
		describe_stream(why, stream);
		buf_puts(why, " before its SCHEMA");
		return -1;
	}
	if (!record || record->type != JDOC_OBJECT) {
		buf_puts(why, "RECORD without a \"record\" object");
		return -1;
	}
	*item = (struct row_item){ROWS_ROW, layout, &reader->doc, record,
				  string_member(&reader->doc, message, "time_extracted"),
				  layout->from_schema ? integer_member(&reader->doc, message, "version") : NULL};
	return 0;
}

/* ACTIVATE_VERSION: the stream's table at this version is whole; the toolkit's own
 * tables keep no versions, so it means nothing to them. */
static int take_activate_version(struct row_reader *reader, const struct jdoc_node *message,
				 const char *stream, struct row_item *item, struct buf *why)
{
	struct layout *layout = find_layout(reader, stream);
	const struct jdoc_node *version = integer_member(&reader->doc, message, "version");
	if (!version) {
		buf_puts(why, "ACTIVATE_VERSION without an integer \"version\"");
		return -1;
	}
	if (!layout) {
		buf_puts(why, "ACTIVATE_VERSION of ");
		describe_stream(why, stream);
		buf_puts(why, " before its SCHEMA");
		return -1;
	}
	if (layout->from_schema)
		*item = (struct row_item){.event = ROWS_ACTIVATE, .layout = layout, .version = version};
	return 0;
}

/* Kept for tmdb-load to print once the run has committed. */
static void take_state(struct row_reader *reader, const char *text, size_t len)
{
	json_t *message = line_as_json(text, len);
	json_decref(reader->state);
	reader->state = json_incref(json_object_get(message, "value"));
	json_decref(message);
	log_debug(2, "%s:%ld: STATE kept", reader->lines.name, reader->lines.lineno);
}

static int take_singer_message(struct row_reader *reader, const char *text, size_t len,
			       struct row_item *item, struct buf *why)
{
	const struct jdoc_node *message = jdoc_root(&reader->doc);
	const char *type = singer_type(&reader->doc, message);
	if (strcmp(type, "STATE") == 0) {
		take_state(reader, text, len);
		return 0;
	}
	const struct jdoc_node *stream = string_member(&reader->doc, message, "stream");
	buf_clear(&reader->stream);
	buf_append(&reader->stream, stream->text, stream->len);
	if (!stream->len) {
		buf_printf(why, "%s with an empty \"stream\"", type);
		return -1;
	}
	if (strcmp(type, "ACTIVATE_VERSION") == 0)
		return take_activate_version(reader, message, reader->stream.data, item, why);
	if (strcmp(type, "SCHEMA") != 0)
		return take_record(reader, message, reader->stream.data, item, why);
	json_t *schema = line_as_json(text, len);
	int status = take_schema(reader, schema, reader->stream.data, item, why);
	json_decref(schema);
	return status;
}

static int take_plain_row(struct row_reader *reader, struct row_item *item, struct buf *why)
{
	struct layout *layout = find_layout(reader, reader->table_name);
	if (!layout) {
		buf_puts(why, "table ");
		layout_quote_name(why, reader->table_name);
		buf_puts(why, " is not one of the toolkit's (movies, credits, reviews, crew, genres, "
			      "memberships, sync_state) and no Singer SCHEMA declared it");
		return -1;
	}
	*item = (struct row_item){.event = ROWS_ROW, .layout = layout, .doc = &reader->doc,
				  .row = jdoc_root(&reader->doc)};
	return 0;
}

static int is_batch(const struct jdoc *doc, const struct jdoc_node *object)
{
	return is_word(string_member(doc, object, "type"), batch_type);
}

/* A message of a type Singer does not define is ignored, as the Singer spec says:
 * returns 1 for one (noted with -v), 0 for anything else. */
static int ignore_unknown_message(const struct row_reader *reader, const struct jdoc_node *object)
{
	const struct jdoc *doc = &reader->doc;
	const struct jdoc_node *type = string_member(doc, object, "type");
	if (!type || singer_type(doc, object) || is_batch(doc, object))
		return 0;
	if (log_verbosity() >= 1) {
		struct buf text = {0}, name = {0};
		buf_append(&text, type->text, type->len);
		layout_quote_name(&name, text.data ? text.data : "");
		log_debug(1, "%s:%ld: ignoring a message of unknown type %s", reader->lines.name,
			  reader->lines.lineno, name.data);
		buf_free(&text);
		buf_free(&name);
	}
	return 1;
}

/* Says why a line that is neither a Singer message nor a row of TABLE is neither. */
static void explain_stray_object(const struct jdoc *doc, const struct jdoc_node *object, struct buf *why)
{
	const char *singer = singer_type(doc, object);
	if (singer && strcmp(singer, "STATE") == 0)
		buf_puts(why, "STATE message without a \"value\"");
	else if (singer)
		buf_printf(why, "%s message without a \"stream\"", singer);
	else if (is_batch(doc, object))
		buf_puts(why, "BATCH messages (records in files) are not supported: have the tap "
			      "send RECORD messages");
	else
		buf_puts(why, "a plain row, but no TABLE was named for plain rows");
}

static int take_line(struct row_reader *reader, const char *text, size_t len,
		     struct row_item *item, struct buf *why)
{
	struct jdoc *doc = &reader->doc;
	if (jsonl_judge_line(doc, text, len, why) < 0)
		return -1;
	const struct jdoc_node *object = jdoc_root(doc);
	if (is_singer_message(doc, object)) {
		reader->singer = 1;
		return take_singer_message(reader, text, len, item, why);
	}
	/* Plain rows of TABLE may have a "type" column of their own; in a Singer stream a
	 * line with a type Singer does not define is a message to ignore. */
	int in_stream = !reader->table_name || reader->singer;
	if (in_stream && ignore_unknown_message(reader, object))
		return 0;
	if (reader->table_name && !(in_stream && is_batch(doc, object)))
		return take_plain_row(reader, item, why);
	explain_stray_object(doc, object, why);
	return -1;
}

int rows_next(struct row_reader *reader, struct row_item *item, struct buf *why)
{
	*item = (struct row_item){.event = ROWS_END};
	if (reader->announce) {
		*item = (struct row_item){.event = ROWS_TABLE, .layout = reader->announce};
		reader->announce = NULL;
		return 0;
	}
	size_t len;
	for (char *line; (line = line_reader_next(&reader->lines, &len));) {
		if (take_line(reader, line, len, item, why) < 0)
			return -1;
		if (item->event != ROWS_END)
			return 0;
	}
	return 0;
}

struct layout *rows_table_layout(struct row_reader *reader, const struct table *table)
{
	struct layout *layout = find_layout(reader, table->name);
	return layout ? layout : remember_layout(reader, layout_for_table(table));
}

void rows_close(struct row_reader *reader)
{
	for (size_t i = 0; i < reader->count; i++)
		layout_free(reader->layouts[i]);
	free(reader->layouts);
	jdoc_free(&reader->doc);
	buf_free(&reader->stream);
	json_decref(reader->state);
	line_reader_close(&reader->lines);
	*reader = (struct row_reader){0};
}
