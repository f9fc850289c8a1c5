/* GET requests to the TMDB API: many in flight over reused (HTTP/2 multiplexed where
 * offered) connections, at most `jobs` at once and `rate` a second, with retries,
 * ETag bookkeeping, recording and replay. */
#ifndef TMDB_HTTP_H
#define TMDB_HTTP_H

#include <stdbool.h>
#include <jansson.h>

#include "cred.h"
#include "query.h"
#include "state.h"

struct http_options {
	const char *base_url;		/* e.g. https://api.themoviedb.org/3 */
	const struct credential *cred;	/* NULL when replaying */
	const char *user_agent;
	long timeout_s;			/* bounds one attempt */
	int retries;
	int jobs;			/* requests in flight at most */
	double rate;			/* requests started per second at most */
	const char *record_dir;		/* save every final response here, or NULL */
	const char *replay_dir;		/* answer from here with no network, or NULL */
	const struct state *previous;	/* ETags of the last sync, or NULL */
	struct state *next;		/* ETags for the next sync, or NULL */
};

enum http_outcome {
	HTTP_OK,		/* 200 with a JSON body */
	HTTP_NOT_FOUND,		/* 404 */
	HTTP_DENIED,		/* 401: the credentials were refused */
	HTTP_NOT_MODIFIED,	/* 304: unchanged since the ETag asked about */
	HTTP_FAILED,		/* anything else, after every retry */
	HTTP_NOT_RECORDED,	/* --replay: the folder holds no answer to it */
};

struct http_result {
	enum http_outcome outcome;
	long status;		/* last HTTP status, 0 when none arrived */
	json_t *json;		/* the parsed body when HTTP_OK; the callee owns it */
	char message[512];	/* why, when not HTTP_OK; TMDB's status_message if it sent one */
	char etag[160];		/* the response's ETag, "" when it had none */
};

struct http_client;

struct http_client *http_client_new(const struct http_options *options);
void http_client_free(struct http_client *client);

/* Called once per request with its final result; take result->json (set it to NULL)
 * to keep it, else it is freed after the call. */
typedef void http_done_fn(struct http_result *result, void *context);

/* Queues a GET of base_url + path with the query (the credential is added here only).
 * With `conditional`, a request the previous state knows carries If-None-Match. */
void http_submit(struct http_client *client, const char *path, const struct query *q,
		 bool conditional, http_done_fn *done, void *context);

/* Whether a 200's parsed body is the answer to what was asked (`asked`, the caller's):
 * 0 if so, else -1 with why filled in, e.g. no "credits" object. */
typedef int http_check_fn(const json_t *body, const void *asked, char *why, size_t why_size);

/* http_submit, and a body check rejects is an invalid response: retried like a body
 * that is not JSON, and HTTP_FAILED once the retries are spent. */
void http_submit_checked(struct http_client *client, const char *path, const struct query *q,
			 bool conditional, http_check_fn *check, const void *asked,
			 http_done_fn *done, void *context);

/* Starts what may start, waits a little for progress, and calls the callbacks of the
 * requests that finished. Returns false once nothing is queued or in flight. */
bool http_run(struct http_client *client);

/* Submits one request and runs until it is done. */
void http_get(struct http_client *client, const char *path, const struct query *q,
	      struct http_result *result);

/* Whether the previous state has an ETag for this request. */
bool http_known(const struct http_client *client, const char *path, const struct query *q);

/* How many requests went to the network (not to a recording), and how many of those
 * were retries. */
long http_request_count(const struct http_client *client);
long http_retry_count(const struct http_client *client);

#endif
