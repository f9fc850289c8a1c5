/* The TMDB endpoints the toolkit reads, as whole objects, fetched concurrently. */
#ifndef TMDB_TMDB_H
#define TMDB_TMDB_H

#include <stdbool.h>
#include <time.h>

#include "exchange.h"

struct tmdb {
	struct exchange *exchange;
	const char *language;
	bool incremental;	/* a previous state: ask "changed since?" for movies */
	bool sync;		/* a movie carries its requests' ETags in "_sync"."etags" */
	bool skip_fresh;	/* a movie whose first request the previous state says was
				   answered at or after fresh_since is not asked (EXCHANGE_FRESH) */
	time_t fresh_since;
};

/* Called once with the object (result->outcome EXCHANGE_OK and result->json) or why
 * there is none; what the callee does not take of the result is freed after the call. */
typedef void tmdb_done_fn(struct exchange_result *result, void *context);

/* /person/ID/movie_credits */
void tmdb_person_credits(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* /movie/ID?append_to_response=credits,reviews with every further page of
 * /movie/ID/reviews (fetched concurrently) merged into .reviews.results, so no review
 * is left behind. When incremental, EXCHANGE_NOT_MODIFIED if none of those responses
 * changed; with skip_fresh, EXCHANGE_FRESH with nothing asked when the movie is fresh.
 * In a sync each of its ETags comes with the time it was answered:
 * "_sync":{"etags":[{"request","etag","fetched_at"}...]}. */
void tmdb_movie(struct tmdb *api, long long id, tmdb_done_fn *done, void *context);

/* /search/person?query=NAME&page=PAGE, waited for. */
void tmdb_search_person(struct tmdb *api, const char *name, int page,
			struct exchange_result *result);

#endif
