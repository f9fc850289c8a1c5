#include "exchange.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "record.h"
#include "utc.h"
#include "xalloc.h"

struct exchange {
	struct exchange_options options;
	struct http_client *http;	/* NULL when replaying */
	struct exchange_call *replays;	/* replaying: asked, not answered yet, in order */
	struct exchange_call **replays_end;
};

/* One request on its way. */
struct exchange_call {
	struct exchange *exchange;
	char *request;			/* path?sorted-query: the state's key, and the name in messages */
	char *path;			/* recording or replaying: the request, which names its file */
	struct query query;		/* the same, with owned copies of the names and values */
	const char *etag_sent;		/* If-None-Match, or NULL */
	exchange_check_fn *check;	/* replaying: the judge of a recorded body */
	const void *asked;
	exchange_done_fn *done;
	void *context;
	struct exchange_call *next;	/* among the replays */
};

struct exchange *exchange_new(const struct exchange_options *options)
{
	struct exchange *exchange = calloc(1, sizeof *exchange);
	if (!exchange)
		return NULL;
	exchange->options = *options;
	exchange->replays_end = &exchange->replays;
	if (!options->replay_dir && !(exchange->http = http_client_new(&options->http))) {
		free(exchange);
		return NULL;
	}
	return exchange;
}

void exchange_free(struct exchange *exchange)
{
	if (!exchange)
		return;
	http_client_free(exchange->http);
	free(exchange);
}

long exchange_request_count(const struct exchange *exchange)
{
	return exchange->http ? http_request_count(exchange->http) : 0;
}

long exchange_retry_count(const struct exchange *exchange)
{
	return exchange->http ? http_retry_count(exchange->http) : 0;
}

static char *request_key(const char *path, const struct query *q)
{
	struct buf key = {0};
	query_request_key(&key, path, q);
	return key.data;
}

bool exchange_known(const struct exchange *exchange, const char *path, const struct query *q)
{
	if (!exchange->options.previous)
		return false;
	char *key = request_key(path, q);
	bool known = state_etag(exchange->options.previous, key) != NULL;
	free(key);
	return known;
}

bool exchange_answered_since(const struct exchange *exchange, const char *path,
			     const struct query *q, time_t since)
{
	if (!exchange->options.previous)
		return false;
	char *key = request_key(path, q);
	const char *fetched = state_fetched(exchange->options.previous, key);
	time_t when;
	bool fresh = fetched && utc_parse(fetched, &when) == 0 && when >= since;
	free(key);
	return fresh;
}

void exchange_carry_over(struct exchange *exchange, const char *path, const struct query *q)
{
	const struct state *previous = exchange->options.previous;
	struct state *next = exchange->options.next;
	if (!previous || !next)
		return;
	char *key = request_key(path, q);
	const char *etag = state_etag(previous, key), *fetched = state_fetched(previous, key);
	if (etag)
		state_set_etag(next, key, etag, fetched);
	free(key);
}

/* The time an answer that came now is stamped with. */
static void stamp_now(const struct exchange *exchange, char when[UTC_TEXT_SIZE])
{
	time_t (*clock)(void) = exchange->options.wall_clock;
	utc_format(clock ? clock() : time(NULL), when);
}

static void call_free(struct exchange_call *call)
{
	free(call->request);
	free(call->path);
	query_free(&call->query);
	free(call);
}

/* The ETag the next sync will ask about: the new one, or the old one when unchanged;
 * and when it was answered. */
static void remember_etag(const struct exchange_call *call, const struct exchange_result *result)
{
	struct state *next = call->exchange->options.next;
	const char *etag = result->outcome == EXCHANGE_NOT_MODIFIED ? call->etag_sent :
			   result->outcome == EXCHANGE_OK && result->etag[0] ? result->etag : NULL;
	if (next && etag)
		state_set_etag(next, call->request, etag, result->fetched_at);
}

static void save_recording(const struct exchange_call *call, const struct exchange_result *result,
			   const struct buf *body)
{
	const char *dir = call->exchange->options.record_dir;
	if (!dir || (result->outcome != EXCHANGE_OK && result->outcome != EXCHANGE_NOT_FOUND))
		return;
	if (record_save(dir, call->path, &call->query, result->status, body) < 0)
		die(EXIT_CANTCREAT, "%s: cannot record %s: %s", dir, call->path, strerror(errno));
}

/* Hands the final answer over, and frees what the callback left of it. */
static void finish(struct exchange_call *call, struct exchange_result *result)
{
	call->done(result, call->context);
	json_decref(result->json);
	buf_free(&result->message);
	call_free(call);
}

static enum exchange_outcome outcome_of(enum http_outcome outcome)
{
	switch (outcome) {
	case HTTP_OK: return EXCHANGE_OK;
	case HTTP_NOT_FOUND: return EXCHANGE_NOT_FOUND;
	case HTTP_DENIED: return EXCHANGE_DENIED;
	case HTTP_NOT_MODIFIED: return EXCHANGE_NOT_MODIFIED;
	case HTTP_FAILED: break;
	}
	return EXCHANGE_FAILED;
}

/* The transport's final answer to a request. */
static void answered(struct http_result *answer, void *context)
{
	struct exchange_call *call = context;
	char now[UTC_TEXT_SIZE];
	stamp_now(call->exchange, now);
	struct exchange_result result = {
		.outcome = outcome_of(answer->outcome),
		.status = answer->status,
		.json = answer->json,
		.message = answer->message,
		.request = call->request,
		.etag = answer->etag,
		.fetched_at = now,
	};
	answer->json = NULL;
	answer->message = (struct buf){0};
	remember_etag(call, &result);
	save_recording(call, &result, answer->body);
	finish(call, &result);
}

/* The answer the recording holds, read as the transport reads one from the network. */
static void replay(struct exchange_call *call)
{
	const char *dir = call->exchange->options.replay_dir;
	struct buf body = {0};
	char now[UTC_TEXT_SIZE];
	stamp_now(call->exchange, now);
	struct exchange_result result = {.outcome = EXCHANGE_FAILED, .request = call->request,
					 .etag = "", .fetched_at = now};
	if (record_load(dir, call->path, &call->query, &result.status, &body) < 0) {
		if (errno == ENOENT) {
			result.outcome = EXCHANGE_NOT_RECORDED;
			buf_printf(&result.message, "not recorded in %s: %s", dir,
					    call->request);
		} else {
			buf_printf(&result.message, "%s: %s", dir, strerror(errno));
		}
	} else if (result.status == 404) {
		struct http_result answer;
		http_classify(404, &body, NULL, NULL, &answer);
		result.outcome = EXCHANGE_NOT_FOUND;
		result.message = answer.message;
	} else {
		json_error_t error;
		struct buf why = {0};
		result.json = json_loadb(body.data ? body.data : "", body.len, 0, &error);
		if (!result.json) {
			buf_printf(&result.message, "%s: recorded response is not valid JSON (at byte %d)", dir,
					    error.position);
		} else if (call->check && call->check(result.json, call->asked, &why) < 0) {
			json_decref(result.json);
			result.json = NULL;
			buf_printf(&result.message, "%s: invalid recorded response: %s", dir, why.data);
		} else {
			result.outcome = EXCHANGE_OK;
		}
		buf_free(&why);
	}
	buf_free(&body);
	finish(call, &result);
}

void exchange_submit(struct exchange *exchange, const char *path, const struct query *q,
		     bool conditional, exchange_check_fn *check, const void *asked,
		     exchange_done_fn *done, void *context)
{
	const struct exchange_options *o = &exchange->options;
	struct exchange_call *call = xcalloc(1, sizeof *call);
	*call = (struct exchange_call){.exchange = exchange, .request = request_key(path, q),
				       .done = done, .context = context};
	if (o->record_dir || o->replay_dir) {
		call->path = xstrdup(path);
		query_copy(&call->query, q);
	}
	if (o->replay_dir) {
		call->check = check;
		call->asked = asked;
		*exchange->replays_end = call;
		exchange->replays_end = &call->next;
		return;
	}
	struct buf if_none_match = {0};
	const char *headers[2] = {NULL, NULL};
	if (conditional && o->previous && (call->etag_sent = state_etag(o->previous, call->request))) {
		buf_printf(&if_none_match, "If-None-Match: %s", call->etag_sent);
		headers[0] = if_none_match.data;
	}
	http_submit(exchange->http, path, q, headers, check, asked, answered, call);
	buf_free(&if_none_match);
}

bool exchange_run(struct exchange *exchange)
{
	if (exchange->http)
		return http_run(exchange->http);
	/* Replaying: every answer is at hand, and those asked meanwhile are answered too. */
	while (exchange->replays) {
		struct exchange_call *call = exchange->replays;
		if (!(exchange->replays = call->next))
			exchange->replays_end = &exchange->replays;
		replay(call);
	}
	return false;
}

struct blocking_call {
	struct exchange_result *result;
	bool done;
};

static void keep_result(struct exchange_result *result, void *context)
{
	struct blocking_call *call = context;
	*call->result = *result;
	call->result->request = NULL;
	call->result->etag = NULL;
	call->result->fetched_at = NULL;
	result->json = NULL;	/* handed to the caller, as the message is */
	result->message = (struct buf){0};
	call->done = true;
}

void exchange_get(struct exchange *exchange, const char *path, const struct query *q,
		  struct exchange_result *result)
{
	struct blocking_call call = {result, false};
	exchange_submit(exchange, path, q, false, NULL, NULL, keep_result, &call);
	while (!call.done && exchange_run(exchange))
		;
}
