/* The sync state a destination holds, as tmdb-load --print-state prints it: the ETags
 * of its movies' requests and when each was answered (sync_state), and who brought each
 * movie (memberships), only of movies it has. One JSON line in the format tmdb-fetch
 * --state reads (lib/state.c):
 *   {"version":1,"etags":{"REQUEST":"ETAG",...},"fetched":{"REQUEST":"TIME",...},
 *    "members":[{"person_id":..,"job":..,"movie_id":..},...]}
 * "fetched" only when some row has a time (a warehouse of an older version has none). */
#ifndef TMDB_LOAD_STATE_H
#define TMDB_LOAD_STATE_H

#include <jansson.h>

#include "buf.h"
#include "strmap.h"

struct load_state {
	json_t *etags;		/* request -> ETag */
	json_t *fetched;	/* request -> when it was answered, of the rows that say */
	json_t *members;	/* [{person_id, job, movie_id}], in any order until printed */
	/* --ids: only these movies' state is read (a worker's block of a catalog need not
	 * carry the whole destination's). */
	int restricted;
	struct strmap only;	/* their IDs, decimal */
	struct buf only_json;	/* the same as a JSON array of strings: SQL's $1 */
};

void load_state_init(struct load_state *state);
/* Restricts the state to the movies of path's ID lines ("-": standard input), read as
 * tmdb-fetch reads them (a number or an object with an "id"). Exits 66 when path cannot
 * be read, 65 naming the line that is no ID. */
void load_state_read_ids(struct load_state *state, const char *path);
/* Whether the movie's state is wanted: every movie's unless restricted. */
int load_state_wants(const struct load_state *state, const char *movie_id);
/* Text that is not UTF-8 is left out: JSON cannot hold it (tmdb-fetch leaves such an
 * ETag out of its state too, so the request just goes out unconditionally). */
void load_state_add_etag(struct load_state *state, const char *request, const char *etag,
			 const char *fetched_at);
void load_state_add_member(struct load_state *state, const char *person_id, const char *job,
			   const char *movie_id);

/* The SQL both databases answer, rows of movies only: (request, etag, fetched_at) or
 * (person_id, job, movie_id). schema is the tables' quoted schema ("main" for SQLite);
 * a sync_state without the column fetched_at (an older version's) answers null for it.
 * only: NULL, or the dialect's condition on s.movie_id that keeps the wanted movies. */
void load_state_etags_sql(struct buf *sql, const char *schema, int has_fetched_at, const char *only);
void load_state_members_sql(struct buf *sql, const char *schema, const char *only);

/* The state as one line on standard output: etags by request, members sorted by
 * person_id, job, movie_id (bytewise, whatever the database's collation). */
void load_state_print(struct load_state *state);
void load_state_free(struct load_state *state);

#endif
