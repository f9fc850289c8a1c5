/* A sync's bookkeeping in tmdb-fetch movie: the (person, job) sets that tmdb-director
 * --sync declared, which of them hold each movie, and what they no longer hold. */
#ifndef TMDB_SYNC_H
#define TMDB_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <jansson.h>

#include "buf.h"
#include "idset.h"

struct sync_scope {
	char *person_id;
	char *job;
	json_t *movies;		/* the declared IDs, in order */
	struct idset held;	/* the same, to look up */
};

struct sync {
	struct sync_scope *scopes;
	size_t count, cap;
	const json_t *old_members;	/* the state's [{person_id, job, movie_id}], or NULL */
};

/* Whether a line of the input is a declaration rather than an ID. */
bool sync_is_declaration(const json_t *line);

/* Takes {"_sync":{"person_id","job","movies":[ID...]}}; returns -1 with why saying in
 * one line what is wrong when it is not one. A scope declared again replaces what it
 * held. */
int sync_take_declaration(struct sync *sync, const json_t *line, struct buf *why);


/* The memberships of a movie: [{person_id, job}] of every scope that holds it. */
json_t *sync_members_of(const struct sync *sync, long long movie);

/* Adds the movie's memberships to its "_sync" member (which may hold its ETags). */
void sync_mark_movie(const struct sync *sync, json_t *movie, long long id);

/* {"id":ID,"_sync":{"members":[...],"unchanged"|"deleted":true}}: a movie whose rows
 * stay as they are, or whose memberships go. */
json_t *sync_mark(json_t *members, long long id, const char *mark);

/* The first declared movie the input never asked for, 0 when it asked for them all:
 * a sync whose input was cut short must not delete what it did not see. */
long long sync_first_missing(const struct sync *sync, const struct idset *seen,
			     const struct sync_scope **scope);

/* Calls print with a "deleted" mark for each membership the state has for a declared
 * scope that the declaration no longer lists. */
void sync_departures(const struct sync *sync, void (*print)(json_t *mark));

/* The memberships after this sync, for --state-out: the state's own of scopes not
 * declared here, and every declared scope's movies, as [{person_id, job, movie_id}]. */
json_t *sync_members_after(const struct sync *sync);

void sync_free(struct sync *sync);

#endif
