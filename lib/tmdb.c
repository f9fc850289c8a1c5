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
static int reject(struct buf *why, const char *format, ...)
{
	va_list args;
	va_start(args, format);
	buf_vprintf(why, format, args);
	va_end(args);
	return -1;
}

static bool has_array(const json_t *object, const char *name)
{
	return json_is_array(json_object_get(object, name));
}

/* An object about the asked id: a cache's answer for another movie would leave the
 * asked one silently missing. */
static int check_object_id(const json_t *body, long long id, struct buf *why)
{
	if (!json_is_object(body))
		return reject(why, "not an object");
	const json_t *found = json_object_get(body, "id");
	if (!json_is_integer(found) || json_integer_value(found) != id)
		return reject(why, "\"id\" is not %lld", id);
	return 0;
}

/* One person on its way: the id the answer must be about. */
struct person_fetch {
	long long id;
	tmdb_done_fn *done;
	void *context;
};

/* Both lists, even empty: a missing "crew" would read as a person who directed nothing. */
static int check_person_answer(const json_t *body, const void *asked, struct buf *why)
{
	const struct person_fetch *fetch = asked;
	if (check_object_id(body, fetch->id, why) < 0)
		return -1;
	if (!has_array(body, "cast"))
		return reject(why, "no \"cast\" array");
	if (!has_array(body, "crew"))
		return reject(why, "no \"crew\" array");
	return 0;
}

static void person_done(struct exchange_result *result, void *context)
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
	exchange_submit(api->exchange, path, &q, false, check_person_answer, fetch, person_done, fetch);
}

/* One request of a movie: page 1 is /movie/ID?append_to_response=credits,reviews (the
 * details, the credits and the first page of reviews), page N > 1 is /movie/ID/reviews?page=N. */
struct movie_page {
	struct movie_fetch *fetch;
	int number;
	json_t *results;	/* a further page's reviews, once it came */
	json_t *etag;		/* sync: its {request, etag}, so the ETags go out in page order
				   whatever order the pages came in */
};

/* Where a movie is in its life; movie_step moves it on. */
enum movie_state {
	MOVIE_NEW,		/* nothing asked yet */
	MOVIE_FIRST_PAGE,	/* page 1 is out: conditional on an incremental run's first try */
	MOVIE_CHECKING_PAGES,	/* page 1 was unchanged (304): the further pages the last sync
				   saw are out, conditional, in case a review came or went */
	MOVIE_REVIEW_PAGES,	/* page 1 came: pages 2..last_page are out */
};

/* One movie on its way, from its first request to the one result it ends with. */
struct movie_fetch {
	enum movie_state state;
	struct tmdb *api;
	long long id;
	tmdb_done_fn *done;
	void *context;
	struct movie_page first;	/* page 1 */
	struct movie_page *pages;	/* the current round's further pages, by number */
	int last_page;			/* the number of its last one */
	int outstanding;		/* requests of the current round still out */
	json_t *movie;			/* page 1's answer, once it came */
	json_t *etags;			/* sync: [{request, etag}] of the answers merged */
	bool changed;			/* checking: a further page came back with a body */
	bool failed;			/* a further page failed: the movie fails with it */
	struct exchange_result failure;
};

/* /movie/ID?append_to_response=credits,reviews */
static void first_page_request(const struct movie_fetch *fetch, char path[64], struct query *q)
{
	snprintf(path, 64, "/movie/%lld", fetch->id);
	*q = (struct query){0};
	query_set(q, "append_to_response", "credits,reviews");
	query_set(q, "language", fetch->api->language);
}

/* /movie/ID/reviews?page=N; number holds the page's text for the query. */
static void review_page_request(const struct movie_fetch *fetch, int page, char path[64],
				char number[16], struct query *q)
{
	snprintf(path, 64, "/movie/%lld/reviews", fetch->id);
	snprintf(number, 16, "%d", page);
	*q = (struct query){0};
	query_set(q, "language", fetch->api->language);
	query_set(q, "page", number);
}

/* What append_to_response=credits,reviews must bring, and the details' genres, lists
 * empty or not: a part missing or null would read downstream as "no cast, no reviews, no
 * genres" and delete what the warehouse holds (tmdb-shape refuses such a movie too). */
static int check_movie_answer(const json_t *body, const void *asked, struct buf *why)
{
	const struct movie_page *request = asked;
	if (check_object_id(body, request->fetch->id, why) < 0)
		return -1;
	const json_t *credits = json_object_get(body, "credits");
	const json_t *reviews = json_object_get(body, "reviews");
	if (!has_array(body, "genres"))
		return reject(why, "no \"genres\" array");
	if (!json_is_object(credits))
		return reject(why, "no \"credits\" object");
	if (!has_array(credits, "cast"))
		return reject(why, "no \"credits.cast\" array");
	if (!has_array(credits, "crew"))
		return reject(why, "no \"credits.crew\" array");
	if (!json_is_object(reviews))
		return reject(why, "no \"reviews\" object");
	if (!has_array(reviews, "results"))
		return reject(why, "no \"reviews.results\" array");
	const json_t *page = json_object_get(reviews, "page");
	if (!json_is_integer(page) || json_integer_value(page) != 1)
		return reject(why, "\"reviews.page\" is not 1");
	const json_t *total = json_object_get(reviews, "total_pages");
	if (!json_is_integer(total) || json_integer_value(total) < 0)
		return reject(why, "\"reviews.total_pages\" is not a count");
	return 0;
}

/* A further page of the asked movie's reviews, with its list: else the page's reviews
 * would be missing from the merged list without a word. */
static int check_review_page(const json_t *body, const void *asked, struct buf *why)
{
	const struct movie_page *request = asked;
	if (check_object_id(body, request->fetch->id, why) < 0)
		return -1;
	if (!has_array(body, "results"))
		return reject(why, "no \"results\" array");
	const json_t *page = json_object_get(body, "page");
	if (!json_is_integer(page) || json_integer_value(page) != request->number)
		return reject(why, "\"page\" is not %d", request->number);
	return 0;
}

static void movie_step(struct movie_fetch *fetch, int page, struct exchange_result *result);

/* Every answer of a movie goes to its step. */
static void movie_answered(struct exchange_result *result, void *context)
{
	struct movie_page *request = context;
	movie_step(request->fetch, request->number, result);
}

static void ask_first_page(struct movie_fetch *fetch, bool conditional)
{
	char path[64];
	struct query q;
	first_page_request(fetch, path, &q);
	fetch->first = (struct movie_page){.fetch = fetch, .number = 1};
	exchange_submit(fetch->api->exchange, path, &q, conditional, check_movie_answer,
			&fetch->first, movie_answered, &fetch->first);
}

static void free_pages(struct movie_fetch *fetch)
{
	for (int page = 2; fetch->pages && page <= fetch->last_page; page++) {
		json_decref(fetch->pages[page].results);
		json_decref(fetch->pages[page].etag);
	}
	free(fetch->pages);
	fetch->pages = NULL;
	fetch->last_page = 0;
}

/* A round: pages 2..last, all at once. */
static void ask_further_pages(struct movie_fetch *fetch, int last, bool conditional)
{
	free_pages(fetch);	/* the round before, all answered */
	if (!(fetch->pages = calloc((size_t)last + 1, sizeof *fetch->pages)))
		die(EXIT_SOFTWARE, "out of memory");
	fetch->last_page = last;
	for (int page = 2; page <= last; page++) {
		char path[64], number[16];
		struct query q;
		review_page_request(fetch, page, path, number, &q);
		fetch->pages[page] = (struct movie_page){.fetch = fetch, .number = page};
		fetch->outstanding++;
		exchange_submit(fetch->api->exchange, path, &q, conditional, check_review_page,
				&fetch->pages[page], movie_answered, &fetch->pages[page]);
	}
}

/* How many pages of reviews the last sync saw: page 1 and those further ones it has an
 * ETag for. */
static int known_pages(const struct movie_fetch *fetch)
{
	int known = 1;
	for (; known < TMDB_MAX_PAGES; known++) {
		char path[64], number[16];
		struct query q;
		review_page_request(fetch, known + 1, path, number, &q);
		if (!exchange_known(fetch->api->exchange, path, &q))
			break;
	}
	return known;
}

/* Sync: {request, etag, fetched_at}, the ETag an answer came with under the key the
 * state knows the request by, and when it came; NULL when not syncing or there is none
 * to keep. */
static json_t *etag_entry(const struct movie_fetch *fetch, const struct exchange_result *result)
{
	if (!fetch->api->sync || !result->etag[0])
		return NULL;
	/* An ETag that is not UTF-8 (HTTP allows Latin-1) is not kept, as in the state. */
	return json_pack("{s s, s s, s s}", "request", result->request, "etag", result->etag,
			 "fetched_at", result->fetched_at);
}

static void append_etag(json_t *etags, json_t *entry)
{
	if (entry && json_array_append_new(etags, entry) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

/* Page 1 came: keeps the movie and returns how many pages of reviews it has. */
static int keep_first_page(struct movie_fetch *fetch, struct exchange_result *result)
{
	fetch->movie = result->json;
	result->json = NULL;
	if (fetch->api->sync) {
		json_decref(fetch->etags);
		if (!(fetch->etags = json_array()))
			die(EXIT_SOFTWARE, "out of memory");
		append_etag(fetch->etags, etag_entry(fetch, result));
	}
	/* checked: reviews has its results array and a count of pages */
	json_t *reviews = json_object_get(fetch->movie, "reviews");
	json_int_t pages = json_integer_value(json_object_get(reviews, "total_pages"));
	return pages > TMDB_MAX_PAGES ? TMDB_MAX_PAGES : (int)pages;
}

static void keep_further_page(struct movie_fetch *fetch, int page,
			      const struct exchange_result *result)
{
	/* checked: it has its results array */
	fetch->pages[page].results = json_incref(json_object_get(result->json, "results"));
	fetch->pages[page].etag = etag_entry(fetch, result);
}

/* Keeps the first failure of a round, named after the page that failed. */
static void note_page_failure(struct movie_fetch *fetch, int page,
			      const struct exchange_result *result)
{
	if (fetch->failed)
		return;
	fetch->failed = true;
	fetch->failure = (struct exchange_result){
		.outcome = result->outcome == EXCHANGE_DENIED ||
			   result->outcome == EXCHANGE_NOT_RECORDED ? result->outcome : EXCHANGE_FAILED,
		.status = result->status,
		.etag = "",
	};
	buf_printf(&fetch->failure.message, "reviews page %d: %s", page,
		   result->message.data ? result->message.data : "");
}

/* The movie with every further page's reviews, and in a sync its ETags, in page order. */
static json_t *merge_pages(struct movie_fetch *fetch)
{
	json_t *results = json_object_get(json_object_get(fetch->movie, "reviews"), "results");
	for (int page = 2; page <= fetch->last_page; page++) {
		json_array_extend(results, fetch->pages[page].results);
		append_etag(fetch->etags, fetch->pages[page].etag);
		fetch->pages[page].etag = NULL;
	}
	if (fetch->api->sync &&
	    json_object_set_new(fetch->movie, "_sync", json_pack("{s O}", "etags", fetch->etags)) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	json_t *movie = fetch->movie;
	fetch->movie = NULL;
	return movie;
}

static void movie_fetch_free(struct movie_fetch *fetch)
{
	free_pages(fetch);
	json_decref(fetch->movie);
	json_decref(fetch->etags);
	buf_free(&fetch->failure.message);
	free(fetch);
}

/* The movie's one result is handed over, and its life ends. */
static void movie_finish(struct movie_fetch *fetch, struct exchange_result *result)
{
	fetch->done(result, fetch->context);
	movie_fetch_free(fetch);
}

/* Ends with a result of the movie's own: the merged movie, or unchanged. */
static void movie_finish_with(struct movie_fetch *fetch, enum exchange_outcome outcome,
			      json_t *movie)
{
	struct exchange_result result = {.outcome = outcome, .json = movie, .etag = "",
					 .status = outcome == EXCHANGE_OK ? 200 :
						   outcome == EXCHANGE_NOT_MODIFIED ? 304 : 0};
	movie_finish(fetch, &result);
	json_decref(result.json);
	buf_free(&result.message);
}

/* Whether the previous state says page 1 was answered since the run's fresh_since: the
 * movie then was fetched by an earlier run that the destination committed. */
static bool is_fresh(const struct movie_fetch *fetch)
{
	char path[64];
	struct query q;
	if (!fetch->api->skip_fresh)
		return false;
	first_page_request(fetch, path, &q);
	return exchange_answered_since(fetch->api->exchange, path, &q, fetch->api->fresh_since);
}

/* A fresh movie is not asked: the next state keeps what the previous one had of its
 * page 1 and of the further pages it knew. */
static void carry_over_pages(struct movie_fetch *fetch)
{
	char path[64], number[16];
	struct query q;
	first_page_request(fetch, path, &q);
	exchange_carry_over(fetch->api->exchange, path, &q);
	for (int page = 2, known = known_pages(fetch); page <= known; page++) {
		review_page_request(fetch, page, path, number, &q);
		exchange_carry_over(fetch->api->exchange, path, &q);
	}
}

/* A movie's whole life, one answer at a time (page says which: 1, or a further page of
 * reviews); it starts with no answer, and ends in movie_finish. */
static void movie_step(struct movie_fetch *fetch, int page, struct exchange_result *result)
{
	switch (fetch->state) {
	case MOVIE_NEW:
		if (is_fresh(fetch)) {
			carry_over_pages(fetch);
			movie_finish_with(fetch, EXCHANGE_FRESH, NULL);
			return;
		}
		ask_first_page(fetch, fetch->api->incremental);
		fetch->state = MOVIE_FIRST_PAGE;
		return;

	case MOVIE_FIRST_PAGE:
		if (result->outcome == EXCHANGE_NOT_MODIFIED) {
			/* Unchanged, as far as page 1 of the reviews goes: ask about every
			 * further page the last sync saw. */
			int known = known_pages(fetch);
			if (known == 1) {
				movie_finish_with(fetch, EXCHANGE_NOT_MODIFIED, NULL);
				return;
			}
			ask_further_pages(fetch, known, true);
			fetch->state = MOVIE_CHECKING_PAGES;
		} else if (result->outcome != EXCHANGE_OK) {
			movie_finish(fetch, result);
		} else {
			int pages = keep_first_page(fetch, result);
			if (pages < 2) {
				movie_finish_with(fetch, EXCHANGE_OK, merge_pages(fetch));
				return;
			}
			ask_further_pages(fetch, pages, false);
			fetch->state = MOVIE_REVIEW_PAGES;
		}
		return;

	case MOVIE_CHECKING_PAGES:
		if (result->outcome == EXCHANGE_OK)
			fetch->changed = true;
		else if (result->outcome != EXCHANGE_NOT_MODIFIED)
			note_page_failure(fetch, page, result);
		if (--fetch->outstanding > 0)
			return;
		if (fetch->failed) {
			movie_finish(fetch, &fetch->failure);
		} else if (fetch->changed) {
			/* A review came or went: read the movie whole. */
			ask_first_page(fetch, false);
			fetch->state = MOVIE_FIRST_PAGE;
		} else {
			movie_finish_with(fetch, EXCHANGE_NOT_MODIFIED, NULL);
		}
		return;

	case MOVIE_REVIEW_PAGES:
		if (result->outcome == EXCHANGE_OK)
			keep_further_page(fetch, page, result);
		else
			note_page_failure(fetch, page, result);
		if (--fetch->outstanding > 0)
			return;
		if (fetch->failed)
			movie_finish(fetch, &fetch->failure);
		else
			movie_finish_with(fetch, EXCHANGE_OK, merge_pages(fetch));
		return;
	}
}

void tmdb_movie(struct tmdb *api, long long id, tmdb_done_fn *done, void *context)
{
	struct movie_fetch *fetch = calloc(1, sizeof *fetch);
	if (!fetch)
		die(EXIT_SOFTWARE, "out of memory");
	*fetch = (struct movie_fetch){.state = MOVIE_NEW, .api = api, .id = id, .done = done,
				      .context = context};
	movie_step(fetch, 0, NULL);
}

void tmdb_search_person(struct tmdb *api, const char *name, int page,
			struct exchange_result *result)
{
	char number[16];
	struct query q = {0};
	snprintf(number, sizeof number, "%d", page);
	query_set(&q, "query", name);
	query_set(&q, "include_adult", "false");
	query_set(&q, "language", api->language);
	query_set(&q, "page", number);
	exchange_get(api->exchange, "/search/person", &q, result);
}
