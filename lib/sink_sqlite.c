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
#include "warehouse.h"
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
	struct warehouse warehouse;
	int in_transaction;
	int committed;
	int created;			/* no file was there: a run that does not commit removes it */
	/* Some child table had rows when the run began: the parents seen must be noted
	 * for replacing children. Else a fresh load keeps no list that grows with it. */
	int note_parents;
	int children_checked;		/* note_parents is known */
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

static void sql_number(struct buf *sql, const char *before, size_t number)
{
	sql_printf(sql, "%s?%zu", before, number);
}

/* Names from the input are only ever spliced as quoted identifiers: "x""y". */
static void sql_identifier(struct buf *sql, const char *name)
{
	buf_putc(sql, '"');
	for (const char *p = name; *p; p++) {
		buf_putc(sql, *p);
		if (*p == '"')
			buf_putc(sql, '"');
	}
	buf_putc(sql, '"');
}

/* main. so that no temporary table of ours can stand in for one of the input's. */
static void sql_table(struct sqlite_sink *s, struct buf *sql, const struct layout *layout)
{
	warehouse_table(&s->warehouse, sql, layout->name);
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

static int table_is_empty(struct sqlite_sink *s, const char *table, int *empty, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "SELECT 1 FROM ");
	warehouse_table(&s->warehouse, &sql, table);
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
	sql_table(s, &sql, layout);
	sql_puts(&sql, " (");
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_puts(&sql, i ? ", " : "");
		sql_identifier(&sql, layout->columns[i].name);
	}
	sql_puts(&sql, ") VALUES (");
	for (size_t i = 0; i < layout->column_count; i++)
		sql_number(&sql, i ? ", " : "", i + 1);
	sql_puts(&sql, ")");
	/* A conflict target, so that another unique constraint of the table still fails.
	 * Without a key every row is a new one. */
	if (layout->key_count) {
		sql_puts(&sql, " ON CONFLICT (");
		sql_key_list(&sql, layout);
		sql_puts(&sql, ") DO NOTHING");
	}
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
	if (set.len && layout->key_count) {
		sql_puts(&sql, "UPDATE ");
		sql_table(s, &sql, layout);
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
		buf_printf(sql, "%sk%zu", k ? ", " : "", k);
}

/* A child table's keys that came in this run, kept in temp.tmdb_load_seen_N (k0, k1, ...),
 * N its place among the run's tables, so no name from the input reaches it. */
static int prepare_seen_keys(struct sqlite_sink *s, struct sqlite_table *t, size_t n,
			     struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf name = {0}, sql = {0};
	buf_printf(&name, "temp.tmdb_load_seen_%zu", n);
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

/* Whether any child table of the warehouse has rows: then a parent seen in the run may
 * have children to replace, in a table whose rows come later. */
static int check_children(struct sqlite_sink *s, struct buf *why)
{
	int status = 0;
	for (size_t i = 0; i < tmdb_table_count && !status; i++) {
		int empty = 1;
		if (tmdb_tables[i].parent_key)
			status = table_is_empty(s, tmdb_tables[i].name, &empty, why);
		s->note_parents |= !empty;
	}
	s->children_checked = !status;
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
	int status = warehouse_open_table(&s->warehouse, layout, why);
	if (!status && layout->known && !s->children_checked)
		status = check_children(s, why);
	if (status)
		return status;
	s->tables = xgrow(s->tables, &s->cap, s->count, sizeof *s->tables);
	struct sqlite_table *t = &s->tables[s->count++];
	*t = (struct sqlite_table){.layout = layout};
	layout->loaded = 1;
	log_debug(1, "%s: table %s ready", s->path, layout->name);
	status = prepare_table(s, t, why);
	if (!status && layout->parent != LAYOUT_NONE)
		status = table_is_empty(s, layout->name, &t->was_empty, why);
	if (!status && layout->parent != LAYOUT_NONE && !t->was_empty)
		status = prepare_seen_keys(s, t, s->count - 1, why);
	return status;
}

static int sqlite_add_column(struct sink *sink, struct layout *layout, size_t column, struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	int status = warehouse_add_column(&s->warehouse, layout, column, why);
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
		buf_append(&t->last_parent_text, value->text, value->len);
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
		if (match->cell[i].type != CELL_NULL)
			buf_printf(columns, "%zu,", i);
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
	sql_table(s, &sql, layout);
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

static int sqlite_drop_versions(struct sink *sink, struct layout *layout, size_t column, long long version,
				struct buf *why)
{
	struct sqlite_sink *s = (struct sqlite_sink *)sink;
	struct buf sql = {0};
	sql_puts(&sql, "DELETE FROM ");
	sql_table(s, &sql, layout);
	sql_puts(&sql, " WHERE ");
	sql_identifier(&sql, layout->columns[column].name);
	sql_puts(&sql, " < ?1");
	sqlite3_stmt *stmt;
	int status = prepare(s, sql.data, &stmt, why);
	buf_free(&sql);
	if (status)
		return status;
	int rc = sqlite3_bind_int64(stmt, 1, version);
	status = rc == SQLITE_OK ? step_once(s, stmt, NULL, layout->name, why)
				 : sqlite_failed(s, rc, "cannot bind a value", why);
	if (!status)
		layout->counts.deleted += sqlite3_changes(s->db);
	sqlite3_finalize(stmt);
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
	sql_table(s, &sql, layout);
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
		status = warehouse_finish(&s->warehouse, why);
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
		buf_printf(&file, "%s%s", s->path, suffixes[i]);
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

/* SQLite as the warehouse sees it. */

/* The type a column the sink creates gets: its affinity's name; none for a value of no
 * declared kind, which SQLite then stores as it comes. */
static const char *sqlite_type_name(enum value_kind kind)
{
	switch (kind) {
	case KIND_INTEGER:
	case KIND_BOOLEAN: return "INTEGER";
	case KIND_NUMBER: return "REAL";
	case KIND_ANY: return "";
	default: return "TEXT";
	}
}

/* SQLite's affinity rules (https://sqlite.org/datatype3.html, 3.1), less NUMERIC. */
static enum value_kind sqlite_kind_of_type(const char *declared_type)
{
	char upper[64];
	size_t n = 0;
	for (; declared_type[n] && n < sizeof upper - 1; n++)
		upper[n] = (char)(declared_type[n] >= 'a' && declared_type[n] <= 'z'
				  ? declared_type[n] - 'a' + 'A' : declared_type[n]);
	upper[n] = '\0';
	if (strstr(upper, "INT"))
		return KIND_INTEGER;
	if (strstr(upper, "CHAR") || strstr(upper, "CLOB") || strstr(upper, "TEXT"))
		return KIND_STRING;
	if (strstr(upper, "REAL") || strstr(upper, "FLOA") || strstr(upper, "DOUB"))
		return KIND_NUMBER;
	return KIND_ANY;
}

static void sqlite_identifier(void *db, struct buf *sql, const char *name)
{
	(void)db;
	sql_identifier(sql, name);
}

static int sqlite_exec(void *db, const char *sql, const char *what, struct buf *why)
{
	return exec_sql(db, sql, what, why);
}

/* Binds the parameters the query has (its SQL names the schema, main, itself). */
static int sqlite_query(void *db, const char *sql, int nparams, const char *const *params,
			size_t columns, warehouse_row_fn *each, void *arg, const char *what,
			struct buf *why)
{
	struct sqlite_sink *s = db;
	sqlite3_stmt *stmt;
	const char *values[WAREHOUSE_COLUMNS_MAX];
	log_debug(3, "%s", sql);
	int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL), status = 0;
	for (int i = 0; rc == SQLITE_OK && i < nparams && i < sqlite3_bind_parameter_count(stmt); i++)
		rc = sqlite3_bind_text(stmt, i + 1, params[i], -1, SQLITE_STATIC);
	while (rc == SQLITE_OK && !status && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		for (size_t c = 0; c < columns && c < WAREHOUSE_COLUMNS_MAX; c++)
			values[c] = (const char *)sqlite3_column_text(stmt, (int)c);
		status = each(arg, values, why);
		rc = SQLITE_OK;
	}
	if (!status && rc != SQLITE_DONE)
		status = sqlite_failed(s, rc, what, why);
	sqlite3_finalize(stmt);
	return status;
}

/* The view as this toolkit defines it, as PostgreSQL's CREATE OR REPLACE VIEW keeps it,
 * but the schema changes only when the view does. */
static int sqlite_view_is_current(void *db, const char *create_sql, int *current, struct buf *why)
{
	struct sqlite_sink *s = db;
	sqlite3_stmt *stmt;
	int status = prepare(s, "SELECT sql FROM main.sqlite_master WHERE type = 'view'"
			     " AND name = 'movie_analysis_view'", &stmt, why);
	if (status)
		return status;
	int rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		status = sqlite_failed(s, rc, "cannot read the schema", why);
	const unsigned char *sql = rc == SQLITE_ROW ? sqlite3_column_text(stmt, 0) : NULL;
	*current = sql && strcmp((const char *)sql, create_sql) == 0;
	if (rc == SQLITE_ROW && !*current)
		log_debug(1, "%s: movie_analysis_view differs from this version's: replaced", s->path);
	sqlite3_finalize(stmt);
	return status;
}

static const struct warehouse_dialect sqlite_dialect = {
	.identifier = sqlite_identifier,
	.type_name = sqlite_type_name,
	.kind_of_type = sqlite_kind_of_type,
	.exec = sqlite_exec,
	.query = sqlite_query,
	.columns_sql = "SELECT name, type FROM pragma_table_info(?2, ?1) ORDER BY cid",
	.key_sql = "SELECT name FROM pragma_table_info(?2, ?1) WHERE pk > 0 ORDER BY pk",
	.state_tables_sql = "SELECT name FROM main.sqlite_master WHERE type = 'table'"
			    " AND name IN ('movies', 'sync_state', 'memberships')",
	.movie_in_json_sql = "s.movie_id IN (SELECT value FROM json_each(?1))",
	.index_names_schema = 1,
	.create_view = "CREATE VIEW",
	.drop_view = "DROP VIEW IF EXISTS",
	.view_is_current = sqlite_view_is_current,
};

static void init_warehouse(struct sqlite_sink *s, int alter)
{
	s->warehouse = (struct warehouse){&sqlite_dialect, s, s->path, "main", "main", alter, 0};
}

static const struct sink_ops sqlite_ops = {
	sqlite_open_table, sqlite_add_column, sqlite_put_row, sqlite_delete_rows, sqlite_has_rows,
	sqlite_finish, sqlite_close,
	NULL,	/* one commit, at finish */
	sqlite_drop_versions,
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
	buf_printf(&lock_path, "%s.lock", s->path);
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
	init_warehouse(s, options->alter);
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
int sink_sqlite_read_state(const char *path, const struct sink_options *options,
			   struct load_state *state, struct buf *why)
{
	struct stat st;
	if (stat(path, &st) < 0 && errno == ENOENT)
		return 0;	/* opening would create it */
	struct sqlite_sink s = {.path = (char *)path};
	init_warehouse(&s, 0);
	int rc = sqlite3_open_v2(path, &s.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_busy_timeout(s.db, options->busy_timeout_ms);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(s.db, "BEGIN", NULL, NULL, NULL);
	int status = rc == SQLITE_OK ? warehouse_read_state(&s.warehouse, state, why)
				     : sqlite_failed(&s, rc, "cannot read the sync state", why);
	/* Ends the read transaction; nothing was written. */
	sqlite3_exec(s.db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(s.db);
	return status ? EXIT_IOERR : 0;
}
