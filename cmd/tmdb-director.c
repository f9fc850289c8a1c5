/* tmdb-director: the crew credits of movie_credits objects whose job is wanted. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>

#include "cli.h"
#include "crew.h"
#include "jsonl.h"
#include "log.h"

static const char usage_text[] =
	"usage: tmdb-director [options] [FILE...]\n"
	"\n"
	"Reads movie_credits objects (tmdb-fetch person) and writes each crew credit whose\n"
	"job is one of the JOBs, as the API gave it. A person credited twice in the same\n"
	"job on one movie yields one line.\n"
	"\n"
	"options:\n"
	"  -j, --job JOB   a job to keep, repeatable (default Director)\n"
	"      --sync      before a person's credits, one line per JOB declaring the whole\n"
	"                  set: {\"_sync\":{\"person_id\":\"ID\",\"job\":JOB,\"movies\":[...]}};\n"
	"                  tmdb-fetch movie then marks what it prints with the membership\n"
	"                  and prints the departures (see tmdb-fetch(1), SYNC)\n"
	CLI_COMMON_USAGE
	"\n"
	"exit: 0 ok, 64 usage, 65 bad input (the message names the line), 66 no input, 74 I/O error\n";

/* A line's credits go out once the whole line is taken: a bad line prints nothing. */
static void print_wanted_credits(struct line_reader *reader, char *line, size_t len, void *context)
{
	static struct buf why;
	json_t *lines = crew_filter_line(context, line, len, &why);
	if (!lines)
		die(EXIT_DATAERR, "%s:%ld: %s", reader->name, reader->lineno, why.data);
	size_t i;
	json_t *out;
	json_array_foreach(lines, i, out)
		jsonl_print(out);
	json_decref(lines);
}

int main(int argc, char **argv)
{
	enum { OPT_SYNC = 256 };
	static const struct option options[] = {
		{"job", required_argument, NULL, 'j'},
		{"sync", no_argument, NULL, OPT_SYNC},
		CLI_COMMON_OPTIONS,
		{0},
	};
	log_init(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	struct crew_jobs jobs = {0};
	int c;
	while ((c = getopt_long(argc, argv, "j:" CLI_COMMON_SHORT, options, NULL)) != -1) {
		if (cli_common_option(c, usage_text))
			continue;
		switch (c) {
		case 'j':
			if (jobs.count == CREW_MAX_JOBS)
				cli_usage_error(usage_text, "--job: at most %d jobs", CREW_MAX_JOBS);
			if (!*optarg)
				cli_usage_error(usage_text, "--job: a job cannot be empty");
			jobs.names[jobs.count++] = optarg;
			break;
		case OPT_SYNC:
			jobs.sync = 1;
			break;
		}
	}
	if (jobs.count == 0)
		jobs.names[jobs.count++] = "Director";
	jsonl_read_inputs(argc - optind, argv + optind, print_wanted_credits, &jobs);
	jsonl_finish();
	return 0;
}
