/* tmdb-director: the crew credits of movie_credits objects whose job is wanted. */
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "idset.h"
#include "jsonl.h"
#include "log.h"

#define MAX_JOBS 32

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

struct jobs {
	const char *names[MAX_JOBS];
	int count;
	int sync;	/* --sync: declare each (person, job)'s whole set first */
};

static int job_index(const struct jobs *jobs, const char *job)
{
	for (int i = 0; job && i < jobs->count; i++)
		if (strcmp(jobs->names[i], job) == 0)
			return i;
	return -1;
}

/* Whether a crew entry is a credit: an object with a "job" string and a positive movie
 * "id" (any job: an entry that is not a credit means the line is no movie_credits). Its
 * movie id, or 0 with why naming the entry. */
static json_int_t credit_movie(json_t *credit, size_t index, char *why, size_t why_size)
{
	json_int_t movie = json_integer_value(json_object_get(credit, "id"));
	if (!json_is_object(credit))
		snprintf(why, why_size, "crew credit %zu is not an object", index);
	else if (!json_is_string(json_object_get(credit, "job")))
		snprintf(why, why_size, "crew credit %zu has no \"job\" string", index);
	/* movie * MAX_JOBS must not overflow; TMDB ids are far smaller. */
	else if (movie <= 0 || movie > LLONG_MAX / MAX_JOBS)
		snprintf(why, why_size, "crew credit %zu has no movie \"id\"", index);
	else
		return movie;
	return 0;
}

/* The wanted credits of one person, one per (movie, job): TMDB sometimes lists the same
 * credit twice. Each job's movies go to sets[job] when sets is not NULL. NULL, with why,
 * when an entry of crew is no credit. */
static json_t *wanted_credits(const struct jobs *jobs, json_t *crew, json_t **sets, char *why,
			      size_t why_size)
{
	struct idset printed = {0};
	json_t *wanted = json_array();
	size_t i;
	json_t *credit;
	json_array_foreach(crew, i, credit) {
		json_int_t movie = credit_movie(credit, i, why, why_size);
		if (!movie) {
			json_decref(wanted);
			wanted = NULL;
			break;
		}
		int job = job_index(jobs, json_string_value(json_object_get(credit, "job")));
		if (job < 0 || !idset_add(&printed, movie * MAX_JOBS + job))
			continue;
		if (json_array_append(wanted, credit) < 0 ||
		    (sets && json_array_append_new(sets[job], json_integer(movie)) < 0))
			die(EXIT_SOFTWARE, "out of memory");
	}
	idset_free(&printed);
	return wanted;
}

/* --sync: one line per job naming the person's whole set, before any of its credits, so
 * tmdb-fetch movie knows what the person holds even of movies it does not print. */
static void print_declarations(const struct jobs *jobs, json_int_t person, json_t **sets)
{
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)person);
	for (int job = 0; job < jobs->count; job++) {
		json_t *line = json_pack("{s {s s, s s, s O}}", "_sync", "person_id", id, "job",
					 jobs->names[job], "movies", sets[job]);
		if (!line)
			die(EXIT_SOFTWARE, "out of memory");
		jsonl_print(line);
		json_decref(line);
	}
}

static void free_sets(json_t **sets, int count)
{
	for (int job = 0; job < count; job++)
		json_decref(sets[job]);
}

static void print_wanted_credits(struct line_reader *reader, char *line, size_t len, void *context)
{
	const struct jobs *jobs = context;
	json_t *credits = jsonl_parse_object(reader, line, len);
	json_t *crew = json_object_get(credits, "crew");
	json_int_t person = json_integer_value(json_object_get(credits, "id"));
	const char *missing = !json_is_array(crew) ? "\"crew\" array" :
			      jobs->sync && person <= 0 ? "person \"id\"" : NULL;
	if (missing) {
		json_decref(credits);
		die(EXIT_DATAERR, "%s:%ld: not a movie_credits object: no %s", reader->name,
		    reader->lineno, missing);
	}
	json_t *sets[MAX_JOBS] = {0};
	for (int job = 0; jobs->sync && job < jobs->count; job++)
		if (!(sets[job] = json_array()))
			die(EXIT_SOFTWARE, "out of memory");
	char why[64];
	json_t *wanted = wanted_credits(jobs, crew, jobs->sync ? sets : NULL, why, sizeof why);
	if (!wanted) {
		free_sets(sets, jobs->count);
		json_decref(credits);
		die(EXIT_DATAERR, "%s:%ld: %s", reader->name, reader->lineno, why);
	}
	if (jobs->sync)
		print_declarations(jobs, person, sets);
	size_t i;
	json_t *credit;
	json_array_foreach(wanted, i, credit)
		jsonl_print(credit);
	free_sets(sets, jobs->count);
	json_decref(wanted);
	json_decref(credits);
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
	struct jobs jobs = {0};
	int c;
	while ((c = getopt_long(argc, argv, "j:" CLI_COMMON_SHORT, options, NULL)) != -1) {
		if (cli_common_option(c, usage_text))
			continue;
		switch (c) {
		case 'j':
			if (jobs.count == MAX_JOBS)
				cli_usage_error(usage_text, "--job: at most %d jobs", MAX_JOBS);
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
