#include "layout.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "xalloc.h"

static struct layout *layout_new(const char *name)
{
	struct layout *layout = xcalloc(1, sizeof *layout);
	layout->name = xstrdup(name);
	layout->parent = LAYOUT_NONE;
	layout->new_columns = LAYOUT_NONE;
	layout->extracted_at = LAYOUT_NONE;
	layout->table_version = LAYOUT_NONE;
	return layout;
}

/* Whether some table of the toolkit names rows of this one in its parent column: the
 * parent's key is that one column. */
static int has_children(const struct table *table)
{
	if (table->key[1])
		return 0;
	for (size_t i = 0; i < tmdb_table_count; i++)
		if (tmdb_tables[i].parent_key && strcmp(tmdb_tables[i].parent_key, table->key[0]) == 0)
			return 1;
	return 0;
}

struct layout *layout_for_table(const struct table *table)
{
	struct layout *layout = layout_new(table->name);
	layout->known = table;
	for (size_t i = 0; i < table->column_count; i++) {
		const struct column *column = &table->columns[i];
		layout_add_column(layout, column->name, column->kind);
	}
	layout->key = xcalloc(TABLE_KEY_MAX, sizeof *layout->key);
	while (layout->key_count < TABLE_KEY_MAX && table->key[layout->key_count]) {
		layout->key[layout->key_count] = layout_column_index(layout, table->key[layout->key_count]);
		layout->key_count++;
	}
	if (table->parent_key)
		layout->parent = layout_column_index(layout, table->parent_key);
	layout->is_parent = has_children(table);
	return layout;
}

static int kind_of_type_name(const char *name, enum value_kind *kind)
{
	for (enum value_kind k = KIND_STRING; value_kind_json(k); k++) {
		if (strcmp(value_kind_json(k), name) == 0) {
			*kind = k;
			return 0;
		}
	}
	return -1;
}

/* The JSON Schema types a property allows, as bits (1 << kind, and TYPE_NULL), or
 * TYPE_UNTYPED when a branch allows any value. */
enum { TYPE_NULL = 1 << 16, TYPE_UNTYPED = 1 << 17, TYPE_UNKNOWN = 1 << 18 };

static unsigned type_bits_of_name(const json_t *name)
{
	enum value_kind kind;
	if (!json_is_string(name))
		return TYPE_UNKNOWN;
	if (strcmp(json_string_value(name), "null") == 0)
		return TYPE_NULL;
	return kind_of_type_name(json_string_value(name), &kind) < 0 ? TYPE_UNKNOWN : 1u << kind;
}

/* "type" (one name or a list), or the union of "anyOf" or "oneOf" branches, as taps
 * write them: {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}.
 * A property with neither (`{}`) allows any value. */
static unsigned type_bits(const json_t *property, int depth)
{
	if (!json_is_object(property) || depth > 8)
		return TYPE_UNKNOWN;
	const json_t *type = json_object_get(property, "type");
	const json_t *branches = json_object_get(property, "anyOf");
	if (!branches)
		branches = json_object_get(property, "oneOf");
	unsigned bits = 0;
	size_t i;
	const json_t *item;
	if (json_is_array(type)) {
		json_array_foreach(type, i, item)
			bits |= type_bits_of_name(item);
	} else if (type) {
		bits = type_bits_of_name(type);
	}
	if (json_is_array(branches) && json_array_size(branches)) {
		unsigned any = 0;
		json_array_foreach(branches, i, item)
			any |= type_bits(item, depth + 1);
		bits = type ? bits & (any | TYPE_UNTYPED) : any;
	} else if (branches) {
		return TYPE_UNKNOWN;
	}
	return type || branches ? bits : TYPE_UNTYPED;
}

/* The column a property makes: its one kind besides null ("integer" with "number" is a
 * number), else any JSON value, kept as JSON text (an untyped property, a union of
 * kinds); -1 for a type that is no JSON Schema type. */
static int kind_of_property(const json_t *property, enum value_kind *kind)
{
	unsigned bits = type_bits(property, 0);
	unsigned kinds = bits & ~(unsigned)(TYPE_NULL | TYPE_UNTYPED);
	if (bits & TYPE_UNKNOWN)
		return -1;
	if (kinds == (1u << KIND_INTEGER | 1u << KIND_NUMBER))
		kinds = 1u << KIND_NUMBER;
	*kind = KIND_JSON;
	if (!(bits & TYPE_UNTYPED) && kinds && !(kinds & (kinds - 1)))
		for (*kind = KIND_STRING; !(kinds & 1u << *kind); (*kind)++)
			;
	return 0;
}

/* Checks one property of a SCHEMA; returns 0 with its kind, or -1 with why filled in. */
static int schema_property(const char *name, const json_t *property, enum value_kind *kind,
			   struct buf *why)
{
	if (!*name) {
		buf_puts(why, "SCHEMA has a property with an empty name");
		return -1;
	}
	if (kind_of_property(property, kind) < 0) {
		buf_puts(why, "SCHEMA: column ");
		layout_quote_name(why, name);
		buf_puts(why, ": unsupported type (JSON Schema's are string, integer, number, "
			      "boolean, object, array and null)");
		return -1;
	}
	return 0;
}

/* A SCHEMA declares the column: it types it, and its time_extracted column is known. */
static void declare_column(struct layout *layout, size_t column, enum value_kind kind)
{
	layout->columns[column].declared = 1;
	layout->columns[column].kind = kind;
	if (strcasecmp(layout->columns[column].name, LAYOUT_EXTRACTED_AT) == 0)
		layout->extracted_at = column;
}

static size_t add_declared_column(struct layout *layout, const char *name, enum value_kind kind)
{
	size_t column = layout_add_column(layout, name, kind);
	declare_column(layout, column, kind);
	return column;
}

static int add_schema_columns(struct layout *layout, const json_t *properties, struct buf *why)
{
	const char *name;
	const json_t *property;
	json_object_foreach((json_t *)properties, name, property) {
		enum value_kind kind;
		if (strcmp(name, LAYOUT_DELETION_MARK) == 0)
			continue;	/* taps declare it; it marks rows, it holds no data */
		if (schema_property(name, property, &kind, why) < 0)
			return -1;
		if (layout_column_index(layout, name) != LAYOUT_NONE) {
			buf_puts(why, "SCHEMA names column ");
			layout_quote_name(why, name);
			buf_puts(why, " twice (column names ignore case)");
			return -1;
		}
		add_declared_column(layout, name, kind);
	}
	return 0;
}

static int set_schema_key(struct layout *layout, const json_t *key_properties, struct buf *why)
{
	/* Singer requires the list; an empty one makes a table appended to. */
	if (!json_is_array(key_properties)) {
		buf_puts(why, "SCHEMA without a key_properties list (an empty list: rows appended)");
		return -1;
	}
	layout->key = xcalloc(json_array_size(key_properties) + 1, sizeof *layout->key);
	size_t i;
	const json_t *item;
	json_array_foreach(key_properties, i, item) {
		const char *name = json_string_value(item);
		size_t column = name ? layout_column_index(layout, name) : LAYOUT_NONE;
		if (column == LAYOUT_NONE) {
			buf_puts(why, "SCHEMA: key_properties names no property: ");
			if (name)
				layout_quote_name(why, name);
			else
				buf_puts(why, "(not a string)");
			return -1;
		}
		for (size_t k = 0; k < layout->key_count; k++) {
			if (layout->key[k] == column) {
				buf_puts(why, "SCHEMA: key_properties names a column twice");
				return -1;
			}
		}
		layout->key[layout->key_count++] = column;
	}
	return 0;
}

/* A SCHEMA message's properties, or NULL with why filled in. */
static const json_t *schema_properties(const json_t *message, struct buf *why)
{
	const json_t *properties = json_object_get(json_object_get(message, "schema"), "properties");
	if (!json_is_object(properties)) {
		buf_puts(why, "SCHEMA without a \"schema\" object with \"properties\"");
		return NULL;
	}
	return properties;
}

struct layout *layout_for_schema(const char *name, const json_t *message, struct buf *why)
{
	const json_t *properties = schema_properties(message, why);
	if (!properties)
		return NULL;
	struct layout *layout = layout_new(name);
	layout->from_schema = 1;
	if (add_schema_columns(layout, properties, why) < 0 ||
	    set_schema_key(layout, json_object_get(message, "key_properties"), why) < 0) {
		layout_free(layout);
		return NULL;
	}
	return layout;
}

int layout_same_key(const struct layout *layout, const json_t *message)
{
	const json_t *key_properties = json_object_get(message, "key_properties");
	if (json_array_size(key_properties) != layout->key_count)
		return 0;
	for (size_t k = 0; k < layout->key_count; k++) {
		const char *name = json_string_value(json_array_get(key_properties, k));
		if (!name || strcasecmp(name, layout->columns[layout->key[k]].name) != 0)
			return 0;
	}
	return 1;
}

int layout_take_schema(struct layout *layout, const json_t *message, struct buf *why)
{
	const json_t *properties = schema_properties(message, why);
	if (!properties)
		return -1;
	if (!layout_same_key(layout, message)) {
		buf_puts(why, "a second SCHEMA with another key_properties");
		return -1;
	}
	const char *name;
	const json_t *property;
	json_object_foreach((json_t *)properties, name, property) {
		enum value_kind kind;
		if (strcmp(name, LAYOUT_DELETION_MARK) == 0)
			continue;
		if (schema_property(name, property, &kind, why) < 0)
			return -1;
		size_t column = layout_column_index(layout, name);
		struct layout_column *c = column == LAYOUT_NONE ? NULL : &layout->columns[column];
		if (!c) {
			column = add_declared_column(layout, name, kind);
			if (layout->new_columns == LAYOUT_NONE)
				layout->new_columns = column;
		} else if (c->declared && c->kind != kind) {
			buf_puts(why, "a second SCHEMA changes column ");
			layout_quote_name(why, name);
			buf_printf(why, " from %s to %s", value_kind_noun(c->kind), value_kind_noun(kind));
			return -1;
		} else if (!c->declared) {
			declare_column(layout, column, kind);	/* a column the destination has */
		}
	}
	return 0;
}

int layout_is_bookkeeping(const struct layout *layout)
{
	return layout->known && table_is_sync(layout->known);
}

int layout_is_key_column(const struct layout *layout, size_t column)
{
	for (size_t k = 0; k < layout->key_count; k++)
		if (layout->key[k] == column)
			return 1;
	return 0;
}

size_t layout_column_index(const struct layout *layout, const char *name)
{
	return layout_column_find(layout, name, strlen(name), 0);
}

size_t layout_column_find(const struct layout *layout, const char *name, size_t len, size_t hint)
{
	size_t count = layout->column_count;
	for (size_t n = 0; n < count; n++) {
		size_t i = (hint + n) % count;
		const struct layout_column *c = &layout->columns[i];
		if (c->name_len == len && strncasecmp(c->name, name, len) == 0)
			return i;
	}
	return LAYOUT_NONE;
}

size_t layout_add_column(struct layout *layout, const char *name, enum value_kind kind)
{
	layout->columns = xgrow(layout->columns, &layout->column_cap, layout->column_count,
				sizeof *layout->columns);
	layout->columns[layout->column_count] = (struct layout_column){xstrdup(name), strlen(name), kind, 0};
	return layout->column_count++;
}

void layout_free(struct layout *layout)
{
	if (!layout)
		return;
	for (size_t i = 0; i < layout->column_count; i++)
		free(layout->columns[i].name);
	free(layout->columns);
	free(layout->key);
	free(layout->name);
	free(layout);
}

enum value_kind value_kind_of_node(const struct jdoc_node *value)
{
	switch (value->type) {
	case JDOC_STRING: return KIND_STRING;
	case JDOC_INTEGER: return KIND_INTEGER;
	case JDOC_REAL: return KIND_NUMBER;
	case JDOC_TRUE:
	case JDOC_FALSE: return KIND_BOOLEAN;
	case JDOC_OBJECT: return KIND_OBJECT;
	case JDOC_ARRAY: return KIND_ARRAY;
	default: return KIND_ANY;
	}
}

void layout_quote_name(struct buf *out, const char *name)
{
	buf_putc(out, '"');
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (*p == '"' || *p == '\\')
			buf_printf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			buf_printf(out, "\\u%04x", *p);
		else
			buf_putc(out, (char)*p);
	}
	buf_putc(out, '"');
}

void layout_describe_unknown_column(struct buf *why, const struct layout *layout, const char *name)
{
	buf_printf(why, "%s: column ", layout->name);
	layout_quote_name(why, name);
	buf_puts(why, ": the table has no such column (--alter adds it)");
}
