#include "dialect_postgres.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

/* NAMEDATALEN - 1: PostgreSQL cuts longer names short with only a NOTICE, so two long
 * names from the input could silently become one table or column. */
#define PG_NAME_MAX 63

/* Names reach SQL only through libpq's own quoting. It fails only without memory or on
 * text that is not UTF-8, which neither JSON nor the catalog (read as UTF-8) can give. */
static char *quote_identifier(struct pg_db *db, const char *name)
{
	char *quoted = PQescapeIdentifier(db->conn, name, strlen(name));
	if (!quoted)
		die(EXIT_SOFTWARE, "%s: cannot quote a name: %s", db->name, PQerrorMessage(db->conn));
	char *copy = xstrdup(quoted);
	PQfreemem(quoted);
	return copy;
}

void pg_identifier(struct pg_db *db, struct buf *sql, const char *name)
{
	char *quoted = quote_identifier(db, name);
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

int pg_failed(struct pg_db *db, const PGresult *res, const char *what, struct buf *why)
{
	const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
	const char *connection = PQerrorMessage(db->conn);
	buf_printf(why, "%s: %s: ", db->name, what);
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
	const char *sqlstate = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	snprintf(db->sqlstate, sizeof db->sqlstate, "%s", sqlstate ? sqlstate : "");
	return status_of_sqlstate(sqlstate);
}

int pg_failure_is_transient(const struct pg_db *db)
{
	return strcmp(db->sqlstate, "40P01") == 0 || strcmp(db->sqlstate, "40001") == 0;
}

int pg_collect_results(struct pg_db *db, ExecStatusType expect, const char *what, struct buf *why)
{
	int status = 0, first = 1;
	for (PGresult *res; (res = PQgetResult(db->conn)); PQclear(res), first = 0)
		if (!status && (!first || PQresultStatus(res) != expect))
			status = pg_failed(db, res, what, why);
	return status;
}

int pg_run(struct pg_db *db, const char *sql, int nparams, const char *const *params,
	   ExecStatusType expect, PGresult **result, const char *what, struct buf *why)
{
	int status = db->before_statement ? db->before_statement(db->arg, why) : 0;
	if (status)
		return status;
	log_debug(3, "%s", sql);
	PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != expect)
		status = pg_failed(db, res, what, why);
	if (result && !status)
		*result = res;
	else
		PQclear(res);
	return status;
}

int pg_exec(struct pg_db *db, const char *sql, const char *what, struct buf *why)
{
	return pg_run(db, sql, 0, NULL, PGRES_COMMAND_OK, NULL, what, why);
}

const char *pg_type_of(enum value_kind kind)
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

int pg_check_names(const struct layout *layout, const char *column, struct buf *why)
{
	if (column)
		return check_name_length(layout, column, why);
	int status = check_name_length(layout, NULL, why);
	for (size_t i = 0; i < layout->column_count && !status; i++)
		status = check_name_length(layout, layout->columns[i].name, why);
	return status;
}

/* The server's NOTICEs (a table that already exists, say) are detail, not warnings. */
static void log_notice(void *arg, const char *message)
{
	const struct pg_db *db = arg;
	struct buf line = {0};
	append_one_line(&line, message);
	if (strncmp(message, "WARNING", 7) == 0)
		log_warn("%s: %s", db->name, line.data ? line.data : "");
	else
		log_debug(2, "%s: %s", db->name, line.data ? line.data : "");
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
	buf_printf(&name, "%s@%s:%s/%s", or_empty(PQuser(conn)), or_empty(PQhost(conn)),
		   or_empty(PQport(conn)), or_empty(PQdb(conn)));
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

int pg_connect(struct pg_db *db, const char *dsn, struct buf *why)
{
	int status = note_secrets(dsn, why);
	if (status)
		return status;
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
	db->conn = PQconnectdbParams(keywords, values, 1);
	if (!db->conn)
		die(EXIT_SOFTWARE, "out of memory");
	log_add_secret(PQpass(db->conn));	/* from ~/.pgpass, say */
	db->name = database_name(db->conn);
	if (PQstatus(db->conn) != CONNECTION_OK) {
		buf_printf(why, "%s: cannot connect: ", db->name);
		append_one_line(why, PQerrorMessage(db->conn));
		return connection_failure_status(db->conn);
	}
	log_debug(1, "%s: connected (server %d)", db->name, PQserverVersion(db->conn));
	if (PQsetClientEncoding(db->conn, "UTF8") != 0)
		return pg_failed(db, NULL, "cannot set client_encoding to UTF8", why);
	PQsetNoticeProcessor(db->conn, log_notice, db);
	return 0;
}

void pg_disconnect(struct pg_db *db)
{
	if (db->in_transaction && PQstatus(db->conn) == CONNECTION_OK) {
		PGresult *res = PQexec(db->conn, "ROLLBACK");
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			log_debug(1, "%s: rollback: %s", db->name, PQerrorMessage(db->conn));
		PQclear(res);
	}
	PQfinish(db->conn);
	free(db->name);
	free(db->schema_name);
	free(db->schema);
}

int pg_begin(struct pg_db *db, const char *begin, struct buf *why)
{
	int status = pg_exec(db, begin, "cannot start a transaction", why);
	db->in_transaction = !status;
	return status;
}

int pg_set_lock_timeout(struct pg_db *db, int lock_timeout_ms, struct buf *why)
{
	char timeout[32];
	snprintf(timeout, sizeof timeout, "%dms", lock_timeout_ms);
	const char *params[] = {timeout};
	return pg_run(db, "SELECT set_config('lock_timeout', $1, false)", 1, params, PGRES_TUPLES_OK,
		      NULL, "cannot set lock_timeout", why);
}

int pg_read_schema(struct pg_db *db, struct buf *why)
{
	PGresult *res;
	int status = pg_run(db, "SELECT current_schema()", 0, NULL, PGRES_TUPLES_OK, &res,
			    "cannot read the current schema", why);
	if (status)
		return status;
	if (!PQgetisnull(res, 0, 0)) {
		db->schema_name = xstrdup(PQgetvalue(res, 0, 0));
		db->schema = quote_identifier(db, db->schema_name);
	}
	PQclear(res);
	return 0;
}

/* The warehouse's dialect. */

static void dialect_identifier(void *db, struct buf *sql, const char *name)
{
	pg_identifier(db, sql, name);
}

static int dialect_exec(void *db, const char *sql, const char *what, struct buf *why)
{
	return pg_exec(db, sql, what, why);
}

static int dialect_query(void *db, const char *sql, int nparams, const char *const *params,
			 size_t columns, warehouse_row_fn *each, void *arg, const char *what,
			 struct buf *why)
{
	PGresult *res = NULL;
	const char *values[WAREHOUSE_COLUMNS_MAX];
	int status = pg_run(db, sql, nparams, params, PGRES_TUPLES_OK, &res, what, why);
	for (int row = 0; !status && row < PQntuples(res); row++) {
		for (size_t c = 0; c < columns && c < WAREHOUSE_COLUMNS_MAX; c++)
			values[c] = PQgetisnull(res, row, (int)c) ? NULL : PQgetvalue(res, row, (int)c);
		status = each(arg, values, why);
	}
	PQclear(res);
	return status;
}

const struct warehouse_dialect pg_dialect = {
	.identifier = dialect_identifier,
	.type_name = pg_type_of,
	.kind_of_type = kind_of_pg_type,
	.exec = dialect_exec,
	.query = dialect_query,
	.columns_sql = "SELECT a.attname, a.atttypid::regtype::text FROM pg_catalog.pg_attribute a"
		       " JOIN pg_catalog.pg_class c ON c.oid = a.attrelid"
		       " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		       " WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')"
		       " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
	.key_sql = "SELECT a.attname FROM pg_catalog.pg_index i"
		   " JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
		   " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
		   " JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)"
		   " WHERE n.nspname = $1 AND c.relname = $2 AND i.indisprimary"
		   " ORDER BY array_position(i.indkey::int2[], a.attnum)",
	.state_tables_sql = "SELECT c.relname FROM pg_catalog.pg_class c"
			    " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
			    " WHERE n.nspname = $1 AND c.relkind IN ('r', 'p')"
			    " AND c.relname IN ('movies', 'sync_state', 'memberships')",
	.movie_in_json_sql = "s.movie_id IN (SELECT json_array_elements_text($1::json))",
	.create_view = "CREATE OR REPLACE VIEW",
	.view_names_schema = 1,
};
