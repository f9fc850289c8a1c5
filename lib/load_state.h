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

struct load_state {
	json_t *etags;		/* request -> ETag */
	json_t *fetched;	/* request -> when it was answered, of the rows that say */
	json_t *members;	/* [{person_id, job, movie_id}], in any order until printed */
};

void load_state_init(struct load_state *state);
/* Text that is not UTF-8 is left out: JSON cannot hold it (tmdb-fetch leaves such an
 * ETag out of its state too, so the request just goes out unconditionally). */
void load_state_add_etag(struct load_state *state, const char *request, const char *etag,
			 const char *fetched_at);
void load_state_add_member(struct load_state *state, const char *person_id, const char *job,
			   const char *movie_id);

/* The SQL both databases answer, rows of movies only: (request, etag, fetched_at) or
 * (person_id, job, movie_id). schema is the tables' quoted schema ("main" for SQLite);
 * a sync_state without the column fetched_at (an older version's) answers null for it. */
void load_state_etags_sql(struct buf *sql, const char *schema, int has_fetched_at);
void load_state_members_sql(struct buf *sql, const char *schema);

/* The state as one line on standard output: etags by request, members sorted by
 * person_id, job, movie_id (bytewise, whatever the database's collation). */
void load_state_print(struct load_state *state);
void load_state_free(struct load_state *state);

#endif
