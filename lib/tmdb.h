/* The TMDB endpoints the toolkit reads, as whole objects, fetched concurrently. */
#ifndef TMDB_TMDB_H
#define TMDB_TMDB_H

#include "http.h"

struct tmdb {
	struct http_client *http;
	const char *language;
	bool incremental;	/* a previous state: ask "changed since?" for movies */
	bool sync;		/* a movie carries its requests' ETags in "_sync"."etags" */
};

/* Called once with the object (result->outcome HTTP_OK and result->json, which the
 * callee takes or leaves to be freed) or why there is none. */
typedef void tmdb_done_fn(struct http_result *result, void *context);

/* /person/ID/movie_credits */
void tmdb_person_credits(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* /movie/ID?append_to_response=credits,reviews with every further page of
 * /movie/ID/reviews (fetched concurrently) merged into .reviews.results, so no review
 * is left behind. When incremental, HTTP_NOT_MODIFIED if none of those responses changed. */
void tmdb_movie(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* /search/person?query=NAME&page=PAGE, waited for. */
void tmdb_search_person(struct tmdb *api, const char *name, int page, struct http_result *result);

#endif
