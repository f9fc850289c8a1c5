/* Sync state between runs: the ETag of every movie request, so the next run can ask
 * "changed since?" (If-None-Match) and skip what did not change; when each was answered,
 * so a run resumed with --fresh-since skips what was fetched since; and, in a state that
 * tmdb-load --print-state read from a destination, which person and job hold each movie.
 *   {"version":1,"etags":{REQUEST:ETAG},"fetched":{REQUEST:TIME},"members":[...]}
 * "fetched" (TIME as lib/utc.h writes it) is absent when no request has a time: a state
 * written before there were times reads as one without them. */
#ifndef TMDB_STATE_H
#define TMDB_STATE_H

#include <jansson.h>

struct state {
	json_t *etags;		/* request key -> ETag */
	json_t *fetched;	/* request key -> when its answer came, "YYYY-MM-DDTHH:MM:SSZ" */
	json_t *members;	/* [{person_id, job, movie_id}] the destination holds, or NULL */
};

/* Reads FILE; a missing file is an empty state (the first run). Exits 78 when the
 * file is not a state this toolkit wrote. */
void state_load(struct state *state, const char *path);
void state_init(struct state *state);
const char *state_etag(const struct state *state, const char *key);
/* Keeps the request's ETag and when it was answered (fetched_at NULL: not said); text
 * that is not UTF-8 is not kept, and a time never without its ETag. */
void state_set_etag(struct state *state, const char *key, const char *etag, const char *fetched_at);
/* When the request was answered, NULL when the state does not say. */
const char *state_fetched(const struct state *state, const char *key);
/* Writes atomically (temp file + rename); exits 73 when it cannot. */
void state_save(const struct state *state, const char *path);
void state_free(struct state *state);

#endif
