/* The transport: GET requests to an HTTP API, many in flight over reused (HTTP/2
 * multiplexed where offered) connections, at most `jobs` at once and `rate` a second,
 * retried when the answer is worth another try, each answer sorted into an outcome.
 * What to ask (a conditional request, say) and what to keep of an answer is the caller's:
 * lib/exchange.c. */
#ifndef TMDB_HTTP_H
#define TMDB_HTTP_H

#include <stdbool.h>
#include <jansson.h>

#include "buf.h"
#include "cred.h"
#include "query.h"
#include "rate_file.h"

struct http_options {
	const char *base_url;		/* e.g. https://api.themoviedb.org/3 */
	const struct credential *cred;
	const char *user_agent;
	long timeout_s;			/* bounds one attempt */
	int retries;
	int jobs;			/* requests in flight at most */
	double rate;			/* requests started per second at most */
	struct rate_file *rate_file;	/* the rate's bucket shared with other processes
					   (lib/rate_file.h), or NULL for one of our own */
	double (*clock)(void);		/* monotonic seconds for the rate and the backoff, or
					   NULL for CLOCK_MONOTONIC (a test's may jump ahead;
					   with a rate_file it must be the host's) */
};

enum http_outcome {
	HTTP_OK,		/* 200 with a JSON body */
	HTTP_NOT_FOUND,		/* 404 */
	HTTP_DENIED,		/* 401: the credentials were refused */
	HTTP_NOT_MODIFIED,	/* 304: unchanged since the ETag asked about */
	HTTP_FAILED,		/* anything else, after every retry */
};

/* One request's final answer, handed to its callback; the transport frees what the
 * callback leaves in it. */
struct http_result {
	enum http_outcome outcome;
	long status;		/* last HTTP status, 0 when none arrived */
	json_t *json;		/* the parsed body when HTTP_OK; take it (set it to NULL) to keep it */
	struct buf message;	/* why, when not HTTP_OK or HTTP_NOT_MODIFIED; TMDB's
				   status_message if it sent one; take it (zero it) to keep it */
	const char *etag;	/* the response's ETag, "" when it had none; valid during the call */
	const struct buf *body;	/* the body as it came; valid during the call */
};

struct http_client;

struct http_client *http_client_new(const struct http_options *options);
void http_client_free(struct http_client *client);

/* Called once per request with its final result. */
typedef void http_done_fn(struct http_result *result, void *context);

/* Whether a 200's parsed body is the answer to what was asked (`asked`, the caller's):
 * 0 if so, else -1 with why filled in, e.g. no "credits" object. */
typedef int http_check_fn(const json_t *body, const void *asked, struct buf *why);

/* Queues a GET of base_url + path with the query (the credential is added here only),
 * with the client's headers and `headers` ("Name: value" lines, NULL-terminated; NULL
 * for none). With a check, a 200 whose body it rejects is an invalid answer: retried
 * like a body that is not JSON, and HTTP_FAILED once the retries are spent. */
void http_submit(struct http_client *client, const char *path, const struct query *q,
		 const char *const *headers, http_check_fn *check, const void *asked,
		 http_done_fn *done, void *context);

/* Starts what may start, waits a little for progress, and calls the callbacks of the
 * requests that finished. Returns false once nothing is queued or in flight. */
bool http_run(struct http_client *client);

/* How many requests went out, and how many of those were retries. */
long http_request_count(const struct http_client *client);
long http_retry_count(const struct http_client *client);

/* The parts of the transport that read what a server sent. */

/* A header line as libcurl hands it over (n bytes, not NUL-terminated, its line end
 * included): when it is "ETag: VALUE" and VALUE, trimmed, fits in etag_size, copies
 * VALUE into etag and returns true; else leaves etag as it was. */
bool http_header_etag(const char *line, size_t n, char *etag, size_t etag_size);

/* Sorts a complete answer (its status and body) into result's outcome, json and
 * message, the check judging a 200's body as http_submit says. Returns 1 when the
 * answer is worth another try. result->etag and result->body are left to the caller. */
int http_classify(long status, const struct buf *body, http_check_fn *check, const void *asked,
		  struct http_result *result);

#endif
