/* tmdb-director's filter: the crew credits of movie_credits objects (tmdb-fetch person)
 * whose job is wanted. */
#ifndef TMDB_CREW_H
#define TMDB_CREW_H

#include <stddef.h>
#include <jansson.h>

#include "buf.h"

#define CREW_MAX_JOBS 32

struct crew_jobs {
	const char *names[CREW_MAX_JOBS];
	int count;
	int sync;	/* --sync: declare each (person, job)'s whole set first */
};

/* The place of job among the wanted jobs, or -1 (job NULL too). */
int crew_job_index(const struct crew_jobs *jobs, const char *job);

/* What tmdb-director writes for one line of its input, which must hold a movie_credits
 * object (judged by jsonl_judge_line): the wanted credits, in order, as the API gave
 * them, one per (movie, job) since TMDB sometimes lists a credit twice; with sync, first
 * one line per job declaring the person's whole set,
 * {"_sync":{"person_id":"ID","job":JOB,"movies":[...]}}. Returns them as a new array,
 * or NULL with why saying in one line what is wrong: what the judge refuses, no "crew"
 * array (with sync, no person "id"), or a crew entry of any job that is no credit (an
 * object with a "job" string and a positive movie "id" below LLONG_MAX / CREW_MAX_JOBS). */
json_t *crew_filter_line(const struct crew_jobs *jobs, const char *line, size_t len,
			 struct buf *why);

#endif
