/* The PostgreSQL sink: one transaction per run, serialized between runs by an advisory
 * lock; each table's rows COPYed into a temporary staging table as they come, merged
 * by key at the end; children of every parent seen replaced. */
#include "sink.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libpq-fe.h>

#include "lock.h"
#include "log.h"
#include "xalloc.h"

/* NAMEDATALEN - 1: PostgreSQL cuts longer names short with only a NOTICE, so two long
 * names from the input could silently become one table or column. */
#define PG_NAME_MAX 63

/* The transaction-level advisory lock every run holds from BEGIN to COMMIT: "tmdb-loa"
 * in ASCII, as a bigint. Documented in tmdb-load(1) so other writers can take it too. */
#define LOAD_LOCK_KEY "8389472053692755809"

#define NO_TABLE ((size_t)-1)

/* A table of the run. Its staging table has one column per layout column, named c0,
 * c1, ... (so no name from the input can clash with ours), then seq, the row's place in
 * the run. */
struct pg_table {
	struct layout *layout;
	char *target;	/* "schema"."table", quoted */
	char *stage;	/* pg_temp.tmdb_load_stage_N */
	long staged;	/* rows sent to the stage */
	long merged;	/* of them, merged into the target already (a deletion merges first) */
	long merged_seq;	/* the last seq merged */
};

struct pg_sink {
	struct sink base;
	PGconn *conn;
	char *name;		/* user@host:port/dbname for messages; never the password */
	char *schema_name;	/* where the tables are: the connection's current_schema() */
	char *schema;		/* the same, quoted */
	int alter;
	int in_transaction;
	int warehouse_ready;	/* movies, credits and reviews exist; the view comes at the end */
	struct pg_table *tables;
	size_t count, cap;
	size_t copying;		/* the table whose COPY is open, or NO_TABLE */
	long rows;		/* rows of the run so far: each staged row's seq */
	struct buf line;	/* one COPY line, reused */
};

/* One row per movie, as in SQLite. Subqueries rather than joins, so a movie's credits
 * do not multiply its reviews; avg() skips null ratings and is null without any. Each @
 * stands for the quoted schema. */
static const char analysis_view_sql[] =
	"CREATE OR REPLACE VIEW @.movie_analysis_view AS\n"
	"SELECT m.movie_id AS movie_id, m.title AS title, m.release_date AS release_date,\n"
	"  m.budget AS budget, m.revenue AS revenue, m.vote_average AS vote_average,\n"
	"  m.vote_count AS vote_count, m.popularity AS popularity, m.runtime AS runtime,\n"
	"  (SELECT count(*) FROM @.credits c WHERE c.movie_id = m.movie_id) AS cast_size,\n"
	"  (SELECT count(*) FROM @.reviews r WHERE r.movie_id = m.movie_id) AS review_count,\n"
	"  (SELECT avg(r.rating) FROM @.reviews r WHERE r.movie_id = m.movie_id) AS avg_review_rating,\n"
	"  m.revenue - m.budget AS profit,\n"
	"  CASE WHEN m.budget > 0 THEN CAST(m.revenue - m.budget AS DOUBLE PRECISION) / m.budget END AS roi\n"
	"FROM @.movies m";

static const char table_columns_sql[] =
	"SELECT a.attname, a.atttypid::regtype::text FROM pg_catalog.pg_attribute a"
	" JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
	" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')"
	" AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";

static const char primary_key_sql[] =
	"SELECT a.attname FROM pg_catalog.pg_index i"
	" JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
	" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
	" JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
	" WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary"
	" ORDER BY array_position(i.indkey::int2[], a.attnum)";

/* SQL is built in a buf; running out of memory while building it ends the program. */
static void sql_puts(struct buf *sql, const char *text)
{
	if (buf_puts(sql, text) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

static void sql_printf(struct buf *sql, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sql_printf(struct buf *sql, const char *fmt, ...)
{
	va_list ap, again;
	va_start(ap, fmt);
	va_copy(again, ap);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		die(EXIT_SOFTWARE, "internal error: cannot format SQL");
	char *text = xmalloc((size_t)n + 1);
	vsnprintf(text, (size_t)n + 1, fmt, again);
	va_end(again);
	sql_puts(sql, text);
	free(text);
}

/* Names reach SQL only through libpq's own quoting. It fails only without memory or on
 * text that is not UTF-8, which neither JSON nor the catalog (read as UTF-8) can give. */
static char *quote_identifier(struct pg_sink *s, const char *name)
{
	char *quoted = PQescapeIdentifier(s->conn, name, strlen(name));
	if (!quoted)
		die(EXIT_SOFTWARE, "%s: cannot quote a name: %s", s->name, PQerrorMessage(s->conn));
	char *copy = xstrdup(quoted);
	PQfreemem(quoted);
	return copy;
}

static void sql_identifier(struct pg_sink *s, struct buf *sql, const char *name)
{
	char *quoted = quote_identifier(s, name);
	sql_puts(sql, quoted);
	free(quoted);
}

/* Appends libpq's text as one line: its messages end with a newline and may hold several. */
static void append_one_line(struct buf *out, const char *text)
{
	size_t len = strlen(text);
	while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
		len--;
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '\n') {
			buf_putc(out, text[i]);
			continue;
		}
		buf_puts(out, "; ");
		while (i + 1 < len && (text[i + 1] == ' ' || text[i + 1] == '\t'))
			i++;
	}
}

/* What the data broke (class 22, a data exception; 23, a constraint) is bad input;
 * every other failure (a lock timeout, a lost connection, no permission) is a
 * database error. */
static int status_of_sqlstate(const char *sqlstate)
{
	if (sqlstate && (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0))
		return EXIT_DATAERR;
	return EXIT_IOERR;
}

static int pg_failed(struct pg_sink *s, const PGresult *res, const char *what, struct buf *why)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *connection = PQerrorMessage(s->conn);
	buf_printf(why, "%s: %s: ", s->name, what);
	if (primary)
		append_one_line(why, primary);
	else if (*connection)
		append_one_line(why, connection);
	else
		buf_printf(why, "unexpected %s", res ? PQresStatus(PQresultStatus(res)) : "failure");
	if (detail) {
		buf_puts(why, " (");
		append_one_line(why, detail);
		buf_puts(why, ")");
	}
	return status_of_sqlstate(res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL);
}

/* Reads every result the last command left, checking the first against expect. */
static int collect_results(struct pg_sink *s, ExecStatusType expect, const char *what,
			   struct buf *why)
{
	int status = 0, first = 1;
	for (PGresult *res; (res = PQgetResult(s->conn)); PQclear(res), first = 0)
		if (!status && (!first || PQresultStatus(res) != expect))
			status = pg_failed(s, res, what, why);
	return status;
}

/* Ends the open COPY, if any: the server answers for all its rows now, so a value it
 * refuses is reported here, when the input has gone on (hence no row of its own). */
static int end_copy(struct pg_sink *s, struct buf *why)
{
	if (s->copying == NO_TABLE)
		return 0;
	struct buf what = {0};
	if (buf_printf(&what, "%s, copying its rows", s->tables[s->copying].layout->name) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	s->copying = NO_TABLE;
	int status = PQputCopyEnd(s->conn, NULL) == 1
		     ? collect_results(s, PGRES_COMMAND_OK, what.data, why)
		     : pg_failed(s, NULL, what.data, why);
	buf_free(&what);
	return status;
}

/* Runs one statement, its values as parameters (never spliced), once any open COPY has
 * ended; *result, when asked for, is the caller's to PQclear. */
static int run_sql(struct pg_sink *s, const char *sql, int nparams, const char *const *params,
		   ExecStatusType expect, PGresult **result, const char *what, struct buf *why)
{
	int status = end_copy(s, why);
	if (status)
		return status;
	log_debug(3, "%s", sql);
	PGresult *res = PQexecParams(s->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != expect)
		status = pg_failed(s, res, what, why);
	if (result && !status)
		*result = res;
	else
		PQclear(res);
	return status;
}

static int exec_sql(struct pg_sink *s, const char *sql, const char *what, struct buf *why)
{
	return run_sql(s, sql, 0, NULL, PGRES_COMMAND_OK, NULL, what, why);
}

/* A query about a table by name: $1 the schema, $2 the table. */
static int query_table(struct pg_sink *s, const char *sql, const struct layout *layout,
		       PGresult **result, const char *what, struct buf *why)
{
	const char *params[] = {s->schema_name, layout->name};
	return run_sql(s, sql, 2, params, PGRES_TUPLES_OK, result, what, why);
}

/* The type a column the sink creates gets. */
static const char *pg_type_of(enum value_kind kind)
{
	switch (kind) {
	case KIND_INTEGER:
	case KIND_BOOLEAN: return "BIGINT";
	case KIND_NUMBER: return "DOUBLE PRECISION";
	default: return "TEXT";		/* strings, JSON text, and values of no declared kind */
	}
}

/* What a column the database already has accepts, from its type's name. */
static enum value_kind kind_of_pg_type(const char *type)
{
	static const struct { const char *type; enum value_kind kind; } types[] = {
		{"bigint", KIND_INTEGER}, {"integer", KIND_INTEGER}, {"smallint", KIND_INTEGER},
		{"double precision", KIND_NUMBER}, {"real", KIND_NUMBER}, {"numeric", KIND_NUMBER},
		{"boolean", KIND_BOOLEAN}, {"text", KIND_STRING}, {"character varying", KIND_STRING},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].type, type) == 0)
			return types[i].kind;
	return KIND_ANY;	/* a date, jsonb, ...: the value goes in as text, PostgreSQL parses it */
}

static int check_name_length(const struct layout *layout, const char *column, struct buf *why)
{
	const char *name = column ? column : layout->name;
	if (strlen(name) <= PG_NAME_MAX)
		return 0;
	if (column)
		buf_printf(why, "%s: column ", layout->name);
	else
		buf_puts(why, "table ");
	layout_quote_name(why, name);
	buf_printf(why, ": longer than PostgreSQL's %d-byte names", PG_NAME_MAX);
	return EXIT_DATAERR;
}

static int check_name_lengths(const struct layout *layout, struct buf *why)
{
	int status = check_name_length(layout, NULL, why);
	for (size_t i = 0; i < layout->column_count && !status; i++)
		status = check_name_length(layout, layout->columns[i].name, why);
	return status;
}

static void sql_target(struct pg_sink *s, struct buf *sql, const struct layout *layout)
{
	sql_puts(sql, s->schema);
	sql_puts(sql, ".");
	sql_identifier(s, sql, layout->name);
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

static int create_table(struct pg_sink *s, const struct layout *layout, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	sql_target(s, &sql, layout);
	sql_puts(&sql, " (");
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_identifier(s, &sql, layout->columns[i].name);
		sql_printf(&sql, " %s, ", pg_type_of(layout->columns[i].kind));
	}
	sql_puts(&sql, "PRIMARY KEY (");
	sql_columns(s, &sql, layout, "", KEY_COLUMNS);
	sql_puts(&sql, "))");
	int status = exec_sql(s, sql.data, "cannot create a table", why);
	buf_free(&sql);
	return status;
}

/* Child rows are found by their parent, when the view counts them and when a load
 * replaces them. */
static int index_parent_column(struct pg_sink *s, const struct layout *layout, struct buf *why)
{
	struct buf sql = {0}, name = {0};
	const char *parent = layout->columns[layout->parent].name;
	if (buf_printf(&name, "%s_%s", layout->name, parent) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	sql_puts(&sql, "CREATE INDEX IF NOT EXISTS ");
	sql_identifier(s, &sql, name.data);
	sql_puts(&sql, " ON ");
	sql_target(s, &sql, layout);
	sql_puts(&sql, " (");
	sql_identifier(s, &sql, parent);
	sql_puts(&sql, ")");
	int status = exec_sql(s, sql.data, "cannot create an index", why);
	buf_free(&sql);
	buf_free(&name);
	return status;
}

/* movies, credits and reviews go together: the view needs all three. */
static int create_warehouse(struct pg_sink *s, struct buf *why)
{
	int status = 0;
	for (size_t i = 0; i < tmdb_table_count && !status; i++) {
		struct layout *layout = layout_for_table(&tmdb_tables[i]);
		status = create_table(s, layout, why);
		if (!status && layout->parent != LAYOUT_NONE)
			status = index_parent_column(s, layout, why);
		layout_free(layout);
	}
	s->warehouse_ready = !status;
	return status;
}

/* Made at the end, so readers of the view wait on its lock only for the commit. */
static int create_analysis_view(struct pg_sink *s, struct buf *why)
{
	struct buf sql = {0};
	for (const char *p = analysis_view_sql; *p; p++) {
		if (*p == '@')
			sql_puts(&sql, s->schema);
		else if (buf_putc(&sql, *p) < 0)
			die(EXIT_SOFTWARE, "out of memory");
	}
	int status = exec_sql(s, sql.data, "cannot create movie_analysis_view", why);
	buf_free(&sql);
	return status;
}

static int add_target_column(struct pg_sink *s, const struct layout *layout, size_t column,
			     struct buf *why)
{
	const struct layout_column *c = &layout->columns[column];
	struct buf sql = {0};
	sql_puts(&sql, "ALTER TABLE ");
	sql_target(s, &sql, layout);
	sql_puts(&sql, " ADD COLUMN ");
	sql_identifier(s, &sql, c->name);
	sql_printf(&sql, " %s", pg_type_of(c->kind));
	log_debug(1, "%s: adding column %s %s", layout->name, c->name, pg_type_of(c->kind));
	int status = exec_sql(s, sql.data, "cannot add a column", why);
	buf_free(&sql);
	return status;
}

static int add_missing_column(void *sink, const struct layout *layout, size_t column, struct buf *why)
{
	return add_target_column(sink, layout, column, why);
}

/* The layout matches names as SQLite does, ignoring case; PostgreSQL's quoted names are
 * exact, so a column the table has takes the table's spelling. */
static int take_database_column(struct layout *layout, const char *name, const char *type,
				unsigned char *present, size_t declared, struct buf *why)
{
	size_t column = layout_column_index(layout, name);
	if (column == LAYOUT_NONE) {
		layout_add_column(layout, name, kind_of_pg_type(type));
		return 0;
	}
	if (column >= declared || present[column]) {
		buf_printf(why, "%s: the table has two columns named ", layout->name);
		layout_quote_name(why, name);
		buf_puts(why, " but for case, which tmdb-load cannot tell apart");
		return EXIT_DATAERR;
	}
	present[column] = 1;
	if (strcmp(layout->columns[column].name, name) != 0) {
		free(layout->columns[column].name);
		layout->columns[column].name = xstrdup(name);
	}
	return 0;
}

/* The table's own columns join the layout (earlier --alter runs made them); present[i]
 * says which of the layout's first columns the table has. */
static int read_database_columns(struct pg_sink *s, struct layout *layout, unsigned char *present,
				 size_t declared, struct buf *why)
{
	PGresult *res;
	int status = query_table(s, table_columns_sql, layout, &res, "cannot read a table's columns", why);
	if (status)
		return status;
	int rows = PQntuples(res);
	if (rows == 0) {
		buf_puts(why, "table ");
		layout_quote_name(why, layout->name);
		buf_printf(why, ": %s has something else of that name in schema %s, not a table", s->name,
			   s->schema);
		status = EXIT_CANTCREAT;
	}
	for (int row = 0; row < rows && !status; row++)
		status = take_database_column(layout, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
					      present, declared, why);
	PQclear(res);
	return status;
}

/* Upserts need the table's primary key to be the layout's key, column for column. */
static int check_primary_key(struct pg_sink *s, const struct layout *layout, struct buf *why)
{
	PGresult *res;
	int status = query_table(s, primary_key_sql, layout, &res, "cannot read a table's primary key", why);
	if (status)
		return status;
	int same = (size_t)PQntuples(res) == layout->key_count;
	for (int k = 0; same && k < PQntuples(res); k++)
		same = strcmp(PQgetvalue(res, k, 0), layout->columns[layout->key[k]].name) == 0;
	PQclear(res);
	return same ? 0 : layout_key_mismatch(layout, s->name, why);
}

/* Makes the layout and the database's table agree: the table's extra columns join the
 * layout, columns it lacks are added with --alter or refused, and the keys must match. */
static int match_database_columns(struct pg_sink *s, struct layout *layout, struct buf *why)
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

/* The stage takes the target's column types, so COPY parses each value as the merge
 * will store it; no constraints, so every row gets in and the merge judges them. */
static int create_stage(struct pg_sink *s, struct pg_table *t, struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf sql = {0};
	sql_printf(&sql, "CREATE TEMPORARY TABLE tmdb_load_stage_%zu ON COMMIT DROP AS SELECT ",
		   (size_t)(t - s->tables));
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_puts(&sql, "t.");
		sql_identifier(s, &sql, layout->columns[i].name);
		sql_printf(&sql, " AS c%zu, ", i);
	}
	sql_puts(&sql, "NULL::bigint AS seq FROM ");
	sql_target(s, &sql, layout);
	sql_puts(&sql, " t WITH NO DATA");
	int status = exec_sql(s, sql.data, "cannot create a staging table", why);
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

static int pg_open_table(struct sink *sink, struct layout *layout, struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	int status = check_name_lengths(layout, why);
	if (status)
		return status;
	if (layout->known)
		status = s->warehouse_ready ? 0 : create_warehouse(s, why);
	else
		status = create_table(s, layout, why);
	if (!status)
		status = match_database_columns(s, layout, why);
	if (status)
		return status;
	s->tables = xgrow(s->tables, &s->cap, s->count, sizeof *s->tables);
	struct pg_table *t = &s->tables[s->count++];
	*t = (struct pg_table){.layout = layout, .target = target_name(s, layout)};
	struct buf stage = {0};
	sql_printf(&stage, "pg_temp.tmdb_load_stage_%zu", s->count - 1);
	t->stage = stage.data;
	layout->loaded = 1;
	log_debug(1, "%s: table %s ready", s->name, layout->name);
	return create_stage(s, t, why);
}

static int pg_add_column(struct sink *sink, struct layout *layout, size_t column, struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	const struct pg_table *t = &s->tables[table_index(s, layout)];
	int status = check_name_length(layout, layout->columns[column].name, why);
	if (!status)
		status = add_target_column(s, layout, column, why);
	if (status)
		return status;
	struct buf sql = {0};
	sql_printf(&sql, "ALTER TABLE %s ADD COLUMN c%zu %s", t->stage, column,
		   pg_type_of(layout->columns[column].kind));
	status = exec_sql(s, sql.data, "cannot add a column", why);
	buf_free(&sql);
	return status;
}

/* Opens a COPY into the table's stage, ending another table's first: rows of several
 * tables interleave in a Singer stream, and a connection copies into one at a time. */
static int start_copy(struct pg_sink *s, size_t index, struct buf *why)
{
	if (s->copying == index)
		return 0;
	const struct pg_table *t = &s->tables[index];
	struct buf sql = {0};
	sql_printf(&sql, "COPY %s (", t->stage);
	sql_stage_columns(&sql, t->layout, "", ALL_COLUMNS);
	sql_puts(&sql, ", seq) FROM STDIN");
	int status = run_sql(s, sql.data, 0, NULL, PGRES_COPY_IN, NULL, t->layout->name, why);
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
		if (buf_append(line, text + start, i - start) < 0)
			die(EXIT_SOFTWARE, "out of memory");
		sql_puts(line, escape);
		start = i + 1;
	}
	if (buf_append(line, text + start, len - start) < 0)
		die(EXIT_SOFTWARE, "out of memory");
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

/* Sends the row to the table's stage; the merge at the end upserts and counts it. */
static int pg_put_row(struct sink *sink, struct layout *layout, const struct cells *row,
		      struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	size_t index = table_index(s, layout);
	int status = start_copy(s, index, why);
	if (status)
		return status;
	buf_clear(&s->line);
	for (size_t i = 0; i < row->count; i++) {
		copy_cell(&s->line, &row->cell[i]);
		sql_puts(&s->line, "\t");
	}
	sql_printf(&s->line, "%ld\n", ++s->rows);
	if (s->line.len > INT_MAX) {
		buf_printf(why, "%s: a row of %zu bytes, more than COPY takes", layout->name, s->line.len);
		return EXIT_DATAERR;
	}
	if (PQputCopyData(s->conn, s->line.data, (int)s->line.len) != 1)
		return pg_failed(s, NULL, layout->name, why);
	s->tables[index].staged++;
	return 0;
}

/* Counts the staged rows as SQLite's row-by-row upsert would: a key's first row is
 * inserted when the table lacks the key, else updated when some value differs from the
 * table's; each later row of the same key is updated when it differs from the row before
 * it (lag over seq), else unchanged. A pre-check join rather than RETURNING (xmax = 0):
 * RETURNING sees one outcome per key, so a key given twice would be miscounted. Nothing
 * else can write between this and the merge: the run holds the load lock. */
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
	PGresult *res;
	int status = run_sql(s, sql.data, 0, NULL, PGRES_TUPLES_OK, &res, layout->name, why);
	buf_free(&sql);
	if (status)
		return status;
	long inserted = atol(PQgetvalue(res, 0, 0)), updated = atol(PQgetvalue(res, 0, 1));
	layout->counts.inserted += inserted;
	layout->counts.updated += updated;
	layout->counts.unchanged += atol(PQgetvalue(res, 0, 2)) - inserted - updated;
	PQclear(res);
	return 0;
}

/* One upsert for the whole stage: a key's last row wins (DISTINCT ON, newest seq first,
 * as ON CONFLICT may touch a row once), and a row is rewritten only when some value
 * differs (IS DISTINCT FROM: null equals null). */
static int merge_stage(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	const struct layout *layout = t->layout;
	struct buf sql = {0};
	sql_printf(&sql, "INSERT INTO %s AS t (", t->target);
	sql_columns(s, &sql, layout, "", ALL_COLUMNS);
	sql_puts(&sql, ") SELECT DISTINCT ON (");
	sql_stage_columns(&sql, layout, "s.", KEY_COLUMNS);
	sql_puts(&sql, ") ");
	sql_stage_columns(&sql, layout, "s.", ALL_COLUMNS);
	sql_printf(&sql, " FROM %s s WHERE s.seq > %ld ORDER BY ", t->stage, t->merged_seq);
	sql_stage_columns(&sql, layout, "s.", KEY_COLUMNS);
	sql_puts(&sql, ", s.seq DESC ON CONFLICT (");
	sql_columns(s, &sql, layout, "", KEY_COLUMNS);
	if (has_value_columns(layout)) {
		sql_puts(&sql, ") DO UPDATE SET (");
		sql_columns(s, &sql, layout, "", VALUE_COLUMNS);
		sql_puts(&sql, ") = ROW(");
		sql_columns(s, &sql, layout, "EXCLUDED.", VALUE_COLUMNS);
		sql_puts(&sql, ") WHERE ROW(");
		sql_columns(s, &sql, layout, "t.", VALUE_COLUMNS);
		sql_puts(&sql, ") IS DISTINCT FROM ROW(");
		sql_columns(s, &sql, layout, "EXCLUDED.", VALUE_COLUMNS);
		sql_puts(&sql, ")");
	} else {
		sql_puts(&sql, ") DO NOTHING");
	}
	int status = exec_sql(s, sql.data, layout->name, why);
	buf_free(&sql);
	return status;
}

/* Merges the rows staged since the last merge: at the end, or before a deletion, which
 * must see (and may delete) every row that came before it. The stage keeps them all
 * for replacing children. */
static int merge_table(struct pg_sink *s, struct pg_table *t, struct buf *why)
{
	if (t->staged == t->merged)
		return 0;
	int status = count_outcomes(s, t, why);
	if (!status)
		status = merge_stage(s, t, why);
	if (!status) {
		t->merged = t->staged;
		t->merged_seq = s->rows;
	}
	return status;
}

static int merge_tables(struct pg_sink *s, struct buf *why)
{
	int status = end_copy(s, why);
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
	status = run_sql(s, sql.data, n, params, expect, result, layout->name, why);
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
			sql_printf(sql, "%sSELECT c%zu FROM ", first ? "" : " UNION ALL ", column[c]);
			sql_puts(sql, s->tables[i].stage);
			first = 0;
		}
	}
}

/* Deletes the rows of a child table whose parent was seen in this run but whose own
 * key (of one column or several) was not: what the source no longer has. */
static int replace_children(struct pg_sink *s, const struct pg_table *t, struct buf *why)
{
	struct layout *layout = t->layout;
	const char *parent = layout->columns[layout->parent].name;
	struct buf sql = {0};
	sql_printf(&sql, "DELETE FROM %s AS t WHERE t.", t->target);
	sql_identifier(s, &sql, parent);
	sql_puts(&sql, " IN (");
	sql_seen_parents(s, &sql, parent);
	sql_printf(&sql, ") AND NOT EXISTS (SELECT 1 FROM %s s WHERE ", t->stage);
	for (size_t k = 0; k < layout->key_count; k++) {
		sql_printf(&sql, "%ss.c%zu = t.", k ? " AND " : "", layout->key[k]);
		sql_identifier(s, &sql, layout->columns[layout->key[k]].name);
	}
	sql_puts(&sql, ")");
	PGresult *res;
	int status = run_sql(s, sql.data, 0, NULL, PGRES_COMMAND_OK, &res, "cannot replace child rows", why);
	buf_free(&sql);
	if (status)
		return status;
	layout->counts.deleted += atol(PQcmdTuples(res));
	PQclear(res);
	return 0;
}

static int pg_finish(struct sink *sink, struct buf *why)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	int status = merge_tables(s, why);
	for (size_t i = 0; i < s->count && !status; i++)
		if (s->tables[i].layout->parent != LAYOUT_NONE)
			status = replace_children(s, &s->tables[i], why);
	if (!status && s->warehouse_ready)
		status = create_analysis_view(s, why);
	if (!status)
		status = exec_sql(s, "COMMIT", "cannot commit", why);
	if (!status)
		s->in_transaction = 0;
	return status;
}

/* Ends what a failed run left open; the server would roll back when the connection
 * closes anyway, saying so first keeps its log clear of aborted COPYs. */
static void roll_back(struct pg_sink *s)
{
	if (s->copying != NO_TABLE) {
		s->copying = NO_TABLE;
		if (PQputCopyEnd(s->conn, "tmdb-load: the run failed") == 1)
			for (PGresult *res; (res = PQgetResult(s->conn));)
				PQclear(res);
	}
	PGresult *res = PQexec(s->conn, "ROLLBACK");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		log_debug(1, "%s: rollback: %s", s->name, PQerrorMessage(s->conn));
	PQclear(res);
}

static void pg_close(struct sink *sink)
{
	struct pg_sink *s = (struct pg_sink *)sink;
	if (s->in_transaction && PQstatus(s->conn) == CONNECTION_OK)
		roll_back(s);
	PQfinish(s->conn);
	for (size_t i = 0; i < s->count; i++) {
		free(s->tables[i].target);
		free(s->tables[i].stage);
	}
	free(s->tables);
	free(s->name);
	free(s->schema_name);
	free(s->schema);
	buf_free(&s->line);
	free(s);
}

static const struct sink_ops postgres_ops = {
	pg_open_table, pg_add_column, pg_put_row, pg_delete_rows, pg_has_rows, pg_finish, pg_close,
};

/* The server's NOTICEs (a table that already exists, say) are detail, not warnings. */
static void log_notice(void *arg, const char *message)
{
	const struct pg_sink *s = arg;
	struct buf line = {0};
	append_one_line(&line, message);
	if (strncmp(message, "WARNING", 7) == 0)
		log_warn("%s: %s", s->name, line.data ? line.data : "");
	else
		log_debug(2, "%s: %s", s->name, line.data ? line.data : "");
	buf_free(&line);
}

/* libpq's own test: a connection string has an =, a URI its prefix; anything else is
 * a database name. */
static int is_connection_string(const char *dsn)
{
	return strchr(dsn, '=') || strncmp(dsn, "postgresql://", 13) == 0 ||
	       strncmp(dsn, "postgres://", 11) == 0;
}

/* libpq's parse errors quote the offending text, which may be a password: the quoted
 * parts are left out, all but the "=" it says is missing. */
static void append_unquoted(struct buf *out, const char *text)
{
	struct buf line = {0};
	append_one_line(&line, text);
	const char *p = line.data ? line.data : "";
	for (const char *open; (open = strchr(p, '"'));) {
		const char *close = strchr(open + 1, '"');
		if (!close)
			break;
		buf_append(out, p, (size_t)(open - p));
		buf_puts(out, close - open == 2 && open[1] == '=' ? "\"=\"" : "\"...\"");
		p = close + 1;
	}
	if (!strchr(p, '"'))
		buf_puts(out, p);
	buf_free(&line);
}

/* Every password the DSN or the environment holds is a secret from here on: no
 * message can show it. A DSN that does not parse is a bad command line. */
static int note_secrets(const char *dsn, struct buf *why)
{
	log_add_secret(getenv("PGPASSWORD"));
	if (!is_connection_string(dsn))
		return 0;
	char *error = NULL;
	PQconninfoOption *options = PQconninfoParse(dsn, &error);
	if (!options) {
		buf_puts(why, "postgres: the DSN is neither a connection string nor a URI: ");
		append_unquoted(why, error ? error : "out of memory");
		PQfreemem(error);
		return EXIT_USAGE;
	}
	for (const PQconninfoOption *option = options; option->keyword; option++)
		if (strcmp(option->keyword, "password") == 0)
			log_add_secret(option->val);
	PQconninfoFree(options);
	return 0;
}

static const char *or_empty(const char *text)
{
	return text ? text : "";
}

/* user@host:port/dbname as libpq resolved them (defaults and environment included). */
static char *database_name(PGconn *conn)
{
	struct buf name = {0};
	if (buf_printf(&name, "%s@%s:%s/%s", or_empty(PQuser(conn)), or_empty(PQhost(conn)),
		       or_empty(PQport(conn)), or_empty(PQdb(conn))) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	return name.data;
}

/* 77 when the server refused the credentials: it wanted a password and none was given,
 * or it rejected the one given (libpq tells no SQLSTATE for a failed connection, so
 * this reads its message); 69 for everything else that keeps the database out of reach
 * (no server, a wrong port, no such database). */
static int connection_failure_status(const PGconn *conn)
{
	const char *message = PQerrorMessage(conn);
	if (PQconnectionNeedsPassword(conn) || strstr(message, "authentication failed") ||
	    strstr(message, "pg_hba.conf"))
		return EXIT_NOPERM;
	return EXIT_UNAVAILABLE;
}

static int connect_database(struct pg_sink *s, const char *dsn, struct buf *why)
{
	/* The DSN comes after our defaults, so what it says wins. A connect_timeout keeps an
	 * unreachable host from hanging a scheduled run for minutes. */
	const char *keywords[4] = {"fallback_application_name"}, *values[4] = {"tmdb-load"};
	size_t n = 1;
	if (!getenv("PGCONNECT_TIMEOUT")) {
		keywords[n] = "connect_timeout";
		values[n++] = "10";
	}
	keywords[n] = "dbname";
	values[n++] = dsn;
	keywords[n] = values[n] = NULL;
	s->conn = PQconnectdbParams(keywords, values, 1);
	if (!s->conn)
		die(EXIT_SOFTWARE, "out of memory");
	log_add_secret(PQpass(s->conn));	/* from ~/.pgpass, say */
	s->name = database_name(s->conn);
	if (PQstatus(s->conn) == CONNECTION_OK) {
		log_debug(1, "%s: connected (server %d)", s->name, PQserverVersion(s->conn));
		return 0;
	}
	buf_printf(why, "%s: cannot connect: ", s->name);
	append_one_line(why, PQerrorMessage(s->conn));
	return connection_failure_status(s->conn);
}

static int read_current_schema(struct pg_sink *s, struct buf *why)
{
	PGresult *res;
	int status = run_sql(s, "SELECT current_schema()", 0, NULL, PGRES_TUPLES_OK, &res,
			     "cannot read the current schema", why);
	if (status)
		return status;
	if (!PQgetisnull(res, 0, 0))
		s->schema_name = xstrdup(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (!s->schema_name) {
		buf_printf(why, "%s: no schema to create tables in (search_path names none that exists)",
			   s->name);
		return EXIT_CANTCREAT;
	}
	s->schema = quote_identifier(s, s->schema_name);
	return 0;
}

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
	if (run_sql(s, load_lock_holder_sql, 0, NULL, PGRES_TUPLES_OK, &res,
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
	int status = run_sql(s, "SELECT pg_try_advisory_xact_lock(" LOAD_LOCK_KEY ")", 0, NULL,
			     PGRES_TUPLES_OK, &res, "cannot take the load lock", why);
	if (status)
		return status;
	int taken = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
	PQclear(res);
	if (taken)
		return 0;
	struct buf holder = {0};
	describe_lock_holder(s, &holder);
	if (!wait) {
		lock_busy_message(why, s->name, holder.data);
		buf_free(&holder);
		return EXIT_TEMPFAIL;
	}
	log_warn("%s: in use by %s; waiting for it", s->name, holder.data ? holder.data : "another process");
	buf_free(&holder);
	return run_sql(s, "SELECT pg_advisory_xact_lock(" LOAD_LOCK_KEY ")", 0, NULL, PGRES_TUPLES_OK,
		       NULL, "cannot take the load lock", why);
}

static int set_lock_timeout(struct pg_sink *s, int lock_timeout_ms, struct buf *why)
{
	char timeout[32];
	snprintf(timeout, sizeof timeout, "%dms", lock_timeout_ms);
	const char *params[] = {timeout};
	return run_sql(s, "SELECT set_config('lock_timeout', $1, true)", 1, params, PGRES_TUPLES_OK,
		       NULL, "cannot set lock_timeout", why);
}

/* One transaction for the run. First the load lock, a transaction-level advisory lock,
 * the destination's lock: one run at a time, another exits 75 or (--wait) follows it.
 * Table locks (LOCK TABLE ... SHARE ROW EXCLUSIVE) would not do: the tables may not
 * exist yet (two CREATE TABLE IF NOT EXISTS at once can fail), and a stream names its
 * tables as it goes, so two runs could lock them in different orders and deadlock. One
 * lock taken first cannot deadlock, and with it no run's counts or child replacement see
 * another's half-done work. Its wait has no lock_timeout; lock_timeout then bounds the
 * wait for a table another writer locks, as --busy-timeout does for SQLite (0:
 * PostgreSQL's 0 would mean forever, so 1 ms). */
static int start_transaction(struct pg_sink *s, const struct sink_options *options, struct buf *why)
{
	if (PQsetClientEncoding(s->conn, "UTF8") != 0)
		return pg_failed(s, NULL, "cannot set client_encoding to UTF8", why);
	PQsetNoticeProcessor(s->conn, log_notice, s);
	int status = exec_sql(s, "BEGIN", "cannot start a transaction", why);
	if (status)
		return status;
	s->in_transaction = 1;
	status = set_lock_timeout(s, 0, why);
	if (!status)
		status = take_load_lock(s, options->wait, why);
	if (!status)
		status = set_lock_timeout(s, options->busy_timeout_ms > 0 ? options->busy_timeout_ms : 1, why);
	return status ? status : read_current_schema(s, why);
}

int sink_postgres_open(const char *dsn, const struct sink_options *options, struct sink **sink,
		       struct buf *why)
{
	int status = note_secrets(dsn, why);
	if (status)
		return status;
	struct pg_sink *s = xcalloc(1, sizeof *s);
	s->base.ops = &postgres_ops;
	s->alter = options->alter;
	s->copying = NO_TABLE;
	status = connect_database(s, dsn, why);
	if (!status)
		status = start_transaction(s, options, why);
	if (status) {
		pg_close(&s->base);
		return status;
	}
	log_debug(1, "%s: one transaction for the run, tables in schema %s", s->name, s->schema);
	*sink = &s->base;
	return 0;
}

/* --print-state: one read-only snapshot (REPEATABLE READ), so the ETags and the movies
 * they are filtered by are of the same commit; no lock a load takes is waited for. */

/* Which of the tables the state needs are in the schema. */
static int read_state_tables(struct pg_sink *s, int *movies, int *sync_state, int *memberships,
			     struct buf *why)
{
	const char *params[] = {s->schema_name};
	PGresult *res;
	int status = run_sql(s, "SELECT c.relname FROM pg_catalog.pg_class c"
				" JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
				" WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')"
				" AND c.relname IN ('movies', 'sync_state', 'memberships')",
			     1, params, PGRES_TUPLES_OK, &res, "cannot read the sync state", why);
	if (status)
		return status;
	for (int row = 0; row < PQntuples(res); row++) {
		const char *name = PQgetvalue(res, row, 0);
		*movies |= strcmp(name, "movies") == 0;
		*sync_state |= strcmp(name, "sync_state") == 0;
		*memberships |= strcmp(name, "memberships") == 0;
	}
	PQclear(res);
	return 0;
}

static int read_state_rows(struct pg_sink *s, int etags, struct load_state *state, struct buf *why)
{
	struct buf sql = {0};
	if (etags)
		load_state_etags_sql(&sql, s->schema);
	else
		load_state_members_sql(&sql, s->schema);
	PGresult *res;
	int status = run_sql(s, sql.data, 0, NULL, PGRES_TUPLES_OK, &res, "cannot read the sync state", why);
	buf_free(&sql);
	if (status)
		return status;
	for (int row = 0; row < PQntuples(res); row++) {
		if (PQgetisnull(res, row, 1))
			continue;	/* no ETag to claim */
		if (etags)
			load_state_add_etag(state, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1));
		else
			load_state_add_member(state, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
					      PQgetvalue(res, row, 2));
	}
	PQclear(res);
	return 0;
}

static int read_state(struct pg_sink *s, int lock_timeout_ms, struct load_state *state, struct buf *why)
{
	if (PQsetClientEncoding(s->conn, "UTF8") != 0)
		return pg_failed(s, NULL, "cannot set client_encoding to UTF8", why);
	PQsetNoticeProcessor(s->conn, log_notice, s);
	int status = exec_sql(s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
			      "cannot start a transaction", why);
	if (status)
		return status;
	s->in_transaction = 1;
	char timeout[32];
	snprintf(timeout, sizeof timeout, "%dms", lock_timeout_ms > 0 ? lock_timeout_ms : 1);
	const char *params[] = {timeout};
	status = run_sql(s, "SELECT set_config('lock_timeout', $1, true)", 1, params, PGRES_TUPLES_OK,
			 NULL, "cannot set lock_timeout", why);
	PGresult *res;
	if (!status)
		status = run_sql(s, "SELECT current_schema()", 0, NULL, PGRES_TUPLES_OK, &res,
				 "cannot read the current schema", why);
	if (status)
		return status;
	if (!PQgetisnull(res, 0, 0)) {
		s->schema_name = xstrdup(PQgetvalue(res, 0, 0));
		s->schema = quote_identifier(s, s->schema_name);
	}
	PQclear(res);
	int movies = 0, sync_state = 0, memberships = 0;
	if (s->schema)	/* else no schema on the search_path: no tables, the empty state */
		status = read_state_tables(s, &movies, &sync_state, &memberships, why);
	if (!status && movies && sync_state)
		status = read_state_rows(s, 1, state, why);
	if (!status && movies && memberships)
		status = read_state_rows(s, 0, state, why);
	return status;
}

int sink_postgres_read_state(const char *dsn, const struct sink_options *options,
			     struct load_state *state, struct buf *why)
{
	int status = note_secrets(dsn, why);
	if (status)
		return status;
	struct pg_sink *s = xcalloc(1, sizeof *s);
	s->base.ops = &postgres_ops;
	s->copying = NO_TABLE;
	status = connect_database(s, dsn, why);
	if (!status)
		status = read_state(s, options->busy_timeout_ms, state, why);
	pg_close(&s->base);	/* ends the read-only transaction */
	return status;
}
