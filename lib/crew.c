#include "crew.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "idset.h"
#include "jsonl.h"
#include "log.h"

int crew_job_index(const struct crew_jobs *jobs, const char *job)
{
	for (int i = 0; job && i < jobs->count; i++)
		if (strcmp(jobs->names[i], job) == 0)
			return i;
	return -1;
}

/* Whether a crew entry is a credit: an object with a "job" string and a positive movie
 * "id" (any job: an entry that is not a credit means the line is no movie_credits). Its
 * movie id, or 0 with why naming the entry. */
static json_int_t credit_movie(json_t *credit, size_t index, struct buf *why)
{
	json_int_t movie = json_integer_value(json_object_get(credit, "id"));
	if (!json_is_object(credit))
		buf_printf(why, "crew credit %zu is not an object", index);
	else if (!json_is_string(json_object_get(credit, "job")))
		buf_printf(why, "crew credit %zu has no \"job\" string", index);
	/* movie * CREW_MAX_JOBS must not overflow; TMDB ids are far smaller. */
	else if (movie <= 0 || movie > LLONG_MAX / CREW_MAX_JOBS)
		buf_printf(why, "crew credit %zu has no movie \"id\"", index);
	else
		return movie;
	return 0;
}

/* The wanted credits of one person, one per (movie, job): TMDB sometimes lists the same
 * credit twice. Each job's movies go to sets[job] when sets is not NULL. NULL, with why,
 * when an entry of crew is no credit. */
static json_t *wanted_credits(const struct crew_jobs *jobs, json_t *crew, json_t **sets,
			      struct buf *why)
{
	struct idset printed = {0};
	json_t *wanted = json_array();
	size_t i;
	json_t *credit;
	json_array_foreach(crew, i, credit) {
		json_int_t movie = credit_movie(credit, i, why);
		if (!movie) {
			json_decref(wanted);
			wanted = NULL;
			break;
		}
		int job = crew_job_index(jobs, json_string_value(json_object_get(credit, "job")));
		if (job < 0 || !idset_add(&printed, movie * CREW_MAX_JOBS + job))
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
static void add_declarations(json_t *lines, const struct crew_jobs *jobs, json_int_t person,
			     json_t **sets)
{
	char id[32];
	snprintf(id, sizeof id, "%lld", (long long)person);
	for (int job = 0; job < jobs->count; job++) {
		json_t *line = json_pack("{s {s s, s s, s O}}", "_sync", "person_id", id, "job",
					 jobs->names[job], "movies", sets[job]);
		if (!line || json_array_append_new(lines, line) < 0)
			die(EXIT_SOFTWARE, "out of memory");
	}
}

static void free_sets(json_t **sets, int count)
{
	for (int job = 0; job < count; job++)
		json_decref(sets[job]);
}

json_t *crew_filter_line(const struct crew_jobs *jobs, const char *line, size_t len,
			 struct buf *why)
{
	json_t *credits = jsonl_judge_object(line, len, why);
	if (!credits)
		return NULL;
	json_t *crew = json_object_get(credits, "crew");
	json_int_t person = json_integer_value(json_object_get(credits, "id"));
	const char *missing = !json_is_array(crew) ? "\"crew\" array" :
			      jobs->sync && person <= 0 ? "person \"id\"" : NULL;
	if (missing) {
		json_decref(credits);
		buf_printf(why, "not a movie_credits object: no %s", missing);
		return NULL;
	}
	json_t *sets[CREW_MAX_JOBS] = {0};
	for (int job = 0; jobs->sync && job < jobs->count; job++)
		if (!(sets[job] = json_array()))
			die(EXIT_SOFTWARE, "out of memory");
	json_t *wanted = wanted_credits(jobs, crew, jobs->sync ? sets : NULL, why);
	json_t *lines = NULL;
	if (wanted) {
		if (!(lines = json_array()))
			die(EXIT_SOFTWARE, "out of memory");
		if (jobs->sync)
			add_declarations(lines, jobs, person, sets);
		if (json_array_extend(lines, wanted) < 0)
			die(EXIT_SOFTWARE, "out of memory");
	}
	free_sets(sets, jobs->count);
	json_decref(wanted);
	json_decref(credits);
	return lines;
}
