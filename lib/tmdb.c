#include "tmdb.h"

#include <stdio.h>
#include <string.h>

/* TMDB serves at most this many pages of any list. */
#define TMDB_MAX_PAGES 500

void tmdb_person_credits(struct tmdb *api, long long id, struct http_result *result)
{
	char path[64];
	struct query q = {0};
	snprintf(path, sizeof path, "/person/%lld/movie_credits", id);
	query_set(&q, "language", api->language);
	http_get(api->http, path, &q, result);
}

static void fetch_review_page(struct tmdb *api, long long id, int page, struct http_result *result)
{
	char path[64], number[16];
	struct query q = {0};
	snprintf(path, sizeof path, "/movie/%lld/reviews", id);
	snprintf(number, sizeof number, "%d", page);
	query_set(&q, "language", api->language);
	query_set(&q, "page", number);
	http_get(api->http, path, &q, result);
	if (result->outcome == HTTP_OK && !json_is_array(json_object_get(result->json, "results"))) {
		json_decref(result->json);
		result->json = NULL;
		result->outcome = HTTP_FAILED;
		snprintf(result->message, sizeof result->message, "reviews page has no results array");
	}
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
		fetch_review_page(api, id, page, &part);
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

void tmdb_movie(struct tmdb *api, long long id, struct http_result *result)
{
	char path[64];
	struct query q = {0};
	snprintf(path, sizeof path, "/movie/%lld", id);
	query_set(&q, "append_to_response", "credits,reviews");
	query_set(&q, "language", api->language);
	http_get(api->http, path, &q, result);
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
