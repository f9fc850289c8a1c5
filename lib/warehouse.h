/* The warehouse in a SQL database, written once for SQLite and PostgreSQL: the
 * toolkit's tables with their indexes and movie_analysis_view, any other stream's
 * table, columns added with --alter, a table's own columns and key matched against
 * the input's layout, and the sync state --print-state reads. What differs between the
 * two databases is a dialect, supplied by each sink; how rows get in (SQLite's upsert,
 * PostgreSQL's COPY and merge) stays the sink's own. */
#ifndef TMDB_WAREHOUSE_H
#define TMDB_WAREHOUSE_H

#include <stddef.h>

#include "buf.h"
#include "layout.h"
#include "load_state.h"

/* One row of a query: its values as text, NULL for SQL's null. */
typedef int warehouse_row_fn(void *arg, const char *const *values, struct buf *why);
/* The most columns a query of the warehouse reads. */
#define WAREHOUSE_COLUMNS_MAX 3

struct warehouse_dialect {
	/* Appends name as a quoted identifier: "x""y". */
	void (*identifier)(void *db, struct buf *sql, const char *name);
	/* The type a column of this kind is made with; "" for none. */
	const char *(*type_name)(enum value_kind kind);
	/* The kind a column the database declares with this type accepts. */
	enum value_kind (*kind_of_type)(const char *type);
	/* Runs a statement that returns no rows; what says what failed. */
	int (*exec)(void *db, const char *sql, const char *what, struct buf *why);
	/* Runs a query and calls each for its rows, columns values per row (at most
	 * WAREHOUSE_COLUMNS_MAX); a status each returns ends it. params are
	 * $1, $2, ... (SQLite: ?1, ?2, ...); a dialect may leave out those its SQL does not
	 * use. */
	int (*query)(void *db, const char *sql, int nparams, const char *const *params,
		     size_t columns, warehouse_row_fn *each, void *arg, const char *what,
		     struct buf *why);
	/* Queries with $1 the schema's name and $2 a table's: the table's columns in order
	 * (name, type), its primary key's in key order (name); with $1 only: which of
	 * movies, sync_state and memberships are tables (name). */
	const char *columns_sql, *key_sql, *state_tables_sql;
	/* The condition on s.movie_id that keeps the movies of a JSON array of strings in
	 * $1 (SQLite: ?1): --print-state --ids. */
	const char *movie_in_json_sql;
	/* The schema is in the index's name (SQLite: main."i" ON "t"), else in the table's
	 * (PostgreSQL: "i" ON "s"."t"). */
	int index_names_schema;
	/* The view names its tables with the schema (PostgreSQL). SQLite's does not, so
	 * that it works in a warehouse attached under any name. */
	int view_names_schema;
	/* Makes the view: "CREATE OR REPLACE VIEW", or "CREATE VIEW" after drop_view. */
	const char *create_view;
	/* NULL, or what makes way for the view (SQLite has no CREATE OR REPLACE VIEW):
	 * "DROP VIEW IF EXISTS", run only when view_is_current says it is not. */
	const char *drop_view;
	int (*view_is_current)(void *db, const char *create_sql, int *current, struct buf *why);
};

struct warehouse {
	const struct warehouse_dialect *dialect;
	void *db;		/* passed to every call of the dialect */
	const char *where;	/* the destination, for messages */
	const char *schema_name;	/* the tables' schema: main, public */
	const char *schema;	/* the same quoted, as SQL names it: main, "public" */
	int alter;		/* add the columns the input has and a table lacks */
	int ready;		/* the toolkit's tables exist: the view is made at the end */
};

/* SQL is built in a buf (which cannot fail: it ends the program without memory). */
void sql_puts(struct buf *sql, const char *text);
void sql_printf(struct buf *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends the table's name in the warehouse's schema: main."movies". */
void warehouse_table(const struct warehouse *w, struct buf *sql, const char *table);

/* A table met for the first time: for one of the toolkit's, every one of them and their
 * indexes (the view needs movies, credits and reviews; a warehouse has every table
 * whichever came first); else the stream's own. Then the table's own columns join the
 * layout (earlier --alter runs made them), those it lacks are added with --alter or
 * refused, and its primary key must be the layout's key. Returns 0 or an exit status. */
int warehouse_open_table(struct warehouse *w, struct layout *layout, struct buf *why);
/* --alter: the table gets the layout's column too. */
int warehouse_add_column(struct warehouse *w, const struct layout *layout, size_t column,
			 struct buf *why);
/* The end of a run that opened one of the toolkit's tables: the view as this version
 * defines it, made last so readers wait on its lock only for the commit. */
int warehouse_finish(struct warehouse *w, struct buf *why);

/* --print-state: the ETags and members the warehouse holds for its movies; none
 * without its tables. */
int warehouse_read_state(struct warehouse *w, struct load_state *state, struct buf *why);

#endif
