/* The warehouse tables, declared once: tmdb-shape builds rows from them and
 * tmdb-load creates, types and keys its tables from them. */
#ifndef TMDB_TABLES_H
#define TMDB_TABLES_H

#include <stddef.h>
#include <jansson.h>

/* What JSON a column accepts, named after JSON Schema's types: the toolkit's tables
 * use the first three, a Singer SCHEMA any of them. */
enum value_kind {
	KIND_STRING,	/* TEXT */
	KIND_INTEGER,	/* INTEGER */
	KIND_NUMBER,	/* REAL; an integer is taken as a real */
	KIND_BOOLEAN,	/* INTEGER 0 or 1 */
	KIND_OBJECT,	/* TEXT holding compact JSON */
	KIND_ARRAY,	/* TEXT holding compact JSON */
	KIND_ANY,	/* a column of unknown type (a CSV header, an untyped SQL column) */
	KIND_JSON,	/* TEXT holding any value as compact JSON: an untyped Singer property, or
			   one typed as a union of kinds */
};

/* JSON Schema's name of the kind: "string", ... "array"; NULL for KIND_ANY. */
const char *value_kind_json(enum value_kind kind);
/* "a string", "an integer", ... for messages. */
const char *value_kind_noun(enum value_kind kind);

/* Where a row's value comes from: the movie object, or the list item the row is for. */
enum column_scope { FROM_MOVIE, FROM_ITEM };

struct column {
	const char *name;
	enum value_kind kind;	/* KIND_STRING, KIND_INTEGER or KIND_NUMBER */
	enum column_scope scope;
	const char *source;	/* dotted path inside the scope object, e.g. "author_details.rating" */
	int empty_is_null;	/* TMDB sends "" for an unknown date */
	int numeric_id;		/* a text key TMDB gives as a number (a movie's or person's id):
				   a number is written as text; any other text column wants a string */
	const char *format;	/* JSON Schema's format of a text column ("date", "date-time"), or NULL */
};

/* Columns in a table's primary key, at most. */
#define TABLE_KEY_MAX 3

struct table {
	const char *name;
	const char *key[TABLE_KEY_MAX + 1];	/* the primary key's columns in order, then NULL */
	const char *items;	/* dotted path of the list with one row per item; NULL: one row per movie */
	const char *parent_key;	/* child tables: a load replaces every row of a parent it sees */
	size_t column_count;
	const struct column *columns;
	const char *holds;	/* a table whose rows live while a row of this one names them */
};

extern const struct table tmdb_tables[];
extern const size_t tmdb_table_count;

/* Whether the table is shaped from the "_sync" member rather than the movie itself. */
int table_is_sync(const struct table *table);

/* NULL when name is not one of the toolkit's tables. */
const struct table *table_find(const char *name);
/* Whether the column is one of the table's key columns. */
int table_is_key(const struct table *table, const char *column);

/* The Singer SCHEMA message for a table: JSON Schema types, key_properties. */
json_t *table_singer_schema(const struct table *table);

#endif
