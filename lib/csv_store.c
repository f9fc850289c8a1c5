#include "csv_store.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "log.h"
#include "xalloc.h"

/* SQL table tID: seq (the row's place in file order), deleted, then the cells as columns
 * c0, c1, ... of no type, so text stays text. A row of the file that the run put again
 * has its seq in sID: a flag in tID would rewrite the whole row, long texts and all. */
struct csv_store_table {
	struct csv_store *store;
	size_t id;
	size_t width;
	size_t *key;
	size_t key_count;
	long long count;		/* rows held, the last one's seq */
	long long file_rows;		/* the first ones, not put in this run unless in sID */
	const char **cells;		/* width cells of the row handed out */
	struct buf indexed;		/* ";c1;c1,c3;": the column sets given an index */
	sqlite3_stmt *find, *append, *replace, *mark_seen, *rows, *orphans;
};

struct csv_store {
	sqlite3 *db;
	char *dir;
	struct csv_store_table **tables;
	size_t count, cap;
	sqlite3_stmt *note_parent;
	struct buf last_parent;	/* the name and value noted last, to skip repeats */
};

static int failed(struct csv_store *store, const char *doing, struct buf *why)
{
	if (sqlite3_errcode(store->db) == SQLITE_NOMEM)
		die(EXIT_SOFTWARE, "out of memory");
	buf_printf(why, "%s: %s the merge's scratch file: %s", store->dir, doing, sqlite3_errmsg(store->db));
	return EXIT_IOERR;
}

static int exec(struct csv_store *store, const char *sql, struct buf *why)
{
	return sqlite3_exec(store->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : failed(store, "cannot write", why);
}

static int prepare(struct csv_store *store, struct buf *sql, sqlite3_stmt **stmt, struct buf *why)
{
	int rc = sqlite3_prepare_v2(store->db, sql->data, -1, stmt, NULL);
	buf_free(sql);
	return rc == SQLITE_OK ? 0 : failed(store, "cannot write", why);
}

/* Binds cells[0..count) to the parameters from first on; NULL is null. */
static int bind_cells(sqlite3_stmt *stmt, int first, const char *const *cells, size_t count)
{
	int rc = SQLITE_OK;
	for (size_t i = 0; i < count && rc == SQLITE_OK; i++)
		rc = cells[i] ? sqlite3_bind_text(stmt, first + (int)i, cells[i], -1, SQLITE_STATIC)
			      : sqlite3_bind_null(stmt, first + (int)i);
	return rc;
}

/* Runs a statement that returns no rows. */
static int run(struct csv_store *store, sqlite3_stmt *stmt, int bound, struct buf *why)
{
	int rc = bound == SQLITE_OK ? sqlite3_step(stmt) : bound;
	sqlite3_reset(stmt);
	return rc == SQLITE_DONE ? 0 : failed(store, "cannot write", why);
}

int csv_store_open(const char *dir, struct csv_store **out, struct buf *why)
{
	struct buf path = {0};
	buf_printf(&path, "%s/.merge.XXXXXX", dir);
	int fd = mkstemp(path.data);
	if (fd < 0 && errno != EACCES && errno != EPERM && errno != EROFS) {
		buf_printf(why, "%s: cannot create a file: %s", dir, strerror(errno));
		buf_free(&path);
		return EXIT_CANTCREAT;
	}
	/* A folder we may not write in may still need no change: SQLite's temporary
	 * folder holds the rows then, and writing a file will say what is wrong. */
	if (fd < 0)
		log_debug(1, "%s: no scratch file here (%s): one in the temporary folder serves", dir,
			  strerror(errno));
	struct csv_store *store = xcalloc(1, sizeof *store);
	store->dir = xstrdup(dir);
	int rc = sqlite3_open_v2(fd < 0 ? "" : path.data, &store->db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	/* Open, it needs no name: unlinked now, a crash leaves nothing behind. */
	if (fd >= 0) {
		close(fd);
		if (unlink(path.data) < 0)
			log_warn("%s: cannot remove: %s", path.data, strerror(errno));
	}
	buf_free(&path);
	*out = store;
	if (rc != SQLITE_OK)
		return failed(store, "cannot create", why) ? EXIT_CANTCREAT : 0;
	/* Nothing here outlives the run: no journal (which a moved file would refuse),
	 * no syncs, one transaction that is never committed. */
	return exec(store, "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;"
			   "PRAGMA locking_mode = EXCLUSIVE;"
			   "CREATE TABLE parents (name NOT NULL, value NOT NULL, PRIMARY KEY (name, value))"
			   " WITHOUT ROWID; BEGIN", why);
}

static void forget_statements(struct csv_store_table *table)
{
	sqlite3_stmt **statements[] = {&table->find, &table->append, &table->replace, &table->mark_seen,
				       &table->rows, &table->orphans};
	for (size_t i = 0; i < sizeof statements / sizeof statements[0]; i++) {
		sqlite3_finalize(*statements[i]);
		*statements[i] = NULL;
	}
}

void csv_store_close(struct csv_store *store)
{
	if (!store)
		return;
	for (size_t i = 0; i < store->count; i++) {
		struct csv_store_table *table = store->tables[i];
		forget_statements(table);
		free(table->key);
		free(table->cells);
		buf_free(&table->indexed);
		free(table);
	}
	free(store->tables);
	sqlite3_finalize(store->note_parent);
	sqlite3_close(store->db);
	buf_free(&store->last_parent);
	free(store->dir);
	free(store);
}

int csv_store_add_table(struct csv_store *store, size_t width, const size_t *key, size_t key_count,
			struct csv_store_table **out, struct buf *why)
{
	struct csv_store_table *table = xcalloc(1, sizeof *table);
	table->store = store;
	table->id = store->count;
	table->width = width;
	table->key = xcalloc(key_count, sizeof *table->key);
	memcpy(table->key, key, key_count * sizeof *key);
	table->key_count = key_count;
	table->cells = xcalloc(width, sizeof *table->cells);
	store->tables = xgrow(store->tables, &store->cap, store->count, sizeof *store->tables);
	store->tables[store->count++] = table;
	*out = table;
	struct buf sql = {0};
	buf_printf(&sql, "CREATE TABLE s%zu (seq INTEGER PRIMARY KEY);", table->id);
	buf_printf(&sql, "CREATE TABLE t%zu (seq INTEGER PRIMARY KEY, deleted INTEGER NOT NULL", table->id);
	for (size_t i = 0; i < width; i++)
		buf_printf(&sql, ", c%zu", i);
	buf_puts(&sql, ")");
	/* Without a key (a stream appended to) no row is another's. */
	for (size_t k = 0; k < key_count; k++) {
		if (k == 0)
			buf_printf(&sql, "; CREATE UNIQUE INDEX t%zu_key ON t%zu (", table->id, table->id);
		buf_printf(&sql, k ? ", c%zu" : "c%zu", key[k]);
	}
	buf_puts(&sql, key_count ? ")" : "");
	int status = exec(store, sql.data, why);
	buf_free(&sql);
	return status;
}

int csv_store_add_column(struct csv_store_table *table, struct buf *why)
{
	forget_statements(table);	/* they name every column */
	struct buf sql = {0};
	buf_printf(&sql, "ALTER TABLE t%zu ADD COLUMN ", table->id);
	buf_printf(&sql, "c%zu", table->width);
	int status = exec(table->store, sql.data, why);
	buf_free(&sql);
	table->width++;
	table->cells = xreallocarray(table->cells, table->width, sizeof *table->cells);
	return status;
}

/* " c0, c1, ..." */
static void list_cells(struct buf *sql, size_t width)
{
	for (size_t i = 0; i < width; i++)
		buf_printf(sql, i ? ", c%zu" : " c%zu", i);
}

/* Finds the row by key: the statement is left on it, for its cells. */
static int find_row(struct csv_store_table *table, const char *const *cells, struct csv_store_row *row,
		    struct buf *why)
{
	struct csv_store *store = table->store;
	if (!table->find) {
		struct buf sql = {0};
		buf_puts(&sql, "SELECT seq, deleted,");
		list_cells(&sql, table->width);
		buf_printf(&sql, " FROM t%zu WHERE", table->id);
		for (size_t k = 0; k < table->key_count; k++)
			buf_printf(&sql, k ? " AND c%zu = ?" : " c%zu = ?", table->key[k]);
		int status = prepare(store, &sql, &table->find, why);
		if (status)
			return status;
	}
	sqlite3_reset(table->find);
	int rc = SQLITE_OK;
	for (size_t k = 0; k < table->key_count && rc == SQLITE_OK; k++)
		rc = bind_cells(table->find, (int)k + 1, &cells[table->key[k]], 1);
	rc = rc == SQLITE_OK ? sqlite3_step(table->find) : rc;
	*row = (struct csv_store_row){0};
	if (rc == SQLITE_DONE)
		return 0;
	if (rc != SQLITE_ROW)
		return failed(store, "cannot read", why);
	row->exists = 1;
	row->number = sqlite3_column_int64(table->find, 0);
	row->deleted = sqlite3_column_int(table->find, 1);
	for (size_t i = 0; i < table->width; i++) {
		int column = (int)i + 2;
		const char *text = (const char *)sqlite3_column_text(table->find, column);
		if (!text && sqlite3_column_type(table->find, column) != SQLITE_NULL)
			die(EXIT_SOFTWARE, "out of memory");
		table->cells[i] = text;
	}
	row->cells = table->cells;
	return 0;
}

long long csv_store_file_rows(const struct csv_store_table *table)
{
	return table->file_rows;
}

int csv_store_find(struct csv_store_table *table, const char *const *cells, struct csv_store_row *row,
		   struct buf *why)
{
	return find_row(table, cells, row, why);
}

int csv_store_append(struct csv_store_table *table, const char *const *cells, int seen, long long *taken,
		     struct buf *why)
{
	struct csv_store *store = table->store;
	sqlite3_reset(table->find);
	*taken = 0;
	if (!table->append) {
		struct buf sql = {0};
		buf_printf(&sql, "INSERT INTO t%zu VALUES (?, 0", table->id);
		for (size_t i = 0; i < table->width; i++)
			buf_puts(&sql, ", ?");
		buf_puts(&sql, ")");
		int status = prepare(store, &sql, &table->append, why);
		if (status)
			return status;
	}
	/* The file's rows come first, before any the run puts. */
	if (!seen && table->file_rows != table->count)
		die(EXIT_SOFTWARE, "a file row after a new one");
	int rc = sqlite3_bind_int64(table->append, 1, table->count + 1);
	if (rc == SQLITE_OK)
		rc = bind_cells(table->append, 2, cells, table->width);
	rc = rc == SQLITE_OK ? sqlite3_step(table->append) : rc;
	sqlite3_reset(table->append);
	if (rc == SQLITE_DONE) {
		table->count++;
		table->file_rows += !seen;
		return 0;
	}
	if (rc != SQLITE_CONSTRAINT)
		return failed(store, "cannot write", why);
	struct csv_store_row row;
	int status = find_row(table, cells, &row, why);
	*taken = row.number;
	sqlite3_reset(table->find);
	return status;
}

int csv_store_replace(struct csv_store_table *table, long long number, const char *const *cells,
		      struct buf *why)
{
	sqlite3_reset(table->find);
	if (!table->replace) {
		struct buf sql = {0};
		buf_printf(&sql, "UPDATE t%zu SET deleted = 0", table->id);
		for (size_t i = 0; i < table->width; i++)
			buf_printf(&sql, ", c%zu = ?", i);
		buf_puts(&sql, " WHERE seq = ?");
		int status = prepare(table->store, &sql, &table->replace, why);
		if (status)
			return status;
	}
	int rc = bind_cells(table->replace, 1, cells, table->width);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_int64(table->replace, (int)table->width + 1, number);
	int status = run(table->store, table->replace, rc, why);
	return status ? status : csv_store_mark_seen(table, number, why);
}

int csv_store_mark_seen(struct csv_store_table *table, long long number, struct buf *why)
{
	sqlite3_reset(table->find);
	if (number > table->file_rows)
		return 0;	/* a row of this run */
	if (!table->mark_seen) {
		struct buf sql = {0};
		buf_printf(&sql, "INSERT OR IGNORE INTO s%zu VALUES (?)", table->id);
		int status = prepare(table->store, &sql, &table->mark_seen, why);
		if (status)
			return status;
	}
	return run(table->store, table->mark_seen, sqlite3_bind_int64(table->mark_seen, 1, number), why);
}

/* The columns wanted names, as ",c1,c3"; none: empty. */
static void wanted_columns(const struct csv_store_table *table, const char *const *wanted, struct buf *columns)
{
	for (size_t i = 0; i < table->width; i++)
		if (wanted[i])
			buf_printf(columns, ",c%zu", i);
}

static int is_key_columns(const struct csv_store_table *table, const char *const *wanted)
{
	size_t named = 0;
	for (size_t i = 0; i < table->width; i++)
		named += wanted[i] != NULL;
	for (size_t k = 0; k < table->key_count; k++)
		if (!wanted[table->key[k]])
			return 0;
	return named == table->key_count;
}

/* Rows are looked for by other columns than the key only for deletions (a parent's
 * children, a held row's holders): an index, made the first time, keeps many of them
 * from each reading the whole table. */
static int index_columns(struct csv_store_table *table, const char *const *wanted, struct buf *why)
{
	struct buf columns = {0};
	wanted_columns(table, wanted, &columns);
	int status = 0;
	if (!columns.len || is_key_columns(table, wanted)) {
		buf_free(&columns);
		return 0;
	}
	columns.data[0] = ';';		/* ";c1,c3;", as indexed lists it */
	buf_puts(&columns, ";");
	if (!table->indexed.data || !strstr(table->indexed.data, columns.data)) {
		size_t number = 0;
		for (const char *p = table->indexed.data; p && *p; p++)
			number += *p == ';';
		struct buf sql = {0};
		buf_printf(&sql, "CREATE INDEX t%zu_", table->id);
		buf_printf(&sql, "i%zu ON ", number);
		buf_printf(&sql, "t%zu (", table->id);
		buf_append(&sql, columns.data + 1, columns.len - 2);
		buf_puts(&sql, ")");
		status = exec(table->store, sql.data, why);
		buf_free(&sql);
		if (!table->indexed.len)
			buf_puts(&table->indexed, ";");
		buf_puts(&table->indexed, columns.data + 1);
	}
	buf_free(&columns);
	return status;
}

/* A statement over the rows not deleted that have each value of wanted. */
static int prepare_matching(struct csv_store_table *table, const char *head, const char *tail,
			    const char *const *wanted, sqlite3_stmt **stmt, struct buf *why)
{
	sqlite3_reset(table->find);
	int status = index_columns(table, wanted, why);
	if (status)
		return status;
	struct buf sql = {0};
	buf_printf(&sql, head, table->id);
	for (size_t i = 0; i < table->width; i++)
		if (wanted[i])
			buf_printf(&sql, " AND c%zu = ?", i);
	buf_puts(&sql, tail);
	status = prepare(table->store, &sql, stmt, why);
	if (status)
		return status;
	int rc = SQLITE_OK;
	int parameter = 1;
	for (size_t i = 0; i < table->width && rc == SQLITE_OK; i++)
		if (wanted[i])
			rc = bind_cells(*stmt, parameter++, &wanted[i], 1);
	if (rc != SQLITE_OK) {
		sqlite3_finalize(*stmt);
		return failed(table->store, "cannot read", why);
	}
	return 0;
}

/* Runs once the statement prepare_matching makes: SQLite's result code in *rc. */
static int step_matching(struct csv_store_table *table, const char *head, const char *tail,
			 const char *const *wanted, int *rc, struct buf *why)
{
	sqlite3_stmt *stmt;
	int status = prepare_matching(table, head, tail, wanted, &stmt, why);
	if (status)
		return status;
	*rc = sqlite3_step(stmt);
	sqlite3_finalize(stmt);
	return 0;
}

int csv_store_delete_older(struct csv_store_table *table, size_t cell, long long version, long *count,
			   struct buf *why)
{
	struct buf sql = {0};
	sqlite3_stmt *stmt;
	*count = 0;
	buf_printf(&sql, "UPDATE t%zu SET deleted = 1 WHERE deleted = 0 AND c%zu <> ''"
		   " AND CAST(c%zu AS INTEGER) < ?", table->id, cell, cell);
	int status = prepare(table->store, &sql, &stmt, why);
	if (status)
		return status;
	int rc = sqlite3_bind_int64(stmt, 1, version);
	rc = rc == SQLITE_OK ? sqlite3_step(stmt) : rc;
	sqlite3_finalize(stmt);
	if (rc != SQLITE_DONE)
		return failed(table->store, "cannot write", why);
	*count = sqlite3_changes(table->store->db);
	return 0;
}

int csv_store_delete_matching(struct csv_store_table *table, const char *const *wanted, long *count,
			      struct buf *why)
{
	int rc;
	*count = 0;
	int status = step_matching(table, "UPDATE t%zu SET deleted = 1 WHERE deleted = 0", "", wanted, &rc,
				   why);
	if (status)
		return status;
	if (rc != SQLITE_DONE)
		return failed(table->store, "cannot write", why);
	*count = sqlite3_changes(table->store->db);
	return 0;
}

int csv_store_has_matching(struct csv_store_table *table, const char *const *wanted, int *found,
			   struct buf *why)
{
	int rc;
	*found = 0;
	int status = step_matching(table, "SELECT 1 FROM t%zu WHERE deleted = 0", " LIMIT 1", wanted, &rc, why);
	if (status)
		return status;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return failed(table->store, "cannot read", why);
	*found = rc == SQLITE_ROW;
	return 0;
}

int csv_store_note_parent(struct csv_store *store, const char *name, const char *value, struct buf *why)
{
	struct buf *last = &store->last_parent;
	size_t name_len = strlen(name), value_len = strlen(value);
	/* A parent's rows come together: one note serves them all. */
	if (last->len == name_len + 1 + value_len && memcmp(last->data, name, name_len + 1) == 0 &&
	    memcmp(last->data + name_len + 1, value, value_len) == 0)
		return 0;
	if (!store->note_parent) {
		struct buf sql = {0};
		buf_puts(&sql, "INSERT OR IGNORE INTO parents VALUES (?, ?)");
		int status = prepare(store, &sql, &store->note_parent, why);
		if (status)
			return status;
	}
	const char *cells[] = {name, value};
	int status = run(store, store->note_parent, bind_cells(store->note_parent, 1, cells, 2), why);
	buf_clear(last);
	if (!status) {
		buf_append(last, name, name_len + 1);
		buf_append(last, value, value_len);
	}
	return status;
}

int csv_store_delete_orphans(struct csv_store_table *table, size_t parent, const char *name, long *count,
			     struct buf *why)
{
	struct csv_store *store = table->store;
	sqlite3_reset(table->find);
	*count = 0;
	if (!table->orphans) {
		struct buf sql = {0};
		buf_printf(&sql, "UPDATE t%zu SET deleted = 1 WHERE deleted = 0 AND seq <= ?", table->id);
		buf_printf(&sql, " AND NOT EXISTS (SELECT 1 FROM s%zu AS seen WHERE seen.seq = ", table->id);
		buf_printf(&sql, "t%zu.seq) AND EXISTS (SELECT 1 FROM parents WHERE name = ? AND ", table->id);
		buf_printf(&sql, "value = c%zu)", parent);
		int status = prepare(store, &sql, &table->orphans, why);
		if (status)
			return status;
	}
	int rc = sqlite3_bind_int64(table->orphans, 1, table->file_rows);
	if (rc == SQLITE_OK)
		rc = bind_cells(table->orphans, 2, &name, 1);
	int status = run(store, table->orphans, rc, why);
	if (!status)
		*count = sqlite3_changes(store->db);
	return status;
}

int csv_store_rows_begin(struct csv_store_table *table, struct buf *why)
{
	sqlite3_reset(table->find);
	if (!table->rows) {
		struct buf sql = {0};
		buf_puts(&sql, "SELECT");
		list_cells(&sql, table->width);
		buf_printf(&sql, " FROM t%zu WHERE deleted = 0 ORDER BY seq", table->id);
		return prepare(table->store, &sql, &table->rows, why);
	}
	sqlite3_reset(table->rows);
	return 0;
}

int csv_store_rows_next(struct csv_store_table *table, const char *const **cells, struct buf *why)
{
	int rc = sqlite3_step(table->rows);
	*cells = NULL;
	if (rc == SQLITE_DONE) {
		sqlite3_reset(table->rows);
		return 0;
	}
	if (rc != SQLITE_ROW) {
		sqlite3_reset(table->rows);
		return failed(table->store, "cannot read", why);
	}
	for (size_t i = 0; i < table->width; i++) {
		const char *text = (const char *)sqlite3_column_text(table->rows, (int)i);
		if (!text && sqlite3_column_type(table->rows, (int)i) != SQLITE_NULL)
			die(EXIT_SOFTWARE, "out of memory");
		table->cells[i] = text;
	}
	*cells = table->cells;
	return 0;
}
