/* tmdb-shape: rows of the movies, credits, reviews, crew and genres tables from movie
 * objects. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "jsonl.h"
#include "log.h"
#include "shape.h"
#include "tables.h"

static const char usage_text[] =
	"usage: tmdb-shape TABLE [FILE...]     rows of TABLE, one per line: movies, credits (the\n"
	"                                      cast), reviews, crew or genres\n"
	"       tmdb-shape [--all] [FILE...]   a Singer stream: SCHEMA, then RECORD messages, every table\n"
	"       tmdb-shape --schema            the Singer SCHEMA message of every table\n"
	"\n"
	"Reads the movie objects that tmdb-fetch movie writes. Ids are text, money and counts\n"
	"integers, ratings reals; a missing value or an empty release_date is null.\n"
	"\n"
	"options:\n"
	"      --all       a Singer stream of every table (the default without TABLE)\n"
	"      --schema    print the schemas and exit\n"
	CLI_COMMON_USAGE
	"\n"
	"exit: 0 ok, 64 usage, 65 bad input (the message names the line), 66 no input, 74 I/O error\n";

struct shaping {
	const struct table *table;	/* NULL: every table, as a Singer stream */
};

/* Every table's rows of one movie go out together, once the whole line has shaped:
 * a bad line prints nothing of itself. */
static void print_rows(struct line_reader *reader, char *line, size_t len, void *context)
{
	static struct jdoc doc;
	static struct buf rows, why;
	const struct shaping *shaping = context;
	buf_clear(&rows);
	if (shape_line(shaping->table, &doc, line, len, &rows, &why) < 0)
		die(EXIT_DATAERR, "%s:%ld: %s", reader->name, reader->lineno, why.data);
	jsonl_print_lines(rows.data, rows.len);
}

static void print_schemas(void)
{
	for (size_t i = 0; i < tmdb_table_count; i++) {
		json_t *schema = table_singer_schema(&tmdb_tables[i]);
		if (!schema)
			die(EXIT_SOFTWARE, "out of memory");
		jsonl_print(schema);
		json_decref(schema);
	}
}

int main(int argc, char **argv)
{
	enum { OPT_ALL = 256, OPT_SCHEMA };
	static const struct option options[] = {
		{"all", no_argument, NULL, OPT_ALL},
		{"schema", no_argument, NULL, OPT_SCHEMA},
		CLI_COMMON_OPTIONS,
		{0},
	};
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	int c, all = 0, schema_only = 0;
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORT, options, NULL)) != -1) {
		if (cli_common_option(c, usage_text))
			continue;
		if (c == OPT_ALL)
			all = 1;
		else if (c == OPT_SCHEMA)
			schema_only = 1;
	}
	if (schema_only) {
		if (optind < argc || all)
			cli_usage_error(usage_text, "--schema takes no TABLE, FILE or --all");
		print_schemas();
		jsonl_finish();
		return 0;
	}
	/* A first argument that names a table picks plain rows; files named like a
	 * table can be given as ./movies. */
	struct shaping shaping = {0};
	if (optind < argc && (shaping.table = table_find(argv[optind]))) {
		if (all)
			cli_usage_error(usage_text, "--all and TABLE %s exclude each other", argv[optind]);
		optind++;
	} else {
		print_schemas();
	}
	jsonl_read_inputs(argc - optind, argv + optind, print_rows, &shaping);
	jsonl_finish();
	return 0;
}
