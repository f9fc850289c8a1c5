#include "tmdb.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "log.h"

/* TMDB serves at most this many pages of any list. */
#define TMDB_MAX_PAGES 500

/* Fills why and returns -1: an answer is not what was asked. */
static int reject(char *why, size_t why_size, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	vsnprintf(why, why_size, format, args);
	va_end(args);
	return -1;
}

static bool has_array(const json_t *object, const char *name)
{
	return json_is_array(json_object_get(object, name));
}

/* An object about the asked id: a cache's answer for another movie would leave the
 * asked one silently missing. */
static int check_object_id(const json_t *body, long long id, char *why, size_t why_size)
{
	if (!json_is_object(body))
		return reject(why, why_size, "not an object");
	const json_t *found = json_object_get(body, "id");
	if (!json_is_integer(found) || json_integer_value(found) != id)
		return reject(why, why_size, "\"id\" is not %lld", id);
	return 0;
}

/* One person on its way: the id the answer must be about. */
struct person_fetch {
	long long id;
	tmdb_done_fn *done;
	void *context;
};

/* Both lists, even empty: a missing "crew" would read as a person who directed nothing. */
static int check_person_answer(const json_t *body, const void *asked, char *why, size_t why_size)
{
	const struct person_fetch *fetch = asked;
	if (check_object_id(body, fetch->id, why, why_size) < 0)
		return -1;
	if (!has_array(body, "cast"))
		return reject(why, why_size, "no \"cast\" array");
	if (!has_array(body, "crew"))
		return reject(why, why_size, "no \"crew\" array");
	return 0;
}

static void person_done(struct http_result *result, void *context)
{
	struct person_fetch *fetch = context;
	fetch->done(result, fetch->context);
	free(fetch);
}

void tmdb_person_credits(struct tmdb *api, long long id, tmdb_done_fn *done, void *context)
{
	char path[64];
	struct query q = {0};
	struct person_fetch *fetch = malloc(sizeof *fetch);
	if (!fetch)
		die(EXIT_SOFTWARE, "out of memory");
	*fetch = (struct person_fetch){id, done, context};
	snprintf(path, sizeof path, "/person/%lld/movie_credits", id);
	query_set(&q, "language", api->language);
	http_submit_checked(api->http, path, &q, false, check_person_answer, fetch, person_done, fetch);
}

/* One movie on its way: the first page, then its further review pages. */
struct movie_fetch {
	struct tmdb *api;
	long long id;
	tmdb_done_fn *done;
	void *context;
	json_t *movie;		/* the first response, once it came */
	json_t *etags;		/* sync: [{request, etag}] of the responses merged */
	json_t **page_etags;	/* sync: each further page's {request, etag}, by page number,
				   so the ETags go out in page order whatever order they came in */
	json_t **pages;		/* results of review pages 2..total, by page number */
	int total_pages;
	int outstanding;	/* requests of the current round still out */
	bool changed;		/* a conditional review page came back with a body */
	struct http_result failure;
	bool failed;
};

struct page_request {
	struct movie_fetch *fetch;
	int page;
};

/* /movie/ID/reviews?page=N; number holds the page's text for the query. */
static void review_page_request(const struct tmdb *api, long long id, int page, char path[64],
				char number[16], struct query *q)
{
	snprintf(path, 64, "/movie/%lld/reviews", id);
	snprintf(number, 16, "%d", page);
	*q = (struct query){0};
	query_set(q, "language", api->language);
	query_set(q, "page", number);
}

/* A further page of the asked movie's reviews, with its list: else the page's reviews
 * would be missing from the merged list without a word. */
static int check_review_page(const json_t *body, const void *asked, char *why, size_t why_size)
{
	const struct page_request *request = asked;
	if (check_object_id(body, request->fetch->id, why, why_size) < 0)
		return -1;
	if (!has_array(body, "results"))
		return reject(why, why_size, "no \"results\" array");
	const json_t *page = json_object_get(body, "page");
	if (!json_is_integer(page) || json_integer_value(page) != request->page)
		return reject(why, why_size, "\"page\" is not %d", request->page);
	return 0;
}

static void submit_review_page(struct movie_fetch *fetch, int page, bool conditional,
			       http_done_fn *done)
{
	char path[64], number[16];
	struct query q;
	struct page_request *request = malloc(sizeof *request);
	if (!request)
		die(EXIT_SOFTWARE, "out of memory");
	*request = (struct page_request){fetch, page};
	review_page_request(fetch->api, fetch->id, page, path, number, &q);
	fetch->outstanding++;
	http_submit_checked(fetch->api->http, path, &q, conditional, check_review_page, request,
			    done, request);
}

static bool review_page_known(const struct movie_fetch *fetch, int page)
{
	char path[64], number[16];
	struct query q;
	review_page_request(fetch->api, fetch->id, page, path, number, &q);
	return http_known(fetch->api->http, path, &q);
}

static void movie_fetch_free(struct movie_fetch *fetch)
{
	for (int page = 2; fetch->pages && page <= fetch->total_pages; page++) {
		json_decref(fetch->pages[page]);
		json_decref(fetch->page_etags[page]);
	}
	free(fetch->pages);
	free(fetch->page_etags);
	json_decref(fetch->movie);
	json_decref(fetch->etags);
	free(fetch);
}

static void finish_movie(struct movie_fetch *fetch, struct http_result *result)
{
	fetch->done(result, fetch->context);
	movie_fetch_free(fetch);
}

/* Keeps the first failure of a round, named after the page that failed. */
static void note_page_failure(struct movie_fetch *fetch, int page, const struct http_result *result)
{
	if (fetch->failed)
		return;
	fetch->failed = true;
	fetch->failure = *result;
	fetch->failure.json = NULL;
	fetch->failure.outcome = result->outcome == HTTP_DENIED ||
				 result->outcome == HTTP_NOT_RECORDED ? result->outcome : HTTP_FAILED;
	snprintf(fetch->failure.message, sizeof fetch->failure.message, "reviews page %d: %.480s",
		 page, result->message);
}

/* Sync: {request, etag}, the ETag a response came with under the key the state knows the
 * request by; NULL when not syncing or there is none to keep. */
static json_t *etag_entry(const struct movie_fetch *fetch, const char *path, const struct query *q,
			  const struct http_result *result)
{
	if (!fetch->api->sync || !result->etag[0])
		return NULL;
	struct buf key = {0};
	if (query_request_key(&key, path, q) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	/* An ETag that is not UTF-8 (HTTP allows Latin-1) is not kept, as in the state. */
	json_t *entry = json_pack("{s s, s s}", "request", key.data, "etag", result->etag);
	buf_free(&key);
	return entry;
}

static void append_etag(json_t *etags, json_t *entry)
{
	if (entry && json_array_append_new(etags, entry) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

static void merge_pages_and_finish(struct movie_fetch *fetch)
{
	if (fetch->failed) {
		finish_movie(fetch, &fetch->failure);
		return;
	}
	json_t *results = json_object_get(json_object_get(fetch->movie, "reviews"), "results");
	for (int page = 2; page <= fetch->total_pages; page++) {
		json_array_extend(results, fetch->pages[page]);
		append_etag(fetch->etags, fetch->page_etags[page]);
		fetch->page_etags[page] = NULL;
	}
	if (fetch->api->sync &&
	    json_object_set_new(fetch->movie, "_sync", json_pack("{s O}", "etags", fetch->etags)) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	struct http_result done = {.outcome = HTTP_OK, .status = 200, .json = fetch->movie};
	fetch->movie = NULL;
	finish_movie(fetch, &done);
}

static void review_page_done(struct http_result *result, void *context)
{
	struct page_request *request = context;
	struct movie_fetch *fetch = request->fetch;
	if (result->outcome == HTTP_OK) {	/* checked: it has its results array */
		char path[64], number[16];
		struct query q;
		review_page_request(fetch->api, fetch->id, request->page, path, number, &q);
		fetch->page_etags[request->page] = etag_entry(fetch, path, &q, result);
		fetch->pages[request->page] = json_incref(json_object_get(result->json, "results"));
	}
	else
		note_page_failure(fetch, request->page, result);
	free(request);
	if (--fetch->outstanding == 0)
		merge_pages_and_finish(fetch);
}

static void first_page_done(struct http_result *result, void *context);

/* What append_to_response=credits,reviews must bring, and the details' genres, lists
 * empty or not: a part missing or null would read downstream as "no cast, no reviews, no
 * genres" and delete what the warehouse holds (tmdb-shape refuses such a movie too). */
static int check_movie_answer(const json_t *body, const void *asked, char *why, size_t why_size)
{
	const struct movie_fetch *fetch = asked;
	if (check_object_id(body, fetch->id, why, why_size) < 0)
		return -1;
	const json_t *credits = json_object_get(body, "credits");
	const json_t *reviews = json_object_get(body, "reviews");
	if (!has_array(body, "genres"))
		return reject(why, why_size, "no \"genres\" array");
	if (!json_is_object(credits))
		return reject(why, why_size, "no \"credits\" object");
	if (!has_array(credits, "cast"))
		return reject(why, why_size, "no \"credits.cast\" array");
	if (!has_array(credits, "crew"))
		return reject(why, why_size, "no \"credits.crew\" array");
	if (!json_is_object(reviews))
		return reject(why, why_size, "no \"reviews\" object");
	if (!has_array(reviews, "results"))
		return reject(why, why_size, "no \"reviews.results\" array");
	const json_t *page = json_object_get(reviews, "page");
	if (!json_is_integer(page) || json_integer_value(page) != 1)
		return reject(why, why_size, "\"reviews.page\" is not 1");
	const json_t *total = json_object_get(reviews, "total_pages");
	if (!json_is_integer(total) || json_integer_value(total) < 0)
		return reject(why, why_size, "\"reviews.total_pages\" is not a count");
	return 0;
}

/* /movie/ID?append_to_response=credits,reviews */
static void first_page_request(const struct movie_fetch *fetch, char path[64], struct query *q)
{
	snprintf(path, 64, "/movie/%lld", fetch->id);
	*q = (struct query){0};
	query_set(q, "append_to_response", "credits,reviews");
	query_set(q, "language", fetch->api->language);
}

static void submit_first_page(struct movie_fetch *fetch, bool conditional)
{
	char path[64];
	struct query q;
	first_page_request(fetch, path, &q);
	http_submit_checked(fetch->api->http, path, &q, conditional, check_movie_answer, fetch,
			    first_page_done, fetch);
}

/* After a 304 on a further review page round: all unchanged, or read the movie whole. */
static void check_page_done(struct http_result *result, void *context)
{
	struct page_request *request = context;
	struct movie_fetch *fetch = request->fetch;
	if (result->outcome == HTTP_OK)
		fetch->changed = true;
	else if (result->outcome != HTTP_NOT_MODIFIED)
		note_page_failure(fetch, request->page, result);
	free(request);
	if (--fetch->outstanding > 0)
		return;
	if (fetch->failed)
		finish_movie(fetch, &fetch->failure);
	else if (fetch->changed)
		submit_first_page(fetch, false);
	else
		finish_movie(fetch, &(struct http_result){.outcome = HTTP_NOT_MODIFIED, .status = 304});
}

/* The first page unchanged: ask about every further page the last sync saw. */
static void check_further_pages(struct movie_fetch *fetch)
{
	int known = 1;
	while (known < TMDB_MAX_PAGES && review_page_known(fetch, known + 1))
		known++;
	if (known == 1) {
		finish_movie(fetch, &(struct http_result){.outcome = HTTP_NOT_MODIFIED, .status = 304});
		return;
	}
	for (int page = 2; page <= known; page++)
		submit_review_page(fetch, page, true, check_page_done);
}

static void first_page_done(struct http_result *result, void *context)
{
	struct movie_fetch *fetch = context;
	if (result->outcome == HTTP_NOT_MODIFIED) {
		check_further_pages(fetch);
		return;
	}
	if (result->outcome != HTTP_OK) {
		finish_movie(fetch, result);
		return;
	}
	fetch->movie = result->json;
	result->json = NULL;
	if (fetch->api->sync) {
		char path[64];
		struct query q;
		json_decref(fetch->etags);
		if (!(fetch->etags = json_array()))
			die(EXIT_SOFTWARE, "out of memory");
		first_page_request(fetch, path, &q);
		append_etag(fetch->etags, etag_entry(fetch, path, &q, result));
	}
	/* checked: reviews has its results array and a count of pages */
	json_t *reviews = json_object_get(fetch->movie, "reviews");
	json_int_t pages = json_integer_value(json_object_get(reviews, "total_pages"));
	if (pages < 2) {
		merge_pages_and_finish(fetch);
		return;
	}
	fetch->total_pages = pages > TMDB_MAX_PAGES ? TMDB_MAX_PAGES : (int)pages;
	fetch->pages = calloc((size_t)fetch->total_pages + 1, sizeof *fetch->pages);
	fetch->page_etags = calloc((size_t)fetch->total_pages + 1, sizeof *fetch->page_etags);
	if (!fetch->pages || !fetch->page_etags)
		die(EXIT_SOFTWARE, "out of memory");
	for (int page = 2; page <= fetch->total_pages; page++)
		submit_review_page(fetch, page, false, review_page_done);
}

void tmdb_movie(struct tmdb *api, long long id, tmdb_done_fn *done, void *context)
{
	struct movie_fetch *fetch = calloc(1, sizeof *fetch);
	if (!fetch)
		die(EXIT_SOFTWARE, "out of memory");
	*fetch = (struct movie_fetch){.api = api, .id = id, .done = done, .context = context};
	submit_first_page(fetch, api->incremental);
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
