/* PostgreSQL as tmdb-load talks to it: a connection no message shows a password of,
 * statements with their values as parameters (never spliced), failures as exit
 * statuses, names quoted, types, and the warehouse's dialect (lib/warehouse.h). The
 * loading itself, COPY into stages and the merge, is lib/sink_postgres.c's. */
#ifndef TMDB_DIALECT_POSTGRES_H
#define TMDB_DIALECT_POSTGRES_H

#include <libpq-fe.h>

#include "buf.h"
#include "layout.h"
#include "warehouse.h"

struct pg_db {
	PGconn *conn;
	char *name;		/* user@host:port/dbname for messages; never the password */
	char *schema_name;	/* where the tables are: the connection's current_schema() */
	char *schema;		/* the same, quoted */
	int in_transaction;
	char sqlstate[6];	/* the last failure's SQLSTATE, "" when it had none */
	/* Called before every statement (the sink ends an open COPY); NULL: nothing. */
	int (*before_statement)(void *arg, struct buf *why);
	void *arg;
};

/* The warehouse's dialect; its db is a struct pg_db. */
extern const struct warehouse_dialect pg_dialect;

/* Connects to dsn (a libpq connection string, a postgresql:// URI, or a database name)
 * speaking UTF-8, every password it or the environment holds noted as a secret.
 * Returns 0, 64 for a DSN that does not parse, 77 when the server refused the
 * credentials, 69 for anything else that keeps the database out of reach. */
int pg_connect(struct pg_db *db, const char *dsn, struct buf *why);
/* Ends a transaction still open (rolled back) and the connection. */
void pg_disconnect(struct pg_db *db);

/* Runs one statement with its parameters; *result, when asked for, is the caller's to
 * PQclear. 65 when the data broke a rule (SQLSTATE class 22 or 23), else 74. */
int pg_run(struct pg_db *db, const char *sql, int nparams, const char *const *params,
	   ExecStatusType expect, PGresult **result, const char *what, struct buf *why);
int pg_exec(struct pg_db *db, const char *sql, const char *what, struct buf *why);
/* Says what failed, as pg_run does, from res or the connection; returns the status. */
int pg_failed(struct pg_db *db, const PGresult *res, const char *what, struct buf *why);
/* Whether the last failure was a deadlock or a serialization failure (40P01, 40001):
 * the transaction was rolled back and may be tried again. */
int pg_failure_is_transient(const struct pg_db *db);
/* Reads every result the last command left, checking the first against expect. */
int pg_collect_results(struct pg_db *db, ExecStatusType expect, const char *what, struct buf *why);

/* Starts the transaction with begin ("BEGIN ..."); disconnecting rolls it back. */
int pg_begin(struct pg_db *db, const char *begin, struct buf *why);
/* The session's lock_timeout (0: none), for each statement and transaction after. */
int pg_set_lock_timeout(struct pg_db *db, int lock_timeout_ms, struct buf *why);
/* Reads current_schema() into schema_name and schema; both stay NULL when the
 * search_path names no schema that exists. */
int pg_read_schema(struct pg_db *db, struct buf *why);

void pg_identifier(struct pg_db *db, struct buf *sql, const char *name);
/* The type a column the sink creates gets. */
const char *pg_type_of(enum value_kind kind);
/* 65 when the table's name or one of its columns' is longer than PostgreSQL keeps
 * (it would cut it short with only a NOTICE, so two long names could become one);
 * column NULL checks them all. */
int pg_check_names(const struct layout *layout, const char *column, struct buf *why);

#endif
