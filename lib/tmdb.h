/* The TMDB endpoints the toolkit reads, as whole objects, fetched concurrently. */
#ifndef TMDB_TMDB_H
#define TMDB_TMDB_H

#include <stdbool.h>

#include "exchange.h"

struct tmdb {
	struct exchange *exchange;
	const char *language;
	bool incremental;	/* a previous state: ask "changed since?" for movies */
	bool sync;		/* a movie carries its requests' ETags in "_sync"."etags" */
};

/* Called once with the object (result->outcome EXCHANGE_OK and result->json) or why
 * there is none; what the callee does not take of the result is freed after the call. */
typedef void tmdb_done_fn(struct exchange_result *result, void *context);

/* /person/ID/movie_credits */
void tmdb_person_credits(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* /movie/ID?append_to_response=credits,reviews with every further page of
 * /movie/ID/reviews (fetched concurrently) merged into .reviews.results, so no review
 * is left behind. When incremental, EXCHANGE_NOT_MODIFIED if none of those responses
 * changed. */
void tmdb_movie(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* /search/person?query=NAME&page=PAGE, waited for. */
void tmdb_search_person(struct tmdb *api, const char *name, int page,
			struct exchange_result *result);

#endif
