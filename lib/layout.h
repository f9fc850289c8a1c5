/* A table as one run of tmdb-load sees it: named, typed columns, a key, and the
 * run's counts. Built from lib/tables.c for the toolkit's tables, from a Singer
 * SCHEMA for any other stream; a sink may append columns (the database's own,
 * or new ones with --alter), never remove or reorder them. */
#ifndef TMDB_LAYOUT_H
#define TMDB_LAYOUT_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"
#include "jdoc.h"
#include "tables.h"

#define LAYOUT_NONE ((size_t)-1)

/* Singer's mark of a deleted row (a member with a non-null value): never a column. */
#define LAYOUT_DELETION_MARK "_sdc_deleted_at"

struct layout_column {
	char *name;
	size_t name_len;
	enum value_kind kind;
	int declared;			/* a Singer SCHEMA declared it */
};

/* The column a Singer record's "time_extracted" goes in when its SCHEMA declares it. */
#define LAYOUT_EXTRACTED_AT "_sdc_extracted_at"
/* The column that keeps the "version" a record came with (Singer's ACTIVATE_VERSION). */
#define LAYOUT_TABLE_VERSION "_sdc_table_version"

struct load_counts {
	long inserted, updated, unchanged, deleted;
};

struct layout {
	char *name;
	const struct table *known;	/* the toolkit's definition; NULL for another stream */
	struct layout_column *columns;
	size_t column_count, column_cap;
	size_t *key;			/* indexes of the key columns, in key order */
	size_t key_count;
	size_t parent;			/* a child table's column naming its parent; else LAYOUT_NONE */
	int is_parent;			/* its key is what child tables' parent column holds */
	/* A Singer stream's own table (not one of the toolkit's), as its SCHEMA messages
	 * declare it: a column they declare joins the destination without --alter, and a
	 * record's field they do not is left out, with one warning (--alter keeps it). */
	int from_schema;
	int undeclared_noted;		/* that warning was given */
	size_t new_columns;		/* the first of the columns a later SCHEMA added that the
					   sink has yet to add; LAYOUT_NONE when none */
	size_t extracted_at;		/* the declared LAYOUT_EXTRACTED_AT column, or LAYOUT_NONE */
	size_t table_version;		/* the LAYOUT_TABLE_VERSION column, once a version came */
	int loaded;			/* the sink took this table (for the summary) */
	struct load_counts counts;
};

/* The layout of one of the toolkit's tables. */
struct layout *layout_for_table(const struct table *table);

/* The layout a Singer SCHEMA message declares for stream name; NULL with why filled
 * in when the schema cannot be used (no properties, an unsupported type, no key). */
struct layout *layout_for_schema(const char *name, const json_t *message, struct buf *why);

/* The key a Singer SCHEMA message declares equals the layout's. */
int layout_same_key(const struct layout *layout, const json_t *message);

/* A later SCHEMA message for a stream's table (layout->from_schema): the key must stay
 * and a declared column keep its type; a column it adds joins the layout, from
 * layout->new_columns on. Returns 0, or -1 with why saying what changed. */
int layout_take_schema(struct layout *layout, const json_t *message, struct buf *why);

/* Column names compare as SQL identifiers do: ASCII case does not matter. */
size_t layout_column_index(const struct layout *layout, const char *name);
/* The same for a name of len bytes, looked for from column hint on (where it usually is). */
size_t layout_column_find(const struct layout *layout, const char *name, size_t len, size_t hint);
size_t layout_add_column(struct layout *layout, const char *name, enum value_kind kind);
/* Whether the table is the toolkit's own sync bookkeeping (memberships, sync_state):
 * a destination made by an older version gets the columns it lacks without --alter. */
int layout_is_bookkeeping(const struct layout *layout);
/* Whether the column is one of the key's. */
int layout_is_key_column(const struct layout *layout, size_t column);
void layout_free(struct layout *layout);

/* The kind a column made for this value by --alter gets; null gives KIND_ANY. */
enum value_kind value_kind_of_node(const struct jdoc_node *value);

/* Appends name in double quotes with control characters, quotes and backslashes
 * escaped as in JSON, so any name fits a one-line message. */
void layout_quote_name(struct buf *out, const char *name);

/* Appends "TABLE: column "NAME": the table has no such column (--alter adds it)". */
void layout_describe_unknown_column(struct buf *why, const struct layout *layout, const char *name);

#endif
