/* The TMDB endpoints the toolkit reads, as whole objects. */
#ifndef TMDB_TMDB_H
#define TMDB_TMDB_H

#include "http.h"
#include "state.h"

struct tmdb {
	struct http_client *http;
	const char *language;
	const struct state *previous;	/* ETags of the last sync, or NULL for a full run */
	struct state *next;		/* ETags for the next sync, or NULL */
};

/* /person/ID/movie_credits */
void tmdb_person_credits(struct tmdb *api, long long id, struct http_result *result);

/* /movie/ID?append_to_response=credits,reviews with every further page of
 * /movie/ID/reviews merged into .reviews.results, so no review is left behind.
 * With a previous state, HTTP_NOT_MODIFIED when none of those responses changed. */
void tmdb_movie(struct tmdb *api, long long id, struct http_result *result);

/* /search/person?query=NAME&page=PAGE */
void tmdb_search_person(struct tmdb *api, const char *name, int page, struct http_result *result);

#endif
