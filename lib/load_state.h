/* The sync state a destination holds, as tmdb-load --print-state prints it: the ETags
 * of its movies' requests (sync_state) and who brought each movie (memberships), only
 * of movies it has. One JSON line in the format tmdb-fetch --state reads (lib/state.c):
 *   {"version":1,"etags":{"REQUEST":"ETAG",...},"members":[{"person_id":..,"job":..,"movie_id":..},...]} */
#ifndef TMDB_LOAD_STATE_H
#define TMDB_LOAD_STATE_H

#include <jansson.h>

#include "buf.h"

struct load_state {
	json_t *etags;		/* request -> ETag */
	json_t *members;	/* [{person_id, job, movie_id}], in any order until printed */
};

void load_state_init(struct load_state *state);
/* Text that is not UTF-8 is left out: JSON cannot hold it (tmdb-fetch leaves such an
 * ETag out of its state too, so the request just goes out unconditionally). */
void load_state_add_etag(struct load_state *state, const char *request, const char *etag);
void load_state_add_member(struct load_state *state, const char *person_id, const char *job,
			   const char *movie_id);

/* The SQL both databases answer, rows of movies only: (request, etag) or (person_id,
 * job, movie_id). schema is the tables' quoted schema ("main" for SQLite). */
void load_state_etags_sql(struct buf *sql, const char *schema);
void load_state_members_sql(struct buf *sql, const char *schema);

/* The state as one line on standard output: etags by request, members sorted by
 * person_id, job, movie_id (bytewise, whatever the database's collation). */
void load_state_print(struct load_state *state);
void load_state_free(struct load_state *state);

#endif
