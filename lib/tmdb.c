#include "tmdb.h"

#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "log.h"

/* TMDB serves at most this many pages of any list. */
#define TMDB_MAX_PAGES 500

/* A GET whose ETag goes into the next state; conditional when `conditional` and the
 * previous state knows the request. */
static void get_tracked(struct tmdb *api, const char *path, const struct query *q, int conditional,
			struct http_result *result)
{
	struct buf key = {0};
	if (query_request_key(&key, path, q) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	const char *known = api->previous ? state_etag(api->previous, key.data) : NULL;
	http_get_if_changed(api->http, path, q, conditional ? known : NULL, result);
	const char *etag = result->outcome == HTTP_NOT_MODIFIED ? known :
			   result->outcome == HTTP_OK && result->etag[0] ? result->etag : NULL;
	if (api->next && etag)
		state_set_etag(api->next, key.data, etag);
	buf_free(&key);
}

void tmdb_person_credits(struct tmdb *api, long long id, struct http_result *result)
{
	char path[64];
	struct query q = {0};
	snprintf(path, sizeof path, "/person/%lld/movie_credits", id);
	query_set(&q, "language", api->language);
	http_get(api->http, path, &q, result);
}

/* /movie/ID/reviews?page=N; number holds the page's text for the query. */
static void review_page_request(struct tmdb *api, long long id, int page, char path[64],
				char number[16], struct query *q)
{
	snprintf(path, 64, "/movie/%lld/reviews", id);
	snprintf(number, 16, "%d", page);
	*q = (struct query){0};
	query_set(q, "language", api->language);
	query_set(q, "page", number);
}

static void fetch_review_page(struct tmdb *api, long long id, int page, int conditional,
			      struct http_result *result)
{
	char path[64], number[16];
	struct query q;
	review_page_request(api, id, page, path, number, &q);
	get_tracked(api, path, &q, conditional, result);
	if (result->outcome == HTTP_OK && !json_is_array(json_object_get(result->json, "results"))) {
		json_decref(result->json);
		result->json = NULL;
		result->outcome = HTTP_FAILED;
		snprintf(result->message, sizeof result->message, "reviews page has no results array");
	}
}

/* Did the last sync see this page? */
static int review_page_known(struct tmdb *api, long long id, int page)
{
	char path[64], number[16];
	struct query q;
	struct buf key = {0};
	review_page_request(api, id, page, path, number, &q);
	if (query_request_key(&key, path, &q) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	int known = state_etag(api->previous, key.data) != NULL;
	buf_free(&key);
	return known;
}

/* Appends pages 2..total_pages; on failure the movie's result becomes that failure. */
static void merge_review_pages(struct tmdb *api, long long id, struct http_result *movie)
{
	json_t *reviews = json_object_get(movie->json, "reviews");
	json_t *results = json_object_get(reviews, "results");
	json_int_t pages = json_integer_value(json_object_get(reviews, "total_pages"));
	if (!json_is_array(results))
		return;
	if (pages > TMDB_MAX_PAGES)
		pages = TMDB_MAX_PAGES;
	for (int page = 2; page <= pages; page++) {
		struct http_result part;
		fetch_review_page(api, id, page, 0, &part);
		if (part.outcome != HTTP_OK) {
			json_decref(movie->json);
			*movie = part;
			movie->outcome = part.outcome == HTTP_DENIED ? HTTP_DENIED : HTTP_FAILED;
			char why[sizeof part.message];
			memcpy(why, part.message, sizeof why);
			snprintf(movie->message, sizeof movie->message, "reviews page %d: %.480s", page, why);
			return;
		}
		json_array_extend(results, json_object_get(part.json, "results"));
		json_decref(part.json);
	}
}

static void fetch_movie_page(struct tmdb *api, long long id, int conditional, struct http_result *result)
{
	char path[64];
	struct query q = {0};
	snprintf(path, sizeof path, "/movie/%lld", id);
	query_set(&q, "append_to_response", "credits,reviews");
	query_set(&q, "language", api->language);
	get_tracked(api, path, &q, conditional, result);
}

/* After the first page answered 304: are the further review pages unchanged too?
 * Every page the last sync saw is asked for conditionally. */
static int review_pages_unchanged(struct tmdb *api, long long id)
{
	for (int page = 2; page <= TMDB_MAX_PAGES; page++) {
		struct http_result part;
		if (!review_page_known(api, id, page))
			return 1;
		fetch_review_page(api, id, page, 1, &part);
		json_decref(part.json);
		if (part.outcome != HTTP_NOT_MODIFIED)
			return 0;
	}
	return 1;
}

void tmdb_movie(struct tmdb *api, long long id, struct http_result *result)
{
	fetch_movie_page(api, id, api->previous != NULL, result);
	if (result->outcome == HTTP_NOT_MODIFIED) {
		if (review_pages_unchanged(api, id))
			return;
		/* A later page changed: the movie is read whole again. */
		fetch_movie_page(api, id, 0, result);
	}
	if (result->outcome == HTTP_OK)
		merge_review_pages(api, id, result);
}

void tmdb_search_person(struct tmdb *api, const char *name, int page, struct http_result *result)
{
	char number[16];
	struct query q = {0};
	snprintf(number, sizeof number, "%d", page);
	query_set(&q, "query", name);
	query_set(&q, "include_adult", "false");
	query_set(&q, "language", api->language);
	query_set(&q, "page", number);
	http_get(api->http, "/search/person", &q, result);
}
