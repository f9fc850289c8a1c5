/* The PostgreSQL sink: one transaction per batch of movies; each table's rows COPYed
 * into a temporary staging table as they come, merged by key when the batch commits;
 * children of every parent seen replaced. A session advisory lock keeps loads apart:
 * exclusive, or shared between --shared loads, which lock each movie they write (in one
 * order, so they cannot deadlock each other) and retry a batch PostgreSQL aborted as a
 * deadlock or serialization failure. */
#include "sink.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "dialect_postgres.h"
#include "idset.h"
#include "jsonl.h"
#include "lock.h"
#include "log.h"
#include "strmap.h"
#include "warehouse.h"
#include "xalloc.h"

/* The session advisory lock every run holds from start to end, exclusive or (--shared)
 * shared: "tmdb-loa" in ASCII, as a bigint. Documented in tmdb-load(1) so other writers
 * can take it too. */
#define LOAD_LOCK_KEY "8389472053692755809"
/* --shared loads make tables, columns and the view one at a time under this one. */
#define SCHEMA_LOCK_KEY "8389472053692755810"
/* A movie a --shared load writes: (this, hashtext(movie id)), the two-key form. */
#define MOVIE_LOCK_CLASS "1953326178"
/* How often a batch aborted as a deadlock or serialization failure is tried. */
#define BATCH_ATTEMPTS 8

#define NO_TABLE ((size_t)-1)

/* A table of the run. Its staging table has one column per layout column, named c0,
 * c1, ... (so no name from the input can clash with ours), then seq, the row's place in
 * the run. */
struct pg_table {
	struct layout *layout;
	char *target;	/* "schema"."table", quoted */
	char *stage;	/* pg_temp.tmdb_load_stage_N */
	long staged;	/* rows sent to the stage in this batch */
	long merged;	/* of them, merged into the target already (a deletion merges first) */
	long merged_seq;	/* the last seq merged */
	/* At the batch's commit, for trying it again. */
	struct load_counts counts_before;
	long merged_before, merged_seq_before;
	struct buf pending;	/* COPY lines not sent yet */
	size_t pending_columns;	/* how many columns they have (--alter adds more) */
	/* The hashes of the keys staged in this batch, and whether one came twice: only then
	 * must the merge pick each key's last row and count row by row (see merge_table). */
	struct idset keys;
	int repeated;
	struct buf key;		/* one key as text, reused */
	/* A child table whose batch went in by plain INSERT (its movies had no rows here
	 * before): at the run's row count then, after which nothing was staged, there is
	 * nothing of those movies to replace. */
	int fresh;
	long fresh_rows;
};

struct pg_sink {
	struct sink base;
	struct pg_db db;
	struct warehouse warehouse;
	struct pg_table *tables;
	size_t count, cap;
	size_t copying;		/* the table whose COPY is open, or NO_TABLE */
	long rows;		/* rows of the run so far: each staged row's seq */
	struct buf line;	/* one COPY line, reused */
	int shared;		/* --shared: no transaction while rows stream in */
	int busy_timeout_ms;
	int view_checked;	/* --shared: the view is as this version makes it */
	/* The batch's values of a parent column as an array literal, while no row is
	 * staged after it: every child table's statements share it. */
	struct buf parents;
	char *parents_column;
	long parents_rows;
};

static void sql_identifier(struct pg_sink *s, struct buf *sql, const char *name)
{
	pg_identifier(&s->db, sql, name);
}

/* Ends the open COPY, if any: the server answers for all its rows now, so a value it
 * refuses is reported here, when the input has gone on (hence no row of its own). */
static int end_copy(struct pg_sink *s, struct buf *why)
{
	if (s->copying == NO_TABLE)
		return 0;
	struct buf what = {0};
	sql_printf(&what, "%s, copying its rows", s->tables[s->copying].layout->name);
	s->copying = NO_TABLE;
	int status = PQputCopyEnd(s->db.conn, NULL) == 1
		     ? pg_collect_results(&s->db, PGRES_COMMAND_OK, what.data, why)
		     : pg_failed(&s->db, NULL, what.data, why);
	buf_free(&what);
	return status;
}

/* Every statement waits for the open COPY to end first. */
static int end_copy_before(void *sink, struct buf *why)
{
	return end_copy(sink, why);
}

static void sql_target(struct pg_sink *s, struct buf *sql, const struct layout *layout)
{
	warehouse_table(&s->warehouse, sql, layout->name);
}

enum column_set { ALL_COLUMNS, KEY_COLUMNS, VALUE_COLUMNS };

static int in_set(const struct layout *layout, size_t column, enum column_set set)
{
	return set == ALL_COLUMNS || (set == KEY_COLUMNS) == layout_is_key_column(layout, column);
}

/* The target's columns of a set, each after prefix: t."title", t."budget". */
static void sql_columns(struct pg_sink *s, struct buf *sql, const struct layout *layout,
			const char *prefix, enum column_set set)
{
	int first = 1;
	if (set == KEY_COLUMNS) {	/* in key order, for ON CONFLICT and PRIMARY KEY */
		for (size_t k = 0; k < layout->key_count; k++, first = 0) {
			sql_printf(sql, "%s%s", first ? "" : ", ", prefix);
			sql_identifier(s, sql, layout->columns[layout->key[k]].name);
		}
		return;
	}
	for (size_t i = 0; i < layout->column_count; i++) {
		if (!in_set(layout, i, set))
			continue;
		sql_printf(sql, "%s%s", first ? "" : ", ", prefix);
		sql_identifier(s, sql, layout->columns[i].name);
		first = 0;
	}
}

/* The stage's columns of a set: s.c1, s.c5. */
static void sql_stage_columns(struct buf *sql, const struct layout *layout, const char *prefix,
			      enum column_set set)
{
	int first = 1;
	if (set == KEY_COLUMNS) {
		for (size_t k = 0; k < layout->key_count; k++, first = 0)
			sql_printf(sql, "%s%sc%zu", first ? "" : ", ", prefix, layout->key[k]);
		return;
	}
	for (size_t i = 0; i < layout->column_count; i++) {
		if (!in_set(layout, i, set))
			continue;
		sql_printf(sql, "%s%sc%zu", first ? "" : ", ", prefix, i);
		first = 0;
	}
}

static int has_value_columns(const struct layout *layout)
{
	return layout->column_count > layout->key_count;
}

/* The stage takes the target's column types, so COPY parses each value as the merge
 * will store it; no constraints, so every row gets in and the merge judges them. */
static int create_stage(struct pg_sink *s, struct pg_table *t, struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf sql = {0};
	sql_printf(&sql, "CREATE TEMPORARY TABLE tmdb_load_stage_%zu AS SELECT ",
		   (size_t)(t - s->tables));
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_puts(&sql, "t.");
		sql_identifier(s, &sql, layout->columns[i].name);
		sql_printf(&sql, " AS c%zu, ", i);
	}
	sql_puts(&sql, "NULL::bigint AS seq FROM ");
	sql_target(s, &sql, layout);
	sql_puts(&sql, " t WITH NO DATA");
	int status = pg_exec(&s->db, sql.data, "cannot create a staging table", why);
	buf_free(&sql);
	return status;
}

static size_t table_index(const struct pg_sink *s, const struct layout *layout)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->tables[i].layout == layout)
			return i;
	die(EXIT_SOFTWARE, "internal error: %s: a row of a table never opened", layout->name);
}

static char *target_name(struct pg_sink *s, const struct layout *layout)
{
	struct buf name = {0};
	sql_target(s, &name, layout);
	return name.data;
}

static int ensure_transaction(struct pg_sink *s, struct buf *why)
{
	return s->db.in_transaction ? 0 : pg_begin(&s->db, "BEGIN", why);
}

/* Where tables, columns and the view change: in the run's transaction; with --shared,
 * each statement committed at once under the schema lock, so that two loads never race
 * to make the same table and none holds a table's lock for a whole batch. */
static int start_schema_change(struct pg_sink *s, int *locked, struct buf *why)
{
	*locked = s->shared && !s->db.in_transaction;
	if (!*locked)
		return ensure_transaction(s, why);
	return pg_run(&s->db, "SELECT pg_advisory_lock(" SCHEMA_LOCK_KEY ")", 0, NULL, PGRES_TUPLES_OK,
		      NULL, "cannot take the schema lock", why);
}

/* A failed run ends, and the session with it lets go of the lock. */
static int end_schema_change(struct pg_sink *s, int locked, int status, struct buf *why)
{
	if (!locked || status)
		return status;
	return pg_run(&s->db, "SELECT pg_advisory_unlock(" SCHEMA_LOCK_KEY ")", 0, NULL, PGRES_TUPLES_OK,
		      NULL, "cannot let go of the schema lock", why);
}

static int open_table(struct pg_sink *s, struct layout *layout, struct buf *why)
{
	int status = warehouse_open_table(&s->warehouse, layout, why);
	if (status)
		return status;
	s->tables = xgrow(s->tables, &s->cap, s->count, sizeof *s->tables);
	struct pg_table *t = &s->tables[s->count++];
	*t = (struct pg_table){.layout = layout, .target = target_name(s, layout)};
	struct buf stage = {0};
	sql_printf(&stage, "pg_temp.tmdb_load_stage_%zu", s->count - 1);
	t->stage = stage.data;
	layout->loaded = 1;
	log_debug(1, "%s: table %s ready", s->db.name, layout->name);
	return create_stage(s, t, why);
}

static int pg_open_table(struct sink *sink, struct layout *layout, struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	int locked = 0;
	int status = pg_check_names(layout, NULL, why);
	if (!status)
		status = start_schema_change(s, &locked, why);
	if (!status)
		status = open_table(s, layout, why);
	return end_schema_change(s, locked, status, why);
}

static int flush_table(struct pg_sink *s, size_t index, struct buf *why);

/* The rows waiting have the columns before this one: they go first. */
static int add_column(struct pg_sink *s, struct layout *layout, size_t column, struct buf *why)
{
	size_t index = table_index(s, layout);
	const struct pg_table *t = &s->tables[index];
	int status = flush_table(s, index, why);
	if (!status)
		status = warehouse_add_column(&s->warehouse, layout, column, why);
	if (status)
		return status;
	struct buf sql = {0};
	sql_printf(&sql, "ALTER TABLE %s ADD COLUMN c%zu %s", t->stage, column,
		   pg_type_of(layout->columns[column].kind));
	status = pg_exec(&s->db, sql.data, "cannot add a column", why);
	buf_free(&sql);
	return status;
}

static int pg_add_column(struct sink *sink, struct layout *layout, size_t column, struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	int locked = 0;
	int status = pg_check_names(layout, layout->columns[column].name, why);
	if (!status)
		status = start_schema_change(s, &locked, why);
	if (!status)
		status = add_column(s, layout, column, why);
	return end_schema_change(s, locked, status, why);
}

/* Opens a COPY into the table's stage, ending another table's first: a connection
 * copies into one at a time. */
static int start_copy(struct pg_sink *s, size_t index, struct buf *why)
{
	if (s->copying == index)
		return 0;
	const struct pg_table *t = &s->tables[index];
	struct buf sql = {0};
	sql_printf(&sql, "COPY %s (", t->stage);
	for (size_t i = 0; i < t->pending_columns; i++)
		sql_printf(&sql, "c%zu, ", i);
	sql_puts(&sql, "seq) FROM STDIN");
	int status = pg_run(&s->db, sql.data, 0, NULL, PGRES_COPY_IN, NULL, t->layout->name, why);
	buf_free(&sql);
	if (!status)
		s->copying = index;
	return status;
}

/* COPY's text format: \N is null; backslash, tab, newline and carriage return are
 * escaped, every other byte goes as it is (the connection speaks UTF-8). */
static void copy_text(struct buf *line, const char *text, size_t len)
{
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		const char *escape = text[i] == '\\' ? "\\\\" : text[i] == '\t' ? "\\t"
				   : text[i] == '\n' ? "\\n" : text[i] == '\r' ? "\\r" : NULL;
		if (!escape)
			continue;
		buf_append(line, text + start, i - start);
		sql_puts(line, escape);
		start = i + 1;
	}
	buf_append(line, text + start, len - start);
}

static void copy_cell(struct buf *line, const struct cell *cell)
{
	if (cell->type == CELL_NULL)
		sql_puts(line, "\\N");
	else if (cell->type == CELL_TEXT)
		copy_text(line, cell->text, cell->len);
	else
		cell_format(cell, line);	/* digits, or a real's shortest exact form */
}

/* Rows wait in memory up to this many bytes a table: the rows of a movie's tables
 * interleave in a Singer stream, and one COPY each would be a round trip each. */
#define PENDING_MAX (1 << 20)

/* Sends the table's waiting rows to its stage. The COPY stays open: the server takes
 * them in while this reads on, and the next statement (or another table's COPY) ends it. */
static int flush_table(struct pg_sink *s, size_t index, struct buf *why)
{
	struct pg_table *t = &s->tables[index];
	if (t->pending.len == 0)
		return 0;
	int status = start_copy(s, index, why);
	if (!status && PQputCopyData(s->db.conn, t->pending.data, (int)t->pending.len) != 1)
		status = pg_failed(&s->db, NULL, t->layout->name, why);
	buf_clear(&t->pending);
	return status;
}

/* Every table's waiting rows into its stage: before anything reads the stages. */
static int flush_rows(struct pg_sink *s, struct buf *why)
{
	int status = 0;
	for (size_t i = 0; i < s->count && !status; i++)
		status = flush_table(s, i, why);
	return status;
}

/* Notes the row's key among the batch's, by its hash: a separator that text may hold,
 * or two hashes alike, could only make two keys look alike, never two alike look
 * apart: at worst the slow merge. */
static void note_key(struct pg_table *t, const struct cells *row)
{
	if (t->repeated || !t->layout->key_count)
		return;
	const struct layout *layout = t->layout;
	buf_clear(&t->key);
	for (size_t k = 0; k < layout->key_count; k++) {
		cell_format(&row->cell[layout->key[k]], &t->key);
		buf_putc(&t->key, '\x1f');
	}
	long long hash = (long long)(strmap_hash(t->key.data) >> 1);
	if (!idset_add(&t->keys, hash ? hash : 1))	/* 0 marks an empty slot */
		t->repeated = 1;
}

/* Puts the row in the table's stage (by way of memory); the merge when the batch ends
 * upserts and counts it. */
static int pg_put_row(struct sink *sink, struct layout *layout, const struct cells *row,
		      struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	size_t index = table_index(s, layout);
	struct pg_table *t = &s->tables[index];
	buf_clear(&s->line);
	for (size_t i = 0; i < row->count; i++) {
		copy_cell(&s->line, &row->cell[i]);
		sql_puts(&s->line, "\t");
	}
	json_write_integer(&s->line, ++s->rows);	/* the seq: digits, as printf would write them */
	buf_putc(&s->line, '\n');
	if (s->line.len > INT_MAX - PENDING_MAX) {
		buf_printf(why, "%s: a row of %zu bytes, more than COPY takes", layout->name, s->line.len);
		return EXIT_DATAERR;
	}
	int status = t->pending.len + s->line.len > PENDING_MAX ? flush_table(s, index, why) : 0;
	if (status)
		return status;
	buf_append(&t->pending, s->line.data, s->line.len);
	t->pending_columns = row->count;
	t->staged++;
	note_key(t, row);
	return 0;
}

/* Runs a query answering (rows inserted, rows updated, rows in all) and adds them to the
 * table's counts: the rest are unchanged. */
static int add_counts(struct pg_sink *s, struct layout *layout, const char *sql, struct buf *why)
{
	PGresult *res;
	int status = pg_run(&s->db, sql, 0, NULL, PGRES_TUPLES_OK, &res, layout->name, why);
	if (status)
		return status;
	long inserted = atol(PQgetvalue(res, 0, 0)), updated = atol(PQgetvalue(res, 0, 1));
	layout->counts.inserted += inserted;
	layout->counts.updated += updated;
	layout->counts.unchanged += atol(PQgetvalue(res, 0, 2)) - inserted - updated;
	PQclear(res);
	return 0;
}

/* A key given twice in the batch: counts the staged rows as SQLite's row-by-row upsert
 * would: a key's first row is inserted when the table lacks the key, else updated when
 * some value differs from the table's; each later row of the same key is updated when it differs from the row before
 * it (lag over seq), else unchanged. A pre-check join rather than RETURNING (xmax = 0):
 * RETURNING sees one outcome per key, so a key given twice would be miscounted. Nothing
 * else writes these rows between this and the merge: the run holds the load lock, or
 * with --shared the locks of the movies they belong to. */
static int count_outcomes(struct pg_sink *s, struct pg_table *t, struct buf *why)
{
	struct layout *layout = t->layout;
	int values = has_value_columns(layout);
	struct buf sql = {0};
	sql_puts(&sql, "SELECT count(*) FILTER (WHERE first AND NOT existed), count(*) FILTER (WHERE"
		       " CASE WHEN first THEN existed AND differs_from_table ELSE differs_from_previous END),"
		       " count(*) FROM (SELECT lag(s.seq) OVER w IS NULL AS first, t.");
	sql_identifier(s, &sql, layout->columns[layout->key[0]].name);
	sql_puts(&sql, " IS NOT NULL AS existed, ");
	if (values) {
		sql_puts(&sql, "ROW(");
		sql_stage_columns(&sql, layout, "s.", VALUE_COLUMNS);
		sql_puts(&sql, ") IS DISTINCT FROM ROW(");
		sql_columns(s, &sql, layout, "t.", VALUE_COLUMNS);
		sql_puts(&sql, ") AS differs_from_table, ROW(");
		sql_stage_columns(&sql, layout, "s.", VALUE_COLUMNS);
		sql_puts(&sql, ") IS DISTINCT FROM lag(ROW(");
		sql_stage_columns(&sql, layout, "s.", VALUE_COLUMNS);
		sql_puts(&sql, ")) OVER w AS differs_from_previous");
	} else {
		sql_puts(&sql, "false AS differs_from_table, false AS differs_from_previous");
	}
	sql_printf(&sql, " FROM %s s LEFT JOIN %s t ON ", t->stage, t->target);
	for (size_t k = 0; k < layout->key_count; k++) {
		sql_puts(&sql, k ? " AND t." : "t.");
		sql_identifier(s, &sql, layout->columns[layout->key[k]].name);
		sql_printf(&sql, " = s.c%zu", layout->key[k]);
	}
	sql_printf(&sql, " WHERE s.seq > %ld WINDOW w AS (PARTITION BY ", t->merged_seq);
	sql_stage_columns(&sql, layout, "s.", KEY_COLUMNS);
	sql_puts(&sql, " ORDER BY s.seq)) AS outcomes");
	int status = add_counts(s, layout, sql.data, why);
	buf_free(&sql);
	return status;
}

/* One upsert for the whole stage: a key's last row wins (DISTINCT ON, newest seq first,
 * as ON CONFLICT may touch a row once), and a row is rewritten only when some value
 * differs (IS DISTINCT FROM: null equals null). */
static void sql_merge(struct pg_sink *s, struct buf *sql, const struct pg_table *t, int repeated)
{
	const struct layout *layout = t->layout;
	sql_printf(sql, "INSERT INTO %s AS t (", t->target);
	sql_columns(s, sql, layout, "", ALL_COLUMNS);
	sql_puts(sql, ") SELECT ");
	if (repeated) {
		sql_puts(sql, "DISTINCT ON (");
		sql_stage_columns(sql, layout, "s.", KEY_COLUMNS);
		sql_puts(sql, ") ");
	}
	sql_stage_columns(sql, layout, "s.", ALL_COLUMNS);
	sql_printf(sql, " FROM %s s WHERE s.seq > %ld", t->stage, t->merged_seq);
	if (repeated) {
		sql_puts(sql, " ORDER BY ");
		sql_stage_columns(sql, layout, "s.", KEY_COLUMNS);
		sql_puts(sql, ", s.seq DESC");
	}
	sql_puts(sql, " ON CONFLICT (");
	sql_columns(s, sql, layout, "", KEY_COLUMNS);
	if (has_value_columns(layout)) {
		sql_puts(sql, ") DO UPDATE SET (");
		sql_columns(s, sql, layout, "", VALUE_COLUMNS);
		sql_puts(sql, ") = ROW(");
		sql_columns(s, sql, layout, "EXCLUDED.", VALUE_COLUMNS);
		sql_puts(sql, ") WHERE ROW(");
		sql_columns(s, sql, layout, "t.", VALUE_COLUMNS);
		sql_puts(sql, ") IS DISTINCT FROM ROW(");
		sql_columns(s, sql, layout, "EXCLUDED.", VALUE_COLUMNS);
		sql_puts(sql, ")");
	} else {
		sql_puts(sql, ") DO NOTHING");
	}
}

/* A table without a key (a stream appended to): every staged row is a new one. */
static int append_stage(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	struct buf sql = {0};
	sql_printf(&sql, "INSERT INTO %s (", t->target);
	sql_columns(s, &sql, t->layout, "", ALL_COLUMNS);
	sql_puts(&sql, ") SELECT ");
	sql_stage_columns(&sql, t->layout, "s.", ALL_COLUMNS);
	sql_printf(&sql, " FROM %s s WHERE s.seq > %ld ORDER BY s.seq", t->stage, t->merged_seq);
	int status = pg_exec(&s->db, sql.data, t->layout->name, why);
	buf_free(&sql);
	if (!status)
		t->layout->counts.inserted += t->staged - t->merged;
	return status;
}

static int merge_stage(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	struct buf sql = {0};
	sql_merge(s, &sql, t, 1);
	int status = pg_exec(&s->db, sql.data, t->layout->name, why);
	buf_free(&sql);
	return status;
}

/* No key twice: the upsert itself says what it did. A row it wrote is inserted when its
 * version has no xmax (an update's has: ON CONFLICT locked the old row first), updated
 * otherwise; a row it left alone (no value differed) is unchanged. */
static int merge_counted(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "WITH merged AS (");
	sql_merge(s, &sql, t, 0);
	sql_printf(&sql, " RETURNING t.xmax = 0 AS inserted) SELECT count(*) FILTER (WHERE inserted),"
		   " count(*) FILTER (WHERE NOT inserted), %ld FROM merged", t->staged - t->merged);
	int status = add_counts(s, t->layout, sql.data, why);
	buf_free(&sql);
	return status;
}

/* The values of a parent column the run has seen: in child tables' parent column, and
 * in the key of parent tables, as a query over their stages. */
static void sql_seen_parents(struct pg_sink *s, struct buf *sql, const char *parent_column)
{
	int first = 1;
	for (size_t i = 0; i < s->count; i++) {
		const struct layout *layout = s->tables[i].layout;
		size_t column[2] = {layout->parent, layout->is_parent ? layout->key[0] : LAYOUT_NONE};
		for (size_t c = 0; c < 2; c++) {
			if (column[c] == LAYOUT_NONE ||
			    strcmp(layout->columns[column[c]].name, parent_column) != 0)
				continue;
			sql_printf(sql, "%sSELECT c%zu FROM ", first ? "" : " UNION ", column[c]);
			sql_puts(sql, s->tables[i].stage);
			first = 0;
		}
	}
}

/* The batch's values of the table's parent column, as an array literal for $1: asked
 * once while nothing more is staged, then shared by the child tables' statements. */
static int batch_parents(struct pg_sink *s, const struct pg_table *t, const char **array, struct buf *why)
{
	const char *column = t->layout->columns[t->layout->parent].name;
	if (s->parents_column && strcmp(s->parents_column, column) == 0 && s->parents_rows == s->rows) {
		*array = s->parents.data;
		return 0;
	}
	struct buf sql = {0};
	sql_puts(&sql, "SELECT ARRAY(");
	sql_seen_parents(s, &sql, column);
	sql_puts(&sql, ")::text");
	PGresult *res;
	int status = pg_run(&s->db, sql.data, 0, NULL, PGRES_TUPLES_OK, &res, "cannot list the batch's movies",
			    why);
	buf_free(&sql);
	if (status)
		return status;
	buf_clear(&s->parents);
	buf_puts(&s->parents, PQgetvalue(res, 0, 0));
	PQclear(res);
	free(s->parents_column);
	s->parents_column = xstrdup(column);
	s->parents_rows = s->rows;
	*array = s->parents.data;
	return 0;
}

/* HEAD (SELECT 1 FROM, DELETE FROM) the table's rows of the batch's parents, the
 * parents in *param for $1: the start of every statement on a batch's children. */
static int sql_batch_children(struct pg_sink *s, const struct pg_table *t, const char *head,
			      struct buf *sql, const char **param, struct buf *why)
{
	int status = batch_parents(s, t, param, why);
	if (status)
		return status;
	sql_printf(sql, "%s %s AS t WHERE t.", head, t->target);
	sql_identifier(s, sql, t->layout->columns[t->layout->parent].name);
	sql_puts(sql, " = ANY ($1)");
	return 0;
}

/* Whether the table holds a row of the batch's parents, by the parent column's index. */
static int has_batch_children(struct pg_sink *s, const struct pg_table *t, int *found, struct buf *why)
{
	const char *params[1];
	struct buf sql = {0};
	int status = sql_batch_children(s, t, "SELECT 1 FROM", &sql, &params[0], why);
	if (status) {
		buf_free(&sql);
		return status;
	}
	sql_puts(&sql, " LIMIT 1");
	PGresult *res;
	status = pg_run(&s->db, sql.data, 1, params, PGRES_TUPLES_OK, &res, t->layout->name, why);
	buf_free(&sql);
	if (status)
		return status;
	*found = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* A child table's staged rows (no key twice) whose movies have no rows in it yet: every
 * one is new, so a plain INSERT, without ON CONFLICT's check of each key (a third of a
 * first load's time), stores and counts them. A key the table holds under another movie
 * fails it: undone to the savepoint, the upsert merges as ever. */
static int insert_new_children(struct pg_sink *s, const struct pg_table *t, int *inserted, struct buf *why)
{
	int found = 0;
	int status = has_batch_children(s, t, &found, why);
	if (status || found)
		return status;
	if ((status = pg_exec(&s->db, "SAVEPOINT tmdb_load_new_rows", "cannot insert", why)))
		return status;
	struct buf sql = {0};
	sql_printf(&sql, "INSERT INTO %s (", t->target);
	sql_columns(s, &sql, t->layout, "", ALL_COLUMNS);
	sql_puts(&sql, ") SELECT ");
	sql_stage_columns(&sql, t->layout, "s.", ALL_COLUMNS);
	sql_printf(&sql, " FROM %s s WHERE s.seq > %ld", t->stage, t->merged_seq);
	PGresult *res;
	status = pg_run(&s->db, sql.data, 0, NULL, PGRES_COMMAND_OK, &res, t->layout->name, why);
	buf_free(&sql);
	if (status && strcmp(s->db.sqlstate, "23505") == 0) {
		log_debug(1, "%s; its rows are merged instead", why->data);
		buf_clear(why);
		return pg_exec(&s->db, "ROLLBACK TO SAVEPOINT tmdb_load_new_rows", "cannot roll back", why);
	}
	if (status)
		return status;
	t->layout->counts.inserted += atol(PQcmdTuples(res));
	PQclear(res);
	*inserted = 1;
	return pg_exec(&s->db, "RELEASE SAVEPOINT tmdb_load_new_rows", "cannot insert", why);
}

/* Merges the rows staged since the last merge: at the end, or before a deletion, which
 * must see (and may delete) every row that came before it. The stage keeps them all
 * for replacing children. */
static int upsert_stage(struct pg_sink *s, struct pg_table *t, int *inserted, struct buf *why)
{
	int status = 0;
	if (!t->repeated && t->layout->parent != LAYOUT_NONE)
		status = insert_new_children(s, t, inserted, why);
	if (!status && !*inserted && !t->repeated)
		status = merge_counted(s, t, why);
	else if (!status && !*inserted && !(status = count_outcomes(s, t, why)))
		status = merge_stage(s, t, why);
	return status;
}

static int merge_table(struct pg_sink *s, struct pg_table *t, struct buf *why)
{
	if (t->staged == t->merged)
		return 0;
	int inserted = 0;
	int status = t->layout->key_count ? upsert_stage(s, t, &inserted, why) : append_stage(s, t, why);
	if (status)
		return status;
	t->fresh = inserted && t->merged == 0;
	t->fresh_rows = s->rows;
	t->merged = t->staged;
	t->merged_seq = s->rows;
	return 0;
}

/* --shared: every movie the stages hold, locked in one order (of their lock keys) by
 * every load, so two loads never wait on each other crosswise. */
static int lock_staged_movies(struct pg_sink *s, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "SELECT count(pg_advisory_xact_lock(" MOVIE_LOCK_CLASS ", h)) FROM (");
	int first = 1;
	for (size_t i = 0; i < s->count; i++) {
		size_t column = batch_movie_column(s->tables[i].layout);
		if (column == LAYOUT_NONE || s->tables[i].staged == 0)
			continue;
		sql_printf(&sql, "%sSELECT hashtext(c%zu::text) AS h FROM %s", first ? "" : " UNION ", column,
			   s->tables[i].stage);
		first = 0;
	}
	sql_puts(&sql, " ORDER BY h OFFSET 0) movies");
	int status = first ? 0 : pg_run(&s->db, sql.data, 0, NULL, PGRES_TUPLES_OK, NULL,
				       "cannot lock the batch's movies", why);
	buf_free(&sql);
	return status;
}

/* --shared: the movie a deletion names, when it names one. */
static int lock_movie_of(struct pg_sink *s, const struct layout *layout, const struct cells *match,
			 struct buf *why)
{
	size_t column = batch_movie_column(layout);
	if (column == LAYOUT_NONE || column >= match->count || match->cell[column].type == CELL_NULL)
		return 0;
	struct buf movie = {0};
	cell_format(&match->cell[column], &movie);
	const char *params[] = {movie.data ? movie.data : ""};
	int status = pg_run(&s->db, "SELECT pg_advisory_xact_lock(" MOVIE_LOCK_CLASS ", hashtext($1))", 1,
			    params, PGRES_TUPLES_OK, NULL, "cannot lock a movie", why);
	buf_free(&movie);
	return status;
}

/* Merges what the stages hold, in the batch's transaction (begun here with --shared). */
static int merge_tables(struct pg_sink *s, struct buf *why)
{
	int status = flush_rows(s, why);
	if (!status)
		status = ensure_transaction(s, why);
	if (!status && s->shared)
		status = lock_staged_movies(s, why);
	for (size_t i = 0; i < s->count && !status; i++)
		status = merge_table(s, &s->tables[i], why);
	return status;
}

/* Runs head WHERE "a" = $1 AND ... tail with match's values as parameters, once every
 * row before it is merged. */
static int run_match(struct pg_sink *s, const struct pg_table *t, const char *head, const char *tail,
		     const struct cells *match, ExecStatusType expect, PGresult **result, struct buf *why)
{
	int status = merge_tables(s, why);
	if (!status && s->shared)
		status = lock_movie_of(s, t->layout, match, why);
	if (status)
		return status;
	const struct layout *layout = t->layout;
	struct buf sql = {0};
	struct buf *values = xcalloc(match->count ? match->count : 1, sizeof *values);
	const char **params = xcalloc(match->count ? match->count : 1, sizeof *params);
	int n = 0;
	sql_printf(&sql, "%s%s", head, t->target);
	for (size_t i = 0; i < match->count; i++) {
		if (match->cell[i].type == CELL_NULL)
			continue;
		sql_puts(&sql, n ? " AND " : " WHERE ");
		sql_identifier(s, &sql, layout->columns[i].name);
		sql_printf(&sql, " = $%d", n + 1);
		cell_format(&match->cell[i], &values[n]);
		params[n] = values[n].data ? values[n].data : "";
		n++;
	}
	sql_puts(&sql, tail);
	status = pg_run(&s->db, sql.data, n, params, expect, result, layout->name, why);
	for (size_t i = 0; i < match->count; i++)
		buf_free(&values[i]);
	free(values);
	free(params);
	buf_free(&sql);
	return status;
}

static int pg_delete_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			  struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	PGresult *res;
	int status = run_match(s, &s->tables[table_index(s, layout)], "DELETE FROM ", "", match,
			       PGRES_COMMAND_OK, &res, why);
	if (status)
		return status;
	layout->counts.deleted += atol(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

static int pg_drop_versions(struct sink *sink, struct layout *layout, size_t column, long long version,
			    struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	const struct pg_table *t = &s->tables[table_index(s, layout)];
	int status = merge_tables(s, why);
	if (status)
		return status;
	struct buf sql = {0}, value = {0};
	sql_printf(&sql, "DELETE FROM %s WHERE ", t->target);
	sql_identifier(s, &sql, layout->columns[column].name);
	sql_puts(&sql, " < $1");
	json_write_integer(&value, version);
	const char *params[] = {value.data};
	PGresult *res;
	status = pg_run(&s->db, sql.data, 1, params, PGRES_COMMAND_OK, &res, layout->name, why);
	if (!status) {
		layout->counts.deleted += atol(PQcmdTuples(res));
		PQclear(res);
	}
	buf_free(&sql);
	buf_free(&value);
	return status;
}

static int pg_has_rows(struct sink *sink, struct layout *layout, const struct cells *match, int *found,
		       struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	PGresult *res;
	int status = run_match(s, &s->tables[table_index(s, layout)], "SELECT 1 FROM ", " LIMIT 1", match,
			       PGRES_TUPLES_OK, &res, why);
	if (status)
		return status;
	*found = PQntuples(res) > 0;
	PQclear(res);
	return 0;
}

/* Deletes the rows of a child table whose parent was seen in this batch but whose own
 * key (of one column or several) was not: what the source no longer has. The parents
 * as an array, so that the planner, which cannot know how few they are, looks them up
 * in the parent column's index rather than reading the whole table every batch. A
 * table whose batch was all new rows (insert_new_children) has nothing to replace. */
static int replace_children(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	struct layout *layout = t->layout;
	if (t->fresh && t->fresh_rows == s->rows)
		return 0;
	const char *params[1];
	struct buf sql = {0};
	int status = sql_batch_children(s, t, "DELETE FROM", &sql, &params[0], why);
	if (status) {
		buf_free(&sql);
		return status;
	}
	sql_printf(&sql, " AND NOT EXISTS (SELECT 1 FROM %s s WHERE ", t->stage);
	for (size_t k = 0; k < layout->key_count; k++) {
		sql_printf(&sql, "%ss.c%zu = t.", k ? " AND " : "", layout->key[k]);
		sql_identifier(s, &sql, layout->columns[layout->key[k]].name);
	}
	sql_puts(&sql, ")");
	PGresult *res;
	status = pg_run(&s->db, sql.data, 1, params, PGRES_COMMAND_OK, &res, "cannot replace child rows", why);
	buf_free(&sql);
	if (status)
		return status;
	layout->counts.deleted += atol(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

/* A holding row (a membership) staged in this batch must find its held row (the movie)
 * once the batch is merged: a sync that found a movie unchanged sends only the
 * membership, trusting the movie to be there, and another load may have removed it
 * since this run read its state. Committing would leave a membership of nothing and a
 * warehouse without the movie: 75, run again (its state no longer names the movie). */
static int check_held_rows(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	const struct layout *layout = t->layout;
	const struct table *held = layout->known && layout->known->holds ? table_find(layout->known->holds)
									 : NULL;
	size_t link = held ? layout_column_index(layout, held->key[0]) : LAYOUT_NONE;
	if (link == LAYOUT_NONE || t->staged == 0)
		return 0;
	struct buf sql = {0};
	sql_printf(&sql, "SELECT s.c%zu FROM %s s WHERE NOT EXISTS (SELECT 1 FROM ", link, t->stage);
	warehouse_table(&s->warehouse, &sql, held->name);
	sql_puts(&sql, " h WHERE h.");
	sql_identifier(s, &sql, held->key[0]);
	sql_printf(&sql, " = s.c%zu) LIMIT 1", link);
	PGresult *res;
	int status = pg_run(&s->db, sql.data, 0, NULL, PGRES_TUPLES_OK, &res, layout->name, why);
	buf_free(&sql);
	if (status)
		return status;
	if (PQntuples(res) > 0) {
		buf_printf(why, "%s: %s: %s %s is not in %s (removed since this run read the state?); run"
			   " it again", s->db.name, layout->name, held->key[0], PQgetvalue(res, 0, 0), held->name);
		status = EXIT_TEMPFAIL;
	}
	PQclear(res);
	return status;
}

/* The batch's writes, then its commit. */
static int write_batch(struct pg_sink *s, struct buf *why)
{
	int status = merge_tables(s, why);
	for (size_t i = 0; i < s->count && !status; i++)
		status = check_held_rows(s, &s->tables[i], why);
	for (size_t i = 0; i < s->count && !status; i++)
		if (s->tables[i].layout->parent != LAYOUT_NONE)
			status = replace_children(s, &s->tables[i], why);
	if (!status && !s->shared)
		status = warehouse_finish(&s->warehouse, why);
	if (!status)
		status = pg_exec(&s->db, "COMMIT", "cannot commit", why);
	if (!status)
		s->db.in_transaction = 0;
	return status;
}

/* What a batch that is tried again starts from: its counts and merges undone. */
static void save_batch(struct pg_sink *s)
{
	for (size_t i = 0; i < s->count; i++) {
		struct pg_table *t = &s->tables[i];
		t->counts_before = t->layout->counts;
		t->merged_before = t->merged;
		t->merged_seq_before = t->merged_seq;
	}
}

static void undo_batch(struct pg_sink *s)
{
	for (size_t i = 0; i < s->count; i++) {
		struct pg_table *t = &s->tables[i];
		t->layout->counts = t->counts_before;
		t->merged = t->merged_before;
		t->merged_seq = t->merged_seq_before;
		t->fresh = 0;
	}
}

static int roll_back(struct pg_sink *s, struct buf *why)
{
	int status = pg_exec(&s->db, "ROLLBACK", "cannot roll back", why);
	s->db.in_transaction = 0;
	return status;
}

/* A pause before trying again that grows, with some spread so that the loads that
 * collided do not collide again in step. */
static void pause_before_retry(int attempt)
{
	long ms = (10L << (attempt < 6 ? attempt : 6)) + rand() % 50;
	struct timespec pause = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&pause, NULL);
}

/* The stages start over for the next batch. */
static int empty_stages(struct pg_sink *s, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "TRUNCATE ");
	for (size_t i = 0; i < s->count; i++) {
		struct pg_table *t = &s->tables[i];
		sql_printf(&sql, "%s%s", i ? ", " : "", t->stage);
		t->staged = t->merged = 0;
		idset_free(&t->keys);
		t->repeated = 0;
		t->fresh = 0;
	}
	free(s->parents_column);
	s->parents_column = NULL;
	int status = s->count ? pg_exec(&s->db, sql.data, "cannot empty the staging tables", why) : 0;
	buf_free(&sql);
	return status;
}

/* --shared: the view, made (under the schema lock) before the first batch's
 * transaction rather than in it, so loads never replace it at once. */
static int check_view(struct pg_sink *s, struct buf *why)
{
	if (!s->shared || s->view_checked)
		return 0;
	int locked = 0;
	int status = start_schema_change(s, &locked, why);
	if (!status)
		status = warehouse_finish(&s->warehouse, why);
	s->view_checked = !status;
	return end_schema_change(s, locked, status, why);
}

/* Commits the batch. When its transaction begins here, everything it writes is still
 * in the stages: PostgreSQL aborting it as a deadlock or serialization failure has it
 * tried again, counts and all, from there. */
static int commit_batch(struct pg_sink *s, struct buf *why)
{
	int status = flush_rows(s, why);
	if (!status)
		status = check_view(s, why);
	if (status)
		return status;
	int again = !s->db.in_transaction;
	save_batch(s);
	for (int attempt = 1;; attempt++) {
		status = write_batch(s, why);
		if (!status || !again || !pg_failure_is_transient(&s->db) || attempt == BATCH_ATTEMPTS)
			break;
		log_debug(1, "%s; the batch is tried again", why->data);
		buf_clear(why);
		undo_batch(s);
		if ((status = roll_back(s, why)))
			return status;
		pause_before_retry(attempt);
	}
	return status ? status : empty_stages(s, why);
}

/* The end of the input commits as a batch does: sink_ops names it for both. */
static int pg_commit(struct sink *sink, struct buf *why)
{
	return commit_batch((struct pg_sink *)sink, why);
}

/* Ends what a failed run left open, then the connection rolls it back; the server
 * would when the connection closes anyway, saying so first keeps its log clear of
 * aborted COPYs. */
static void pg_close(struct sink *sink)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	if (s->copying != NO_TABLE && PQstatus(s->db.conn) == CONNECTION_OK) {
		s->copying = NO_TABLE;
		if (PQputCopyEnd(s->db.conn, "tmdb-load: the run failed") == 1)
			for (PGresult *res; (res = PQgetResult(s->db.conn));)
				PQclear(res);
	}
	pg_disconnect(&s->db);
	for (size_t i = 0; i < s->count; i++) {
		free(s->tables[i].target);
		free(s->tables[i].stage);
		buf_free(&s->tables[i].pending);
		buf_free(&s->tables[i].key);
		idset_free(&s->tables[i].keys);
	}
	free(s->tables);
	buf_free(&s->line);
	buf_free(&s->parents);
	free(s->parents_column);
	free(s);
}

static const struct sink_ops postgres_ops = {
	pg_open_table, pg_add_column, pg_put_row, pg_delete_rows, pg_has_rows, pg_commit, pg_close,
	pg_commit, pg_drop_versions,
};

/* The load lock's holder as pg_locks and pg_stat_activity show it: a bigint advisory
 * key is classid (its high half), objid (its low half) and objsubid 1. */
static const char load_lock_holder_sql[] =
	"SELECT a.pid, coalesce(a.application_name, ''), coalesce(host(a.client_addr), '')"
	" FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid"
	" WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1"
	" AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())"
	" AND l.classid::bigint = (" LOAD_LOCK_KEY "::bigint >> 32)"
	" AND l.objid::bigint = (" LOAD_LOCK_KEY "::bigint & 4294967295) LIMIT 1";

/* "tmdb-load (backend pid N, from ADDRESS)", or nothing when the holder is gone or
 * cannot be seen. */
static void describe_lock_holder(struct pg_sink *s, struct buf *holder)
{
	PGresult *res = NULL;
	struct buf ignored = {0};
	if (pg_run(&s->db, load_lock_holder_sql, 0, NULL, PGRES_TUPLES_OK, &res,
		   "cannot find the load lock's holder", &ignored) == 0 && PQntuples(res) > 0) {
		const char *name = PQgetvalue(res, 0, 1), *address = PQgetvalue(res, 0, 2);
		buf_printf(holder, "%s (backend pid %s%s%s)", *name ? name : "a session",
			   PQgetvalue(res, 0, 0), *address ? ", from " : "", address);
	}
	if (ignored.len)
		log_debug(1, "%s", ignored.data);
	PQclear(res);
	buf_free(&ignored);
}

/* The load lock, at once; when another run holds it, 75 naming that run, or with wait
 * the wait for it, as long as it takes (lock_timeout is 0 here). */
static int take_load_lock(struct pg_sink *s, int wait, struct buf *why)
{
	PGresult *res;
	const char *try = s->shared ? "SELECT pg_try_advisory_lock_shared(" LOAD_LOCK_KEY ")"
				    : "SELECT pg_try_advisory_lock(" LOAD_LOCK_KEY ")";
	int status = pg_run(&s->db, try, 0, NULL, PGRES_TUPLES_OK, &res, "cannot take the load lock", why);
	if (status)
		return status;
	int taken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (taken)
		return 0;
	struct buf holder = {0};
	describe_lock_holder(s, &holder);
	if (!wait) {
		lock_busy_message(why, s->db.name, holder.data);
		buf_free(&holder);
		return EXIT_TEMPFAIL;
	}
	log_warn("%s: in use by %s; waiting for it", s->db.name,
		 holder.data ? holder.data : "another process");
	buf_free(&holder);
	return pg_run(&s->db, s->shared ? "SELECT pg_advisory_lock_shared(" LOAD_LOCK_KEY ")"
				   : "SELECT pg_advisory_lock(" LOAD_LOCK_KEY ")",
		      0, NULL, PGRES_TUPLES_OK, NULL, "cannot take the load lock", why);
}

/* First the load lock, a session advisory lock, the destination's lock: one run at a
 * time, another exits 75 or (--wait) follows it; or with --shared, any number of
 * --shared runs, which lock each movie as they write it. Table locks (LOCK TABLE ...
 * SHARE ROW EXCLUSIVE) would not do: the tables may not exist yet (two CREATE TABLE IF
 * NOT EXISTS at once can fail), and a stream names its tables as it goes, so two runs
 * could lock them in different orders and deadlock. Its wait has no lock_timeout;
 * lock_timeout then bounds the wait for a table another writer locks, as --busy-timeout
 * does for SQLite (0: PostgreSQL's 0 would mean forever, so 1 ms). Without --shared the
 * first batch's transaction begins at once, so that the tables a failed first run made
 * go with it. */
static int busy_timeout(const struct sink_options *options)
{
	return options->busy_timeout_ms > 0 ? options->busy_timeout_ms : 1;
}

static int start_load(struct pg_sink *s, const struct sink_options *options, struct buf *why)
{
	int status = pg_set_lock_timeout(&s->db, 0, why);
	if (!status)
		status = take_load_lock(s, options->wait, why);
	if (!status)
		status = pg_set_lock_timeout(&s->db, busy_timeout(options), why);
	if (!status && !s->shared)
		status = pg_begin(&s->db, "BEGIN", why);
	if (!status)
		status = pg_read_schema(&s->db, why);
	if (!status && !s->db.schema) {
		buf_printf(why, "%s: no schema to create tables in (search_path names none that exists)",
			   s->db.name);
		status = EXIT_CANTCREAT;
	}
	return status;
}

/* A sink connected to dsn; its warehouse's schema is read later. */
static struct pg_sink *pg_sink_connect(const char *dsn, int *status, struct buf *why)
{
	struct pg_sink *s = xcalloc(1, sizeof *s);
	s->base.ops = &postgres_ops;
	s->copying = NO_TABLE;
	s->db.before_statement = end_copy_before;
	s->db.arg = s;
	*status = pg_connect(&s->db, dsn, why);
	return s;
}

static void init_warehouse(struct pg_sink *s, int alter)
{
	s->warehouse = (struct warehouse){&pg_dialect, &s->db, s->db.name, s->db.schema_name,
					  s->db.schema, alter, 0};
}

int sink_postgres_open(const char *dsn, const struct sink_options *options, struct sink **sink,
		       struct buf *why)
{
	int status;
	struct pg_sink *s = pg_sink_connect(dsn, &status, why);
	s->shared = options->shared;
	if (!status)
		status = start_load(s, options, why);
	if (status) {
		pg_close(&s->base);
		return status;
	}
	init_warehouse(s, options->alter);
	log_debug(1, "%s: tables in schema %s; a transaction per %ld movies or %g seconds%s", s->db.name,
		  s->db.schema, options->batch_movies, options->batch_seconds,
		  s->shared ? ", shared with other loads" : "");
	*sink = &s->base;
	return 0;
}

/* --print-state: one read-only snapshot (REPEATABLE READ), so the ETags and the movies
 * they are filtered by are of the same commit; no lock a load takes is waited for. No
 * schema on the search_path: no tables, the empty state. */
int sink_postgres_read_state(const char *dsn, const struct sink_options *options,
			     struct load_state *state, struct buf *why)
{
	int status;
	struct pg_sink *s = pg_sink_connect(dsn, &status, why);
	if (!status)
		status = pg_begin(&s->db, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", why);
	if (!status)
		status = pg_set_lock_timeout(&s->db, busy_timeout(options), why);
	if (!status)
		status = pg_read_schema(&s->db, why);
	init_warehouse(s, 0);
	if (!status && s->db.schema)
		status = warehouse_read_state(&s->warehouse, state, why);
	pg_close(&s->base);	/* ends the read-only transaction */
	return status;
}
