/* The exchanges with the API: what a request means beyond its transport (lib/http.c),
 * for the endpoints (lib/tmdb.c) above.
 *   - Conditional requests: a request the previous sync's state has an ETag for may ask
 *     "changed since?" (If-None-Match); the ETag each answer comes with, or the one a 304
 *     confirmed, goes into the state for the next sync with the time it was answered.
 *   - Freshness: whether the previous state says a request was answered since a time,
 *     so a resumed run need not ask it again.
 *   - Recording: every final answer, a 200 or a 404, is saved in a folder (lib/record.c).
 *   - Replay: every request is answered from such a folder, with no network. */
#ifndef TMDB_EXCHANGE_H
#define TMDB_EXCHANGE_H

#include <stdbool.h>
#include <time.h>
#include <jansson.h>

#include "buf.h"
#include "http.h"
#include "query.h"
#include "state.h"

struct exchange_options {
	struct http_options http;	/* the transport; not set up when replaying */
	const char *record_dir;		/* save every final answer here, or NULL */
	const char *replay_dir;		/* answer from here with no network, or NULL */
	const struct state *previous;	/* ETags of the last sync, or NULL */
	struct state *next;		/* ETags for the next sync, or NULL */
	time_t (*wall_clock)(void);	/* UTC seconds answers are stamped with, or NULL for
					   time(2) (a test's may stand still) */
};

enum exchange_outcome {
	EXCHANGE_OK,		/* 200 with a JSON body */
	EXCHANGE_NOT_FOUND,	/* 404 */
	EXCHANGE_DENIED,	/* 401: the credentials were refused */
	EXCHANGE_NOT_MODIFIED,	/* 304: unchanged since the ETag asked about */
	EXCHANGE_FAILED,	/* anything else, after every retry */
	EXCHANGE_NOT_RECORDED,	/* replaying: the folder holds no answer to it */
	EXCHANGE_FRESH,		/* not asked: the previous state says it was answered since
				   the time the run was told (lib/tmdb.c decides, for movies) */
};

/* One request's final answer, handed to its callback; what the callback leaves in it is
 * freed after the call. */
struct exchange_result {
	enum exchange_outcome outcome;
	long status;		/* last HTTP status, 0 when none arrived */
	json_t *json;		/* the parsed body when EXCHANGE_OK; take it (set it to NULL) to keep it */
	struct buf message;	/* why, when not EXCHANGE_OK or EXCHANGE_NOT_MODIFIED; take it
				   (zero it) to keep it */
	const char *request;	/* path?sorted-query, no credential, as the state knows the
				   request; valid during the call */
	const char *etag;	/* the answer's ETag, "" when it had none; valid during the call */
	const char *fetched_at;	/* when the answer came, "YYYY-MM-DDTHH:MM:SSZ" (lib/utc.h);
				   valid during the call */
};

struct exchange;

/* NULL when the transport cannot be set up. */
struct exchange *exchange_new(const struct exchange_options *options);
void exchange_free(struct exchange *exchange);

typedef void exchange_done_fn(struct exchange_result *result, void *context);

/* The transport's answer check (lib/http.h): a body it rejects is an invalid answer,
 * retried, and EXCHANGE_FAILED once the retries are spent. */
typedef http_check_fn exchange_check_fn;

/* Queues a GET of path with the query; check may be NULL (any JSON will do). With
 * `conditional`, a request the previous state knows asks "changed since?". done is
 * called once, from exchange_run. */
void exchange_submit(struct exchange *exchange, const char *path, const struct query *q,
		     bool conditional, exchange_check_fn *check, const void *asked,
		     exchange_done_fn *done, void *context);

/* Moves the queued requests on and calls the callbacks of those answered. Returns
 * false once nothing is queued or in flight. */
bool exchange_run(struct exchange *exchange);

/* Submits one request and runs until it is answered; result then holds the answer, its
 * json and message the caller's (request and etag NULL). */
void exchange_get(struct exchange *exchange, const char *path, const struct query *q,
		  struct exchange_result *result);

/* Whether the previous state has an ETag for this request. */
bool exchange_known(const struct exchange *exchange, const char *path, const struct query *q);

/* Whether the previous state says this request was answered at or after since. */
bool exchange_answered_since(const struct exchange *exchange, const char *path,
			     const struct query *q, time_t since);

/* A request not asked this time: the next state keeps what the previous one had of it
 * (its ETag and time), so it is not lost for the sync after. */
void exchange_carry_over(struct exchange *exchange, const char *path, const struct query *q);

/* How many requests went to the network (not to a recording), and how many of those
 * were retries. */
long exchange_request_count(const struct exchange *exchange);
long exchange_retry_count(const struct exchange *exchange);

#endif
