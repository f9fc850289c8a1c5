/* The SQLite sink: one transaction per run, tables created from their layouts,
 * rows upserted by key, children of every parent seen replaced. */
#include "sink.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "folders.h"
#include "lock.h"
#include "log.h"
#include "xalloc.h"

/* A statement that finds rows by some columns' values; columns says which, as text. */
struct match_statement {
	sqlite3_stmt *stmt;
	struct buf columns;
};

/* A table of the run with its statements, prepared once and reused for every row
 * (again after --alter changed its columns). */
struct sqlite_table {
	struct layout *layout;
	sqlite3_stmt *insert;	/* INSERT ... ON CONFLICT (key) DO NOTHING */
	sqlite3_stmt *update;	/* UPDATE ... WHERE key = ... AND a value differs */
	char *seen_keys;	/* a child table's temp.tmdb_load_seen_N: its keys that came in the run */
	sqlite3_stmt *remember_key;	/* INSERT OR IGNORE INTO that table */
	/* A child table empty when the run began holds only rows of this run at its end:
	 * none to replace, so its keys need no remembering (a fresh load's whole cost). */
	int was_empty;
	struct cell last_parent;	/* the parent value remembered last, to skip repeats */
	struct buf last_parent_text;
	/* Deletions and the holding check, prepared for the columns they matched last
	 * (a key, a parent column), which rarely change within a run. */
	struct match_statement delete_rows, has_rows;
};

struct sqlite_sink {
	struct sink base;
	sqlite3 *db;
	char *path;
	struct lock lock;		/* DB.lock, held from before opening to after closing */
	int alter;
	int in_transaction;
	int committed;
	int created;			/* no file was there: a run that does not commit removes it */
	int warehouse_ready;		/* the toolkit's tables and the view exist */
	/* Some child table had rows when the run began: the parents seen must be noted
	 * for replacing children. Else a fresh load keeps no list that grows with it. */
	int note_parents;
	struct sqlite_table *tables;
	size_t count, cap;
	sqlite3_stmt *remember_parent;	/* a parent row was seen in this run */
};

/* Where the run keeps what it has seen, for replacing children at the end: the parents
 * here, each child table's keys in a table of its own (its key may span columns).
 * Temporary, so they vanish with the connection and never show in the warehouse. */
static const char seen_parents_sql[] =
	"CREATE TEMP TABLE tmdb_load_seen_parents (parent_column TEXT NOT NULL, parent_value NOT NULL,"
	" PRIMARY KEY (parent_column, parent_value)) WITHOUT ROWID";

/* One row per movie. Subqueries rather than joins, so a movie's credits do not
 * multiply its reviews; avg() skips null ratings and is null without any. SQLite keeps
 * a view's CREATE statement as written, less "main.": the text to compare it with. */
static const char analysis_view_sql[] =
	"CREATE VIEW movie_analysis_view AS\n"
	"SELECT m.movie_id AS movie_id, m.title AS title, m.release_date AS release_date,\n"
	"  m.budget AS budget, m.revenue AS revenue, m.vote_average AS vote_average,\n"
	"  m.vote_count AS vote_count, m.popularity AS popularity, m.runtime AS runtime,\n"
	"  (SELECT count(*) FROM credits c WHERE c.movie_id = m.movie_id) AS cast_size,\n"
	"  (SELECT count(*) FROM reviews r WHERE r.movie_id = m.movie_id) AS review_count,\n"
	"  (SELECT avg(r.rating) FROM reviews r WHERE r.movie_id = m.movie_id) AS avg_review_rating,\n"
	"  m.revenue - m.budget AS profit,\n"
	"  CASE WHEN m.budget > 0 THEN CAST(m.revenue - m.budget AS REAL) / m.budget END AS roi\n"
	"FROM movies m";

/* The exit status a failed SQLite call means: the data broke a rule, the database
 * cannot be opened or written at all, or reading or writing it failed. */
static int status_of(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
		return EXIT_DATAERR;
	case SQLITE_CANTOPEN:
	case SQLITE_NOTADB:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return EXIT_CANTCREAT;
	default:
		return EXIT_IOERR;
	}
}

static int sqlite_failed(struct sqlite_sink *s, int rc, const char *what, struct buf *why)
{
	buf_printf(why, "%s: %s: %s", s->path, what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	return status_of(rc);
}

/* SQL is built in a buf; running out of memory while building it ends the program. */
static void sql_puts(struct buf *sql, const char *text)
{
	if (buf_puts(sql, text) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

static void sql_number(struct buf *sql, const char *before, size_t number)
{
	if (buf_printf(sql, "%s?%zu", before, number) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

/* Names from the input are only ever spliced as quoted identifiers: "x""y". */
static void sql_identifier(struct buf *sql, const char *name)
{
	int failed = buf_putc(sql, '"');
	for (const char *p = name; *p && !failed; p++)
		failed = buf_putc(sql, *p) || (*p == '"' && buf_putc(sql, '"'));
	if (failed || buf_putc(sql, '"') < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

static void sql_table(struct buf *sql, const struct layout *layout)
{
	/* main. so that no temporary table of ours can stand in for one of the input's. */
	sql_puts(sql, "main.");
	sql_identifier(sql, layout->name);
}

static int exec_sql(struct sqlite_sink *s, const char *sql, const char *what, struct buf *why)
{
	log_debug(3, "%s", sql);
	int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? 0 : sqlite_failed(s, rc, what, why);
}

static int prepare(struct sqlite_sink *s, const char *sql, sqlite3_stmt **stmt, struct buf *why)
{
	log_debug(3, "%s", sql);
	int rc = sqlite3_prepare_v2(s->db, sql, -1, stmt, NULL);
	return rc == SQLITE_OK ? 0 : sqlite_failed(s, rc, "cannot prepare a statement", why);
}

static int bind_cell(sqlite3_stmt *stmt, int index, const struct cell *cell)
{
	switch (cell->type) {
	case CELL_TEXT:
		return sqlite3_bind_text64(stmt, index, cell->text, cell->len, SQLITE_STATIC, SQLITE_UTF8);
	case CELL_INTEGER:
		return sqlite3_bind_int64(stmt, index, cell->integer);
	case CELL_REAL:
		return sqlite3_bind_double(stmt, index, cell->real);
	default:
		return sqlite3_bind_null(stmt, index);
	}
}

/* Runs a statement that returns no row or one; *has_row says which. Leaves it reset
 * and unbound, ready for the next row. */
static int step_once(struct sqlite_sink *s, sqlite3_stmt *stmt, int *has_row, const char *what,
		     struct buf *why)
{
	int rc = sqlite3_step(stmt);
	int status = rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sqlite_failed(s, rc, what, why);
	if (has_row)
		*has_row = rc == SQLITE_ROW;
	/* reset only repeats the error step returned, reported above. */
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return status;
}

static struct sqlite_table *table_of(struct sqlite_sink *s, const struct layout *layout)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->tables[i].layout == layout)
			return &s->tables[i];
	return NULL;
}

static int create_table(struct sqlite_sink *s, const struct layout *layout, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sql_table(&sql, layout);
	sql_puts(&sql, " (");
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_identifier(&sql, layout->columns[i].name);
		const char *type = value_kind_sql(layout->columns[i].kind);
		sql_puts(&sql, *type ? " " : "");
		sql_puts(&sql, type);
		sql_puts(&sql, ", ");
	}
	sql_puts(&sql, "PRIMARY KEY (");
	for (size_t k = 0; k < layout->key_count; k++) {
		sql_puts(&sql, k ? ", " : "");
		sql_identifier(&sql, layout->columns[layout->key[k]].name);
	}
	sql_puts(&sql, "))");
	int status = exec_sql(s, sql.data, "cannot create a table", why);
	buf_free(&sql);
	return status;
}

/* Child rows are found by their parent, when the view counts them and when a load
 * replaces them. */
static int index_parent_column(struct sqlite_sink *s, const struct layout *layout, struct buf *why)
{
	struct buf sql = {0}, name = {0};
	if (buf_printf(&name, "%s_%s", layout->name, layout->columns[layout->parent].name) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	sql_puts(&sql, "CREATE INDEX IF NOT EXISTS main.");
	sql_identifier(&sql, name.data);
	sql_puts(&sql, " ON ");
	sql_identifier(&sql, layout->name);
	sql_puts(&sql, " (");
	sql_identifier(&sql, layout->columns[layout->parent].name);
	sql_puts(&sql, ")");
	int status = exec_sql(s, sql.data, "cannot create an index", why);
	buf_free(&sql);
	buf_free(&name);
	return status;
}

static int table_is_empty(struct sqlite_sink *s, const struct layout *layout, int *empty,
			  struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "SELECT 1 FROM ");
	sql_table(&sql, layout);
	sql_puts(&sql, " LIMIT 1");
	sqlite3_stmt *stmt;
	int status = prepare(s, sql.data, &stmt, why);
	buf_free(&sql);
	if (status)
		return status;
	int has_row;
	status = step_once(s, stmt, &has_row, "cannot read a table", why);
	sqlite3_finalize(stmt);
	*empty = !has_row;
	return status;
}

/* The view as this toolkit defines it, as PostgreSQL's CREATE OR REPLACE VIEW keeps it:
 * a warehouse an older toolkit made gets the current view, in the load's transaction. */
static int keep_view_current(struct sqlite_sink *s, struct buf *why)
{
	sqlite3_stmt *stmt;
	int status = prepare(s, "SELECT sql FROM main.sqlite_master WHERE type = 'view'"
			     " AND name = 'movie_analysis_view'", &stmt, why);
	if (status)
		return status;
	int rc = sqlite3_step(stmt), has_row = rc == SQLITE_ROW, current = 0;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		status = sqlite_failed(s, rc, "cannot read the schema", why);
	if (has_row) {
		const unsigned char *sql = sqlite3_column_text(stmt, 0);
		current = sql && strcmp((const char *)sql, analysis_view_sql) == 0;
	}
	sqlite3_finalize(stmt);
	if (!status && has_row && !current) {
		log_debug(1, "%s: movie_analysis_view differs from this version's: replaced", s->path);
		status = exec_sql(s, "DROP VIEW main.movie_analysis_view",
				  "cannot replace movie_analysis_view", why);
	}
	if (!status && !current)
		status = exec_sql(s, analysis_view_sql, "cannot create movie_analysis_view", why);
	return status;
}

/* The toolkit's tables go together: the view needs movies, credits and reviews, and a
 * warehouse has every table whichever came first. */
static int create_warehouse(struct sqlite_sink *s, struct buf *why)
{
	int status = 0;
	for (size_t i = 0; i < tmdb_table_count && !status; i++) {
		struct layout *layout = layout_for_table(&tmdb_tables[i]);
		int empty = 1;
		status = create_table(s, layout, why);
		if (!status && layout->parent != LAYOUT_NONE)
			status = index_parent_column(s, layout, why);
		if (!status && layout->parent != LAYOUT_NONE)
			status = table_is_empty(s, layout, &empty, why);
		s->note_parents |= !empty;
		layout_free(layout);
	}
	if (!status)
		status = keep_view_current(s, why);
	s->warehouse_ready = !status;
	return status;
}

static int add_sql_column(struct sqlite_sink *s, const struct layout *layout, size_t column,
			  struct buf *why)
{
	const struct layout_column *c = &layout->columns[column];
	const char *type = value_kind_sql(c->kind);
	struct buf sql = {0};
	sql_puts(&sql, "ALTER TABLE ");
	sql_table(&sql, layout);
	sql_puts(&sql, " ADD COLUMN ");
	sql_identifier(&sql, c->name);
	sql_puts(&sql, *type ? " " : "");
	sql_puts(&sql, type);
	log_debug(1, "%s: adding column %s %s", layout->name, c->name, *type ? type : "(untyped)");
	int status = exec_sql(s, sql.data, "cannot add a column", why);
	buf_free(&sql);
	return status;
}

static int add_missing_column(void *sink, const struct layout *layout, size_t column, struct buf *why)
{
	return add_sql_column(sink, layout, column, why);
}

/* The database's own columns join the layout (earlier --alter runs made them);
 * present[i] says which of the layout's first columns the table has. */
static int read_database_columns(struct sqlite_sink *s, struct layout *layout, unsigned char *present,
				 size_t declared, struct buf *why)
{
	sqlite3_stmt *info;
	int status = prepare(s, "SELECT name, type FROM pragma_table_info(?1, 'main') ORDER BY cid",
			     &info, why);
	if (status)
		return status;
	int rc = sqlite3_bind_text(info, 1, layout->name, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(info)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(info, 0);
		const char *type = (const char *)sqlite3_column_text(info, 1);
		if (!name)
			name = "";
		size_t column = layout_column_index(layout, name);
		if (column == LAYOUT_NONE)
			layout_add_column(layout, name, value_kind_of_sql(type ? type : ""));
		else if (column < declared)
			present[column] = 1;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		status = sqlite_failed(s, rc, "cannot read a table's columns", why);
	sqlite3_finalize(info);
	return status;
}

/* Upserts need the table's primary key to be the layout's key, column for column. */
static int check_primary_key(struct sqlite_sink *s, const struct layout *layout, struct buf *why)
{
	sqlite3_stmt *info;
	int status = prepare(s, "SELECT name FROM pragma_table_info(?1, 'main') WHERE pk > 0 ORDER BY pk",
			     &info, why);
	if (status)
		return status;
	size_t count = 0;
	int same = 1;
	int rc = sqlite3_bind_text(info, 1, layout->name, -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && (rc = sqlite3_step(info)) == SQLITE_ROW) {
		const char *name = (const char *)sqlite3_column_text(info, 0);
		same &= count < layout->key_count && name &&
			layout_column_index(layout, name) == layout->key[count];
		count++;
		rc = SQLITE_OK;
	}
	if (rc != SQLITE_DONE)
		status = sqlite_failed(s, rc, "cannot read a table's primary key", why);
	sqlite3_finalize(info);
	if (!status && (!same || count != layout->key_count))
		status = layout_key_mismatch(layout, s->path, why);
	return status;
}

/* Makes the layout and the database's table agree: the table's extra columns join the
 * layout, columns it lacks are added with --alter or refused, and the keys must match. */
static int match_database_columns(struct sqlite_sink *s, struct layout *layout, struct buf *why)
{
	size_t declared = layout->column_count;
	unsigned char *present = xcalloc(declared, 1);
	int status = read_database_columns(s, layout, present, declared, why);
	if (!status)
		status = check_primary_key(s, layout, why);
	if (!status)
		status = layout_add_missing_columns(layout, present, declared, s->alter, add_missing_column,
						    s, why);
	free(present);
	return status;
}

/* The key columns as a list: "a", "b". */
static void sql_key_list(struct buf *sql, const struct layout *layout)
{
	for (size_t k = 0; k < layout->key_count; k++) {
		sql_puts(sql, k ? ", " : "");
		sql_identifier(sql, layout->columns[layout->key[k]].name);
	}
}

/* Inserting first and updating only on a conflict costs a new row (a fresh load's every
 * row) one B-tree search, where looking it up first cost two; sqlite3_changes() then
 * tells inserted from present. Parameters are the columns in layout order. */
static int prepare_insert(struct sqlite_sink *s, struct sqlite_table *t, struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf sql = {0};
	sql_puts(&sql, "INSERT INTO ");
	sql_table(&sql, layout);
	sql_puts(&sql, " (");
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_puts(&sql, i ? ", " : "");
		sql_identifier(&sql, layout->columns[i].name);
	}
	sql_puts(&sql, ") VALUES (");
	for (size_t i = 0; i < layout->column_count; i++)
		sql_number(&sql, i ? ", " : "", i + 1);
	/* A conflict target, so that another unique constraint of the table still fails. */
	sql_puts(&sql, ") ON CONFLICT (");
	sql_key_list(&sql, layout);
	sql_puts(&sql, ") DO NOTHING");
	int status = prepare(s, sql.data, &t->insert, why);
	buf_free(&sql);
	return status;
}

/* An update that changes the row only when some value differs (IS NOT: null equals
 * null), so sqlite3_changes() tells an updated row from an unchanged one. Same
 * parameters as the insert. A table of key columns only has nothing to update. */
static int prepare_update(struct sqlite_sink *s, struct sqlite_table *t, struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf sql = {0}, set = {0}, differs = {0};
	for (size_t i = 0; i < layout->column_count; i++) {
		if (layout_is_key_column(layout, i))
			continue;
		sql_puts(&set, set.len ? ", " : "");
		sql_identifier(&set, layout->columns[i].name);
		sql_number(&set, " = ", i + 1);
		sql_puts(&differs, differs.len ? " OR " : "");
		sql_identifier(&differs, layout->columns[i].name);
		sql_number(&differs, " IS NOT ", i + 1);
	}
	int status = 0;
	if (set.len) {
		sql_puts(&sql, "UPDATE ");
		sql_table(&sql, layout);
		sql_puts(&sql, " SET ");
		sql_puts(&sql, set.data);
		for (size_t k = 0; k < layout->key_count; k++) {
			sql_puts(&sql, k ? " AND " : " WHERE ");
			sql_identifier(&sql, layout->columns[layout->key[k]].name);
			sql_number(&sql, " = ", layout->key[k] + 1);
		}
		sql_puts(&sql, " AND (");
		sql_puts(&sql, differs.data);
		sql_puts(&sql, ")");
		status = prepare(s, sql.data, &t->update, why);
	}
	buf_free(&sql);
	buf_free(&set);
	buf_free(&differs);
	return status;
}

static void finalize_table(struct sqlite_table *t)
{
	sqlite3_finalize(t->insert);
	sqlite3_finalize(t->update);
	t->insert = t->update = NULL;
}

static int prepare_table(struct sqlite_sink *s, struct sqlite_table *t, struct buf *why)
{
	finalize_table(t);
	int status = prepare_insert(s, t, why);
	return status ? status : prepare_update(s, t, why);
}


/* The columns of a seen-keys table: k0, k1, ..., one per key column. */
static void sql_seen_columns(struct buf *sql, size_t count)
{
	for (size_t k = 0; k < count; k++)
		if (buf_printf(sql, "%sk%zu", k ? ", " : "", k) < 0)
			die(EXIT_SOFTWARE, "out of memory");
}

/* A child table's keys that came in this run, kept in temp.tmdb_load_seen_N (k0, k1, ...),
 * N its place among the run's tables, so no name from the input reaches it. */
static int prepare_seen_keys(struct sqlite_sink *s, struct sqlite_table *t, size_t n,
			     struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf name = {0}, sql = {0};
	if (buf_printf(&name, "temp.tmdb_load_seen_%zu", n) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	t->seen_keys = name.data;
	sql_puts(&sql, "CREATE TABLE ");
	sql_puts(&sql, t->seen_keys);
	sql_puts(&sql, " (");
	sql_seen_columns(&sql, layout->key_count);
	sql_puts(&sql, ", PRIMARY KEY (");
	sql_seen_columns(&sql, layout->key_count);
	sql_puts(&sql, ")) WITHOUT ROWID");
	int status = exec_sql(s, sql.data, "cannot create a temporary table", why);
	buf_clear(&sql);
	sql_puts(&sql, "INSERT OR IGNORE INTO ");
	sql_puts(&sql, t->seen_keys);
	for (size_t k = 0; k < layout->key_count; k++)
		sql_number(&sql, k ? ", " : " VALUES (", k + 1);
	sql_puts(&sql, ")");
	if (!status)
		status = prepare(s, sql.data, &t->remember_key, why);
	buf_free(&sql);
	return status;
}

static int sqlite_open_table(struct sink *sink, struct layout *layout, struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	if (strncasecmp(layout->name, "sqlite_", 7) == 0) {
		buf_puts(why, "table ");
		layout_quote_name(why, layout->name);
		buf_puts(why, ": names starting with sqlite_ are SQLite's own");
		return EXIT_DATAERR;
	}
	int status = 0;
	if (layout->known && !s->warehouse_ready)
		status = create_warehouse(s, why);
	else if (!layout->known)
		status = create_table(s, layout, why);
	if (!status)
		status = match_database_columns(s, layout, why);
	if (status)
		return status;
	s->tables = xgrow(s->tables, &s->cap, s->count, sizeof *s->tables);
	struct sqlite_table *t = &s->tables[s->count++];
	*t = (struct sqlite_table){.layout = layout};
	layout->loaded = 1;
	log_debug(1, "%s: table %s ready", s->path, layout->name);
	status = prepare_table(s, t, why);
	if (!status && layout->parent != LAYOUT_NONE)
		status = table_is_empty(s, layout, &t->was_empty, why);
	if (!status && layout->parent != LAYOUT_NONE && !t->was_empty)
		status = prepare_seen_keys(s, t, s->count - 1, why);
	return status;
}

static int sqlite_add_column(struct sink *sink, struct layout *layout, size_t column, struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	int status = add_sql_column(s, layout, column, why);
	return status ? status : prepare_table(s, table_of(s, layout), why);
}

/* Whether value is the one remembered last for this table; a child's rows come grouped
 * by parent, so most calls end here. */
static int same_as_last_parent(struct sqlite_table *t, const struct cell *value)
{
	const struct cell *last = &t->last_parent;
	if (last->type != value->type)
		return 0;
	switch (value->type) {
	case CELL_TEXT:
		return last->len == value->len && memcmp(t->last_parent_text.data, value->text, value->len) == 0;
	case CELL_INTEGER:
		return last->integer == value->integer;
	case CELL_REAL:
		return last->real == value->real;
	default:
		return 1;
	}
}

static void set_last_parent(struct sqlite_table *t, const struct cell *value)
{
	t->last_parent = (struct cell){.type = value->type, .integer = value->integer,
				       .real = value->real, .len = value->len};
	if (value->type == CELL_TEXT) {
		buf_clear(&t->last_parent_text);
		if (buf_append(&t->last_parent_text, value->text, value->len) < 0)
			die(EXIT_SOFTWARE, "out of memory");
	}
}

static int remember_parent(struct sqlite_sink *s, struct sqlite_table *t, const char *column,
			   const struct cell *value, struct buf *why)
{
	if (!s->note_parents || value->type == CELL_NULL || same_as_last_parent(t, value))
		return 0;
	set_last_parent(t, value);
	int rc = sqlite3_bind_text(s->remember_parent, 1, column, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = bind_cell(s->remember_parent, 2, value);
	if (rc != SQLITE_OK)
		return sqlite_failed(s, rc, "cannot bind a value", why);
	return step_once(s, s->remember_parent, NULL, "cannot note a key", why);
}

/* cells_from_row made sure that no key column is null. */
static int remember_key(struct sqlite_sink *s, const struct sqlite_table *t, const struct cells *row,
			struct buf *why)
{
	const struct layout *layout = t->layout;
	int rc = SQLITE_OK;
	for (size_t k = 0; k < layout->key_count && rc == SQLITE_OK; k++)
		rc = bind_cell(t->remember_key, (int)k + 1, &row->cell[layout->key[k]]);
	if (rc != SQLITE_OK)
		return sqlite_failed(s, rc, "cannot bind a value", why);
	return step_once(s, t->remember_key, NULL, "cannot note a key", why);
}

/* What child replacement needs to know about this row: a child's key and parent, or
 * a parent's key. */
static int remember_row(struct sqlite_sink *s, struct sqlite_table *t, const struct cells *row,
			struct buf *why)
{
	const struct layout *layout = t->layout;
	int status = 0;
	if (layout->parent != LAYOUT_NONE) {
		status = t->was_empty ? 0 : remember_key(s, t, row, why);
		if (!status)
			status = remember_parent(s, t, layout->columns[layout->parent].name,
						 &row->cell[layout->parent], why);
	}
	if (!status && layout->is_parent)
		status = remember_parent(s, t, layout->columns[layout->key[0]].name,
					 &row->cell[layout->key[0]], why);
	return status;
}

static int bind_row(struct sqlite_sink *s, sqlite3_stmt *stmt, const struct layout *layout,
		    const struct cells *row, struct buf *why)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; i < layout->column_count && rc == SQLITE_OK; i++)
		rc = bind_cell(stmt, (int)i + 1, &row->cell[i]);
	return rc == SQLITE_OK ? 0 : sqlite_failed(s, rc, "cannot bind a value", why);
}

/* Inserts the row, or when its key is there, updates what differs; counts which. */
static int upsert_row(struct sqlite_sink *s, struct sqlite_table *t, const struct cells *row,
		      struct buf *why)
{
	struct layout *layout = t->layout;
	int status = bind_row(s, t->insert, layout, row, why);
	if (!status)
		status = step_once(s, t->insert, NULL, layout->name, why);
	if (status)
		return status;
	if (sqlite3_changes(s->db) > 0) {
		layout->counts.inserted++;
		return 0;
	}
	int changed = 0;
	if (t->update) {
		status = bind_row(s, t->update, layout, row, why);
		if (!status)
			status = step_once(s, t->update, NULL, layout->name, why);
		changed = !status && sqlite3_changes(s->db) > 0;
	}
	if (changed)
		layout->counts.updated++;
	else if (!status)
		layout->counts.unchanged++;
	return status;
}

static int sqlite_put_row(struct sink *sink, struct layout *layout, const struct cells *row,
			  struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	struct sqlite_table *t = table_of(s, layout);
	int status = upsert_row(s, t, row, why);
	return status ? status : remember_row(s, t, row, why);
}

/* Which cells of match name the rows, as text: "0,3,". */
static void match_columns(struct buf *columns, const struct cells *match)
{
	buf_clear(columns);
	for (size_t i = 0; i < match->count; i++)
		if (match->cell[i].type != CELL_NULL && buf_printf(columns, "%zu,", i) < 0)
			die(EXIT_SOFTWARE, "out of memory");
}

/* Prepares head WHERE "a" = ?1 AND ... for match's columns, unless the statement has
 * those already. Parameters are numbered by column, as in the insert. */
static int prepare_match(struct sqlite_sink *s, const struct layout *layout, const char *head,
			 const char *tail, struct match_statement *m, const struct cells *match,
			 struct buf *why)
{
	struct buf columns = {0}, sql = {0};
	match_columns(&columns, match);
	int same = m->stmt && columns.len == m->columns.len &&
		   memcmp(columns.data, m->columns.data, columns.len) == 0;
	buf_free(&columns);
	if (same)
		return 0;
	sqlite3_finalize(m->stmt);
	m->stmt = NULL;
	match_columns(&m->columns, match);
	sql_puts(&sql, head);
	sql_table(&sql, layout);
	for (size_t i = 0, n = 0; i < match->count; i++) {
		if (match->cell[i].type == CELL_NULL)
			continue;
		sql_puts(&sql, n++ ? " AND " : " WHERE ");
		sql_identifier(&sql, layout->columns[i].name);
		sql_number(&sql, " = ", i + 1);
	}
	sql_puts(&sql, tail);
	int status = prepare(s, sql.data, &m->stmt, why);
	buf_free(&sql);
	return status;
}

/* Runs the statement with match's values; *has_row as step_once says. */
static int run_match(struct sqlite_sink *s, struct match_statement *m, const struct cells *match,
		     int *has_row, const char *what, struct buf *why)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; i < match->count && rc == SQLITE_OK; i++)
		if (match->cell[i].type != CELL_NULL)
			rc = bind_cell(m->stmt, (int)i + 1, &match->cell[i]);
	if (rc != SQLITE_OK)
		return sqlite_failed(s, rc, "cannot bind a value", why);
	return step_once(s, m->stmt, has_row, what, why);
}

static int sqlite_delete_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			      struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	struct sqlite_table *t = table_of(s, layout);
	int status = prepare_match(s, layout, "DELETE FROM ", "", &t->delete_rows, match, why);
	if (!status)
		status = run_match(s, &t->delete_rows, match, NULL, layout->name, why);
	if (!status)
		layout->counts.deleted += sqlite3_changes(s->db);
	return status;
}

static int sqlite_has_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			   int *found, struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	struct sqlite_table *t = table_of(s, layout);
	int status = prepare_match(s, layout, "SELECT 1 FROM ", " LIMIT 1", &t->has_rows, match, why);
	return status ? status : run_match(s, &t->has_rows, match, found, layout->name, why);
}

/* Deletes the rows of a child table whose parent was seen in this run but whose own
 * key was not: what the source no longer has. A key of several columns compares as a
 * row value, (a, b) NOT IN (SELECT k0, k1 ...); keys are never null. */
static int replace_children(struct sqlite_sink *s, const struct sqlite_table *t, struct buf *why)
{
	struct layout *layout = t->layout;
	struct buf sql = {0};
	sql_puts(&sql, "DELETE FROM ");
	sql_table(&sql, layout);
	sql_puts(&sql, " WHERE ");
	sql_identifier(&sql, layout->columns[layout->parent].name);
	sql_puts(&sql, " IN (SELECT parent_value FROM temp.tmdb_load_seen_parents WHERE parent_column = ?1)"
			 " AND (");
	sql_key_list(&sql, layout);
	sql_puts(&sql, ") NOT IN (SELECT ");
	sql_seen_columns(&sql, layout->key_count);
	sql_puts(&sql, " FROM ");
	sql_puts(&sql, t->seen_keys);
	sql_puts(&sql, ")");
	sqlite3_stmt *stmt;
	int status = prepare(s, sql.data, &stmt, why);
	buf_free(&sql);
	if (status)
		return status;
	int rc = sqlite3_bind_text(stmt, 1, layout->columns[layout->parent].name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE)
		layout->counts.deleted += sqlite3_changes(s->db);
	else
		status = sqlite_failed(s, rc, "cannot replace child rows", why);
	sqlite3_finalize(stmt);
	return status;
}

static int sqlite_finish(struct sink *sink, struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	int status = 0;
	for (size_t i = 0; i < s->count && !status; i++)
		if (s->tables[i].layout->parent != LAYOUT_NONE && !s->tables[i].was_empty)
			status = replace_children(s, &s->tables[i], why);
	if (!status)
		status = exec_sql(s, "COMMIT", "cannot commit", why);
	if (!status)
		s->in_transaction = 0;
	s->committed = !status;
	return status;
}

/* A database this run created and did not commit is nothing but what the failed run
 * left: the file and the journal SQLite would roll back on the next open. The lock
 * file stays (see lock.h). */
static void remove_created_database(const struct sqlite_sink *s)
{
	static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
	struct buf file = {0};
	for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
		buf_clear(&file);
		if (buf_printf(&file, "%s%s", s->path, suffixes[i]) < 0)
			die(EXIT_SOFTWARE, "out of memory");
		if (unlink(file.data) < 0 && errno != ENOENT)
			log_warn("%s: cannot remove what the failed run created: %s", file.data,
				 strerror(errno));
	}
	buf_free(&file);
	log_debug(1, "%s: removed: this run created it and did not commit", s->path);
}

static void sqlite_close(struct sink *sink)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	for (size_t i = 0; i < s->count; i++) {
		finalize_table(&s->tables[i]);
		sqlite3_finalize(s->tables[i].remember_key);
		sqlite3_finalize(s->tables[i].delete_rows.stmt);
		sqlite3_finalize(s->tables[i].has_rows.stmt);
		buf_free(&s->tables[i].delete_rows.columns);
		buf_free(&s->tables[i].has_rows.columns);
		free(s->tables[i].seen_keys);
		buf_free(&s->tables[i].last_parent_text);
	}
	sqlite3_finalize(s->remember_parent);
	/* Closing would roll back too; saying so keeps the database's journal tidy at once.
	 * After some errors (a full disk) SQLite has rolled back already: autocommit is on. */
	if (s->in_transaction && s->db && !sqlite3_get_autocommit(s->db) &&
	    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL) != SQLITE_OK)
		log_debug(1, "%s: rollback: %s", s->path, sqlite3_errmsg(s->db));
	if (sqlite3_close(s->db) != SQLITE_OK)
		log_warn("%s: cannot close the database: %s", s->path, sqlite3_errmsg(s->db));
	if (s->created && !s->committed)
		remove_created_database(s);
	lock_release(&s->lock);
	free(s->tables);
	free(s->path);
	free(s);
}

static const struct sink_ops sqlite_ops = {
	sqlite_open_table, sqlite_add_column, sqlite_put_row, sqlite_delete_rows, sqlite_has_rows,
	sqlite_finish, sqlite_close,
};

/* Pragmas, and why these: busy_timeout, so a database another writer is writing is
 * waited for (its transactions are short) rather than failed at once; another load
 * never gets this far, DB.lock keeps it out first. The rest stay
 * SQLite's defaults on purpose: the rollback journal (journal_mode=DELETE) keeps the
 * warehouse one self-contained file at rest that copies and opens anywhere, where WAL
 * needs -wal and -shm files beside it and shared memory (no network filesystems); with
 * it synchronous=FULL makes a commit durable and a crash mid-run roll back. No journal
 * mode is set, so a database its owner switched to WAL stays WAL. BEGIN IMMEDIATE takes
 * the write lock up front: a deferred transaction that upgrades later can fail with
 * SQLITE_BUSY without the busy handler ever helping. cache_size stays at its 2 MB:
 * loading 100,000 movies took 14.8 s with it, 14.4 s with 8 MB and 14.6 s with 16 MB,
 * which would have cost that much more memory. */
static int start_transaction(struct sqlite_sink *s, int busy_timeout_ms, struct buf *why)
{
	int rc = sqlite3_busy_timeout(s->db, busy_timeout_ms);
	if (rc != SQLITE_OK)
		return sqlite_failed(s, rc, "cannot set busy_timeout", why);
	int status = exec_sql(s, "BEGIN IMMEDIATE", "cannot start a transaction", why);
	if (status)
		return status;
	s->in_transaction = 1;
	status = exec_sql(s, seen_parents_sql, "cannot create temporary tables", why);
	if (!status)
		status = prepare(s, "INSERT OR IGNORE INTO temp.tmdb_load_seen_parents VALUES (?1, ?2)",
				 &s->remember_parent, why);
	return status;
}

/* DB.lock beside the database. SQLite's own locks are no substitute: they last a
 * transaction, and a writer that waits on them can meet "database is locked" or, racing
 * a journal's creation, "disk I/O error". A database in memory has no other writer. */
static int lock_database(struct sqlite_sink *s, int wait, struct buf *why)
{
	s->lock.fd = -1;
	if (strcmp(s->path, ":memory:") == 0)
		return 0;
	struct buf lock_path = {0};
	if (buf_printf(&lock_path, "%s.lock", s->path) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	int status = lock_take(&s->lock, lock_path.data, s->path, wait, why);
	buf_free(&lock_path);
	return status;
}

int sink_sqlite_open(const char *path, const struct sink_options *options, struct sink **sink,
		     struct buf *why)
{
	struct sqlite_sink *s = xcalloc(1, sizeof *s);
	s->base.ops = &sqlite_ops;
	s->path = xstrdup(path);
	s->alter = options->alter;
	s->lock.fd = -1;
	/* "files/warehouse.db" in a fresh folder: made, as tmdb-load csv makes its folder. */
	if (strcmp(path, ":memory:") && make_parent_folders(path) < 0) {
		buf_printf(why, "%s: cannot create the folder %.*s: %s", path,
			   (int)(strrchr(path, '/') - path), path, strerror(errno));
		sqlite_close(&s->base);
		return EXIT_CANTCREAT;
	}
	int status = lock_database(s, options->wait, why);
	if (status) {
		sqlite_close(&s->base);
		return status;
	}
	/* Under the lock: no other load creates it meanwhile. "" and ":memory:" are no file. */
	struct stat st;
	s->created = *path && strcmp(path, ":memory:") && stat(path, &st) < 0 && errno == ENOENT;
	/* NOMUTEX: one thread uses the connection, so SQLite need not lock it per call. */
	int rc = sqlite3_open_v2(path, &s->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	status = rc == SQLITE_OK ? 0 : sqlite_failed(s, rc, "cannot open the database", why);
	if (!status)
		status = start_transaction(s, options->busy_timeout_ms, why);
	if (status) {
		if (status == EXIT_IOERR && rc != SQLITE_OK)
			status = EXIT_CANTCREAT;
		sqlite_close(&s->base);
		return status;
	}
	log_debug(1, "%s: open, one transaction for the run", path);
	*sink = &s->base;
	return 0;
}

/* --print-state: read only, from one read transaction, so the ETags and the movies they
 * are filtered by are of the same commit. */

static int read_state_failed(const char *path, sqlite3 *db, int rc, struct buf *why)
{
	buf_printf(why, "%s: cannot read the sync state: %s", path,
		   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	return EXIT_IOERR;
}

static int has_table(sqlite3 *db, const char *name, int *has)
{
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM main.sqlite_master WHERE type = 'table' AND name = ?1",
				    -1, &stmt, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(stmt);
	*has = rc == SQLITE_ROW;
	sqlite3_finalize(stmt);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Adds each row of the query (etags: request, etag; else person_id, job, movie_id). */
static int read_state_rows(sqlite3 *db, int etags, struct load_state *state)
{
	struct buf sql = {0};
	if (etags)
		load_state_etags_sql(&sql, "main");
	else
		load_state_members_sql(&sql, "main");
	log_debug(3, "%s", sql.data);
	sqlite3_stmt *stmt;
	int rc = sqlite3_prepare_v2(db, sql.data, -1, &stmt, NULL);
	buf_free(&sql);
	while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		const char *a = (const char *)sqlite3_column_text(stmt, 0);
		const char *b = (const char *)sqlite3_column_text(stmt, 1);
		const char *c = etags ? "" : (const char *)sqlite3_column_text(stmt, 2);
		rc = SQLITE_OK;
		if (!a || !b || !c)
			continue;	/* no ETag to claim; SQLite lets a key column hold null */
		if (etags)
			load_state_add_etag(state, a, b);
		else
			load_state_add_member(state, a, b, c);
	}
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int read_state_tables(sqlite3 *db, struct load_state *state)
{
	int movies = 0, sync_state = 0, memberships = 0;
	int rc = has_table(db, "movies", &movies);
	if (rc == SQLITE_OK)
		rc = has_table(db, "sync_state", &sync_state);
	if (rc == SQLITE_OK)
		rc = has_table(db, "memberships", &memberships);
	if (rc == SQLITE_OK && movies && sync_state)
		rc = read_state_rows(db, 1, state);
	if (rc == SQLITE_OK && movies && memberships)
		rc = read_state_rows(db, 0, state);
	return rc;
}

int sink_sqlite_read_state(const char *path, const struct sink_options *options,
			   struct load_state *state, struct buf *why)
{
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;	/* opening would create it */
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(db, options->busy_timeout_ms);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = read_state_tables(db, state);
	int status = rc == SQLITE_OK ? 0 : read_state_failed(path, db, rc, why);
	/* Ends the read transaction; nothing was written. */
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return status;
}
