/* tmdb-load: rows or a Singer stream into a SQLite or PostgreSQL database or CSV files,
 * all or nothing. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "deletion.h"
#include "load.h"
#include "log.h"
#include "rows.h"
#include "sink.h"
#include "target_config.h"

static const char usage_text[] =
	"usage: tmdb-load [options] sqlite DB [TABLE]     upsert into the SQLite database DB\n"
	"       tmdb-load [options] postgres DSN [TABLE]  upsert into the PostgreSQL database DSN\n"
	"       tmdb-load [options] csv DIR [TABLE]       merge into DIR/TABLE.csv, one file per table\n"
	"       tmdb-load [options] csv - TABLE           TABLE's rows as CSV on standard output\n"
	"       tmdb-load [options] --config FILE         into the destination FILE names\n"
	"       tmdb-load --print-state [--ids FILE] sqlite DB | postgres DSN | csv DIR\n"
	"\n"
	"Reads standard input: plain rows of TABLE, one JSON object per line, or a Singer\n"
	"stream (SCHEMA, RECORD, STATE, ACTIVATE_VERSION; other types are ignored) that\n"
	"names its tables; a tap's table grows as its SCHEMA does. Rows are upserted by key;\n"
	"re-loading a movie replaces its credits, reviews, crew, genres and sync_state.\n"
	"A row with a non-null \"_sdc_deleted_at\" (Singer's deletion) deletes the row of\n"
	"its key instead, and a movie's rows with the movie; a movie whose last memberships\n"
	"row is deleted goes too (csv - refuses deletions).\n"
	"A SQLite or CSV run is all or nothing. PostgreSQL commits in batches, each one\n"
	"whole movies with their sync state (--batch, --batch-seconds): a run that fails\n"
	"keeps the batches it committed, and its rerun goes on from them. After each commit\n"
	"the last STATE message's value goes to standard output, one line, as Singer\n"
	"targets do.\n"
	"At the end, one line per table on standard error:\n"
	"  tmdb-load: TABLE: N inserted, N updated, N unchanged, N deleted\n"
	"DSN is a libpq connection string or URI (postgresql://user@host:port/db); a password\n"
	"comes from it, PGPASSWORD or ~/.pgpass and is never printed.\n"
	"\n"
	"options:\n"
	"      --alter            add the columns a row has and its table lacks (else exit 65)\n"
	"      --batch N          postgres: commit after N movies (default 500; 0: no limit);\n"
	"                         a batch ends only where a movie does\n"
	"      --batch-seconds SECONDS\n"
	"                         postgres: commit after SECONDS too (default 10; 0: no\n"
	"                         limit; both 0: the run is one commit)\n"
	"      --busy-timeout MS  wait up to MS milliseconds for a database another writer\n"
	"                         locks (default 30000)\n"
	"      --config FILE      the destination from a Singer target's JSON configuration,\n"
	"                         as Meltano runs targets, instead of a command:\n"
	"                         {\"type\":\"sqlite\",\"path\":DB} | {\"type\":\"postgres\",\"dsn\":DSN}\n"
	"                         | {\"type\":\"csv\",\"dir\":DIR}, and optionally alter, wait,\n"
	"                         batch, batch_seconds, busy_timeout_ms (the options); the\n"
	"                         command line's options win\n"
	"      --print-state      print the destination's sync state, one JSON line, and exit:\n"
	"                         {\"version\":1,\"etags\":{...},\"fetched\":{...},\"members\":[...]}\n"
	"                         of the movies it holds (fetched: when each request was\n"
	"                         answered), for tmdb-fetch --state; reads no input, creates nothing\n"
	"      --ids FILE         with --print-state: only the state of the movies FILE lists\n"
	"                         (- standard input), ID lines as tmdb-fetch movie reads them\n"
	"      --shared           postgres: load beside other --shared loads of the same\n"
	"                         destination (workers of one job), each movie locked while\n"
	"                         written; a load without it still waits for them (or 75)\n"
	"      --wait             wait for another load of the destination to end (else exit 75)\n"
	"  -q, --quiet            no summary, no warnings\n"
	"  -v, --verbose          more detail (repeatable; -vvv shows the SQL)\n"
	"  -h, --help             this text\n"
	"      --version          the version\n"
	"\n"
	"One load per destination at a time: it holds DB.lock (beside the database), DIR/.lock\n"
	"or PostgreSQL's advisory lock (shared with --shared) from start to end; TMDB_LOCK_FD=N\n"
	"hands it a lock its caller holds on descriptor N.\n"
	"\n"
	"exit: 0 ok, 64 usage, 65 bad input (the message names the line), 69 database\n"
	"unreachable, 70 internal error, 73 cannot create the database or folder, 74 I/O or\n"
	"database error, 75 the destination is in use by another load (named; --wait waits),\n"
	"77 the database refused the credentials, 78 a --config file that cannot be used\n";

static int parse_busy_timeout(const char *text)
{
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || end == text || *end || value < 0 || value > INT_MAX)
		cli_usage_error(usage_text, "--busy-timeout: '%s' is not a number of milliseconds",
				text);
	return (int)value;
}

static long parse_batch(const char *text)
{
	char *end;
	errno = 0;
	long value = strtol(text, &end, 10);
	if (errno || end == text || *end || value < 0)
		cli_usage_error(usage_text, "--batch: '%s' is not a number of movies", text);
	return value;
}

static double parse_batch_seconds(const char *text)
{
	char *end;
	errno = 0;
	double value = strtod(text, &end);
	if (errno || end == text || *end || !(value >= 0) || value > 1e9)
		cli_usage_error(usage_text, "--batch-seconds: '%s' is not a number of seconds", text);
	return value;
}

/* --print-state and what restricts it. */
struct state_request {
	int wanted;
	const char *ids;	/* --ids FILE, or NULL */
};

/* --config FILE, and which of the options it may set the command line gave. */
struct config_request {
	const char *file;
	int given[TARGET_OPTIONS];
};

static int parse_options(int argc, char **argv, struct sink_options *options,
			 struct state_request *state, struct config_request *config)
{
	enum { OPT_ALTER = 256, OPT_BATCH, OPT_BATCH_SECONDS, OPT_BUSY_TIMEOUT, OPT_CONFIG, OPT_IDS,
	       OPT_PRINT_STATE, OPT_SHARED, OPT_WAIT };
	static const struct option long_options[] = {
		{"alter", no_argument, NULL, OPT_ALTER},
		{"batch", required_argument, NULL, OPT_BATCH},
		{"batch-seconds", required_argument, NULL, OPT_BATCH_SECONDS},
		{"shared", no_argument, NULL, OPT_SHARED},
		{"busy-timeout", required_argument, NULL, OPT_BUSY_TIMEOUT},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"ids", required_argument, NULL, OPT_IDS},
		{"print-state", no_argument, NULL, OPT_PRINT_STATE},
		{"wait", no_argument, NULL, OPT_WAIT},
		CLI_COMMON_OPTIONS,
		{0},
	};
	int c;
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORT, long_options, NULL)) != -1) {
		if (cli_common_option(c, usage_text))
			continue;
		if (c == OPT_ALTER)
			options->alter = config->given[TARGET_ALTER] = 1;
		else if (c == OPT_BUSY_TIMEOUT)
			options->busy_timeout_ms = parse_busy_timeout(optarg);
		else if (c == OPT_CONFIG)
			config->file = optarg;
		else if (c == OPT_PRINT_STATE)
			state->wanted = 1;
		else if (c == OPT_IDS)
			state->ids = optarg;
		else if (c == OPT_WAIT)
			options->wait = config->given[TARGET_WAIT] = 1;
		else if (c == OPT_BATCH)
			options->batch_movies = parse_batch(optarg);
		else if (c == OPT_BATCH_SECONDS)
			options->batch_seconds = parse_batch_seconds(optarg);
		else if (c == OPT_SHARED)
			options->shared = 1;
		config->given[TARGET_BUSY_TIMEOUT] |= c == OPT_BUSY_TIMEOUT;
		config->given[TARGET_BATCH] |= c == OPT_BATCH;
		config->given[TARGET_BATCH_SECONDS] |= c == OPT_BATCH_SECONDS;
	}
	if (state->ids && !state->wanted)
		cli_usage_error(usage_text, "--ids: only with --print-state");
	return optind;
}

/* What names the target after each command. */
static const char *target_of(const char *command)
{
	if (strcmp(command, "sqlite") == 0)
		return "DB";
	if (strcmp(command, "postgres") == 0)
		return "DSN";
	if (strcmp(command, "csv") == 0)
		return "DIR";
	return NULL;
}

/* Checks the arguments after the options: sqlite DB [TABLE], postgres DSN [TABLE],
 * csv DIR [TABLE], csv - TABLE; with --print-state only a destination. */
static void check_arguments(int argc, char **argv, int state_only)
{
	if (argc < 1)
		cli_usage_error(usage_text, "missing command: sqlite, postgres or csv");
	const char *command = argv[0];
	if (!target_of(command))
		cli_usage_error(usage_text, "unknown command '%s'", command);
	if (argc < 2 || !*argv[1])
		cli_usage_error(usage_text, "%s: missing %s", command, target_of(command));
	if (argc > 3)
		cli_usage_error(usage_text, "%s: too many arguments, from '%s'", command, argv[3]);
	if (argc == 3 && !*argv[2])
		cli_usage_error(usage_text, "%s: an empty TABLE", command);
	if (state_only && (argc > 2 || strcmp(argv[1], "-") == 0))
		cli_usage_error(usage_text, "--print-state: a destination, not %s",
				argc > 2 ? "a TABLE" : "standard output");
	if (strcmp(command, "csv") == 0 && strcmp(argv[1], "-") == 0 && argc < 3)
		cli_usage_error(usage_text, "csv -: standard output takes one TABLE");
}

/* PostgreSQL commits in batches unless told otherwise: a catalog's load must not hold
 * one transaction for hours, nor lose them all at 90 %. SQLite and CSV keep the run one
 * commit unless --batch or --batch-seconds asks. */
static void default_batches(struct sink_options *options, const char *command)
{
	int postgres = strcmp(command, "postgres") == 0;
	if (options->shared && !postgres)
		cli_usage_error(usage_text, "--shared: only postgres has loads that share");
	if (!postgres && (options->batch_movies > 0 || options->batch_seconds > 0))
		cli_usage_error(usage_text, "--batch, --batch-seconds: %s commits once, at the end", command);
	if (options->batch_movies < 0)
		options->batch_movies = postgres ? 500 : 0;
	if (options->batch_seconds < 0)
		options->batch_seconds = postgres ? 10 : 0;
}

static int open_sink(char **args, const struct sink_options *options, struct sink **sink,
		     struct buf *why)
{
	if (strcmp(args[0], "sqlite") == 0)
		return sink_sqlite_open(args[1], options, sink, why);
	if (strcmp(args[0], "postgres") == 0)
		return sink_postgres_open(args[1], options, sink, why);
	if (strcmp(args[1], "-") == 0)
		return sink_csv_stdout_open(args[2], sink, why);
	return sink_csv_open(args[1], options, sink, why);
}

/* Like a Singer target's: the last STATE message's value, printed once everything
 * before it is committed, after each commit it is new at. Not with csv -, whose
 * standard output is the CSV. */
struct state_printer {
	const struct row_reader *rows;
	char **args;
	json_t *printed;	/* the value printed last */
};

static void print_state(void *arg)
{
	struct state_printer *p = arg;
	json_t *state = p->rows->state;
	if (!state || state == p->printed)
		return;
	if (strcmp(p->args[0], "csv") == 0 && strcmp(p->args[1], "-") == 0) {
		log_debug(1, "the STATE is not printed: standard output holds the CSV");
		return;
	}
	jsonl_print(state);
	jsonl_finish();
	json_decref(p->printed);
	p->printed = json_incref(state);
}

/* --print-state: the destination's sync state on standard output; standard input is
 * not read. */
static int print_sync_state(char **args, const struct sink_options *options, const char *ids)
{
	struct load_state state;
	struct buf why = {0};
	load_state_init(&state);
	if (ids)
		load_state_read_ids(&state, ids);
	int status;
	if (strcmp(args[0], "sqlite") == 0)
		status = sink_sqlite_read_state(args[1], options, &state, &why);
	else if (strcmp(args[0], "postgres") == 0)
		status = sink_postgres_read_state(args[1], options, &state, &why);
	else
		status = sink_csv_read_state(args[1], &state, &why);
	if (status)
		log_error("%s", why.data);
	else
		load_state_print(&state);
	load_state_free(&state);
	buf_free(&why);
	return status;
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);	/* a closed pipe shows up as EPIPE, handled quietly */
	struct sink_options options = {.busy_timeout_ms = 30000, .batch_movies = -1, .batch_seconds = -1};
	struct state_request state = {0};
	struct config_request config_request = {0};
	int first = parse_options(argc, argv, &options, &state, &config_request);
	struct target_config config = {0};
	struct buf why = {0};
	char **args = argv + first;
	if (config_request.file) {
		if (argc > first)
			cli_usage_error(usage_text, "--config names the destination: no command too, not '%s'",
					argv[first]);
		int status = target_config_read(config_request.file, &config, &options, config_request.given,
						&why);
		if (status) {
			log_error("%s", why.data);
			buf_free(&why);
			return status;
		}
		args = config.args;
		argc = first + 2;
	}
	check_arguments(argc - first, args, state.wanted);
	if (state.wanted) {
		int status = print_sync_state(args, &options, state.ids);
		target_config_free(&config);
		return status;
	}
	const char *table = argc - first > 2 ? args[2] : NULL;
	default_batches(&options, args[0]);

	struct sink *sink = NULL;
	int status = open_sink(args, &options, &sink, &why);
	if (status) {
		log_error("%s", why.data);
		buf_free(&why);
		target_config_free(&config);
		return status;
	}
	struct row_reader rows;
	struct deletions deletions;
	rows_open(&rows, table);
	deletions_init(&deletions, sink, &rows);
	struct state_printer printer = {.rows = &rows, .args = args};
	status = load_input(&rows, sink, &options, &deletions, print_state, &printer, &why);
	/* Rows whose holders went are deleted in the same transaction, before the commit. */
	if (!status)
		status = deletions_finish(&deletions, &why);
	if (!status)
		status = sink->ops->finish(sink, &why);
	if (status)
		log_error("%s", why.data);
	else
		load_report_counts(&rows);
	sink->ops->close(sink);
	/* Only what committed hands its state on. */
	if (!status)
		print_state(&printer);
	json_decref(printer.printed);
	deletions_free(&deletions);
	rows_close(&rows);
	buf_free(&why);
	target_config_free(&config);
	return status;
}
