#include "http.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "record.h"
#include "retry.h"

/* A body larger than this is not a TMDB response; stop before memory runs out. */
#define MAX_BODY_BYTES (256L * 1024 * 1024)

struct http_request {
	struct http_client *client;
	char *path;
	struct query query;		/* owned copies of the names and values */
	char *key;			/* path?sorted-query, no credential: state and logs */
	char *url;			/* holds the API key: zeroed before it is freed */
	const char *etag_sent;		/* If-None-Match, or NULL */
	struct curl_slist *headers;	/* the client's plus If-None-Match, or NULL */
	CURL *easy;
	struct buf body;
	char etag[160];
	char curl_error[CURL_ERROR_SIZE];
	int retries_done;
	double due;			/* monotonic seconds when it may (re)start */
	http_check_fn *check;		/* is a 200's body what was asked? NULL: any JSON is */
	const void *asked;
	http_done_fn *done;
	void *context;
	struct http_request *next;	/* in the waiting queue */
};

struct http_client {
	struct http_options options;
	struct retry_policy retry;
	CURLM *multi;			/* its connection cache keeps connections alive */
	struct curl_slist *headers;
	struct http_request *waiting;	/* queued or backing off, in submission order */
	int in_flight;
	double tokens;			/* the rate limit's bucket */
	double refilled_at;
	long requests;
	long retries;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* One second's worth of requests may go at once; after that, `rate` a second. */
static double bucket_size(const struct http_client *client)
{
	return client->options.rate > 1 ? client->options.rate : 1;
}

static void refill_tokens(struct http_client *client, double now)
{
	client->tokens += (now - client->refilled_at) * client->options.rate;
	if (client->tokens > bucket_size(client))
		client->tokens = bucket_size(client);
	client->refilled_at = now;
}

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
	struct buf *body = userdata;
	size_t n = size * count;
	if (body->len + n > MAX_BODY_BYTES || buf_append(body, data, n) < 0)
		return 0;	/* makes libcurl fail the transfer with CURLE_WRITE_ERROR */
	return n;
}

static size_t collect_etag(char *data, size_t size, size_t count, void *userdata)
{
	struct http_request *request = userdata;
	size_t n = size * count;
	if (n > 5 && strncasecmp(data, "etag:", 5) == 0) {
		size_t start = 5 + strspn(data + 5, " \t");
		size_t len = n > start ? n - start : 0;
		while (len && strchr("\r\n ", data[start + len - 1]))
			len--;
		if (len < sizeof request->etag) {
			memcpy(request->etag, data + start, len);
			request->etag[len] = '\0';
		}
	}
	return n;
}

/* -vvv shows the headers each way, with the credential masked. */
static int trace_headers(CURL *curl, curl_infotype type, char *data, size_t size, void *userdata)
{
	(void)curl;
	(void)userdata;
	if (type != CURLINFO_HEADER_OUT && type != CURLINFO_HEADER_IN)
		return 0;
	char *text = strndup(data, size);
	char *masked = text ? mask_credentials(text) : NULL;
	free(text);
	if (!masked)
		return 0;
	const char *arrow = type == CURLINFO_HEADER_OUT ? ">" : "<";
	for (char *line = strtok(masked, "\r\n"); line; line = strtok(NULL, "\r\n"))
		log_debug(3, "%s %s", arrow, line);
	free(masked);
	return 0;
}

static int build_client_headers(struct http_client *client)
{
	const struct credential *cred = client->options.cred;
	if (cred && cred->kind == CRED_BEARER) {
		struct buf auth = {0};
		if (buf_printf(&auth, "Authorization: Bearer %s", cred->secret) < 0)
			return -1;
		client->headers = curl_slist_append(client->headers, auth.data);
		memset(auth.data, 0, auth.len);
		buf_free(&auth);
	}
	client->headers = curl_slist_append(client->headers, "Accept: application/json");
	return client->headers ? 0 : -1;
}

struct http_client *http_client_new(const struct http_options *options)
{
	struct http_client *client = calloc(1, sizeof *client);
	if (!client)
		return NULL;
	client->options = *options;
	if (client->options.jobs < 1)
		client->options.jobs = 1;
	retry_policy_init(&client->retry, options->retries);
	client->refilled_at = now_seconds();
	client->tokens = bucket_size(client);
	if (options->replay_dir)
		return client;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(client->multi = curl_multi_init()) ||
	    build_client_headers(client) < 0) {
		http_client_free(client);
		return NULL;
	}
	CURLMcode failed = curl_multi_setopt(client->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
					     (long)client->options.jobs);
	failed |= curl_multi_setopt(client->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
	if (failed) {
		http_client_free(client);
		return NULL;
	}
	return client;
}

void http_client_free(struct http_client *client)
{
	if (!client)
		return;
	if (client->multi) {
		curl_multi_cleanup(client->multi);
		curl_global_cleanup();
	}
	curl_slist_free_all(client->headers);
	free(client);
}

long http_request_count(const struct http_client *client) { return client->requests; }
long http_retry_count(const struct http_client *client) { return client->retries; }

static void request_free(struct http_request *request)
{
	for (size_t i = 0; i < request->query.count; i++) {
		free((char *)request->query.params[i].name);
		free((char *)request->query.params[i].value);
	}
	if (request->url) {
		memset(request->url, 0, strlen(request->url));
		free(request->url);
	}
	if (request->easy)
		curl_easy_cleanup(request->easy);
	curl_slist_free_all(request->headers);
	buf_free(&request->body);
	free(request->path);
	free(request->key);
	free(request);
}

/* base_url + path + ?query, with the API key last; NULL when memory runs out. */
static char *build_url(const struct http_client *client, const struct http_request *request)
{
	struct buf url = {0};
	const struct credential *cred = client->options.cred;
	const struct query *q = &request->query;
	int failed = buf_puts(&url, client->options.base_url) || buf_puts(&url, request->path);
	for (size_t i = 0; i <= q->count && !failed; i++) {
		int is_key = i == q->count;
		if (is_key && !(cred && cred->kind == CRED_API_KEY))
			break;
		char *escaped = curl_easy_escape(NULL, is_key ? cred->secret : q->params[i].value, 0);
		failed = !escaped || buf_printf(&url, "%c%s=%s", i ? '&' : '?',
						is_key ? "api_key" : q->params[i].name, escaped);
		curl_free(escaped);
	}
	if (failed) {
		buf_free(&url);
		return NULL;
	}
	return url.data;
}

static struct curl_slist *conditional_headers(const struct http_client *client, const char *etag)
{
	struct curl_slist *list = NULL;
	for (const struct curl_slist *h = client->headers; h; h = h->next)
		if (!(list = curl_slist_append(list, h->data)))
			return NULL;
	struct buf line = {0};
	struct curl_slist *with_etag = NULL;
	if (buf_printf(&line, "If-None-Match: %s", etag) == 0)
		with_etag = curl_slist_append(list, line.data);
	buf_free(&line);
	if (!with_etag)
		curl_slist_free_all(list);
	return with_etag;
}

static void enqueue(struct http_client *client, struct http_request *request)
{
	struct http_request **tail = &client->waiting;
	while (*tail)
		tail = &(*tail)->next;
	request->next = NULL;
	*tail = request;
}

static void out_of_memory(void)
{
	die(EXIT_SOFTWARE, "out of memory");
}

static char *request_key(const char *path, const struct query *q)
{
	struct buf key = {0};
	if (query_request_key(&key, path, q) < 0)
		out_of_memory();
	return key.data;
}

bool http_known(const struct http_client *client, const char *path, const struct query *q)
{
	if (!client->options.previous)
		return false;
	char *key = request_key(path, q);
	bool known = state_etag(client->options.previous, key) != NULL;
	free(key);
	return known;
}

void http_submit(struct http_client *client, const char *path, const struct query *q,
		 bool conditional, http_done_fn *done, void *context)
{
	http_submit_checked(client, path, q, conditional, NULL, NULL, done, context);
}

void http_submit_checked(struct http_client *client, const char *path, const struct query *q,
			 bool conditional, http_check_fn *check, const void *asked,
			 http_done_fn *done, void *context)
{
	struct http_request *request = calloc(1, sizeof *request);
	if (!request || !(request->path = strdup(path)))
		out_of_memory();
	for (size_t i = 0; i < q->count; i++) {
		char *name = strdup(q->params[i].name), *value = strdup(q->params[i].value);
		if (!name || !value)
			out_of_memory();
		query_set(&request->query, name, value);
	}
	request->client = client;
	request->key = request_key(path, q);
	request->check = check;
	request->asked = asked;
	request->done = done;
	request->context = context;
	if (conditional && client->options.previous && !client->options.replay_dir)
		request->etag_sent = state_etag(client->options.previous, request->key);
	if (!client->options.replay_dir) {
		request->url = build_url(client, request);
		if (!request->url || (request->etag_sent &&
				      !(request->headers = conditional_headers(client, request->etag_sent))))
			out_of_memory();
	}
	enqueue(client, request);
}

static int configure_easy(struct http_request *request)
{
	const struct http_client *client = request->client;
	const struct http_options *o = &client->options;
	CURL *c = request->easy = curl_easy_init();
	if (!c)
		return -1;
	CURLcode failed = curl_easy_setopt(c, CURLOPT_URL, request->url);
	failed |= curl_easy_setopt(c, CURLOPT_HTTPHEADER,
				   request->headers ? request->headers : client->headers);
	failed |= curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent);
	failed |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");	/* every encoding libcurl decodes */
	failed |= curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s);
	failed |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	failed |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	failed |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	/* No CURLOPT_PIPEWAIT: a handle waiting inside libcurl for a connection to multiplex
	 * on runs its CURLOPT_TIMEOUT meanwhile and can time out before it starts. Our queue
	 * hands libcurl no more than -j transfers, so each gets a connection at once (an
	 * HTTP/2 one already known to multiplex is still shared). */
	failed |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
	failed |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &request->body);
	failed |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_etag);
	failed |= curl_easy_setopt(c, CURLOPT_HEADERDATA, request);
	failed |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, request->curl_error);
	failed |= curl_easy_setopt(c, CURLOPT_PRIVATE, request);
	if (log_verbosity() >= 3) {
		failed |= curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, trace_headers);
		failed |= curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	return failed ? -1 : 0;
}

static void start_transfer(struct http_client *client, struct http_request *request)
{
	buf_clear(&request->body);
	request->etag[0] = '\0';
	request->curl_error[0] = '\0';
	if (!request->easy && configure_easy(request) < 0)
		die(EXIT_SOFTWARE, "cannot set up a transfer");
	if (curl_multi_add_handle(client->multi, request->easy) != CURLM_OK)
		die(EXIT_SOFTWARE, "cannot start a transfer");
	client->in_flight++;
	client->requests++;
}

/* TMDB explains its errors in {"status_code": N, "status_message": "..."}. */
static void describe_status(struct http_result *result, long status, const struct buf *body)
{
	json_t *error = json_loadb(body->data ? body->data : "", body->len, 0, NULL);
	const char *text = json_string_value(json_object_get(error, "status_message"));
	if (text)
		snprintf(result->message, sizeof result->message, "HTTP %ld: %s", status, text);
	else
		snprintf(result->message, sizeof result->message, "HTTP %ld", status);
	json_decref(error);
}

/* Whether the parsed body answers what was asked; -1 with why when it does not. */
static int check_answer(const struct http_request *request, const json_t *body, char *why,
			size_t why_size)
{
	return request->check ? request->check(body, request->asked, why, why_size) : 0;
}

/* Sorts a finished exchange into an outcome; returns 1 when it is worth retrying. */
static int classify(const struct http_request *request, CURLcode code, long status,
		    struct http_result *result)
{
	*result = (struct http_result){.outcome = HTTP_FAILED, .status = status};
	snprintf(result->etag, sizeof result->etag, "%s", request->etag);
	if (code != CURLE_OK) {
		snprintf(result->message, sizeof result->message, "%s",
			 request->curl_error[0] ? request->curl_error : curl_easy_strerror(code));
		/* A malformed URL or a missing protocol will not get better. */
		return code != CURLE_URL_MALFORMAT && code != CURLE_UNSUPPORTED_PROTOCOL &&
		       code != CURLE_OUT_OF_MEMORY;
	}
	if (status == 200) {
		json_error_t error;
		result->json = json_loadb(request->body.data ? request->body.data : "",
					  request->body.len, 0, &error);
		if (!result->json) {
			snprintf(result->message, sizeof result->message,
				 "response is not valid JSON (at byte %d: %s)", error.position, error.text);
			return 1;
		}
		/* An answer missing what was asked is as transient as a garbled one: a proxy
		 * or a cache served it, and the next attempt usually gets it whole. */
		char why[256];
		if (check_answer(request, result->json, why, sizeof why) < 0) {
			json_decref(result->json);
			result->json = NULL;
			snprintf(result->message, sizeof result->message, "invalid response: %s", why);
			return 1;
		}
		result->outcome = HTTP_OK;
		return 0;
	}
	if (status == 304) {
		result->outcome = HTTP_NOT_MODIFIED;
		return 0;
	}
	describe_status(result, status, &request->body);
	result->outcome = status == 404 ? HTTP_NOT_FOUND : status == 401 ? HTTP_DENIED : HTTP_FAILED;
	return retry_status_is_transient(status);
}

/* The ETag the next sync will ask about: the new one, or the old one when unchanged. */
static void remember_etag(struct http_client *client, const struct http_request *request,
			  const struct http_result *result)
{
	const char *etag = result->outcome == HTTP_NOT_MODIFIED ? request->etag_sent :
			   result->outcome == HTTP_OK && result->etag[0] ? result->etag : NULL;
	if (client->options.next && etag)
		state_set_etag(client->options.next, request->key, etag);
}

static void save_recording(struct http_client *client, const struct http_request *request,
			   const struct http_result *result)
{
	const char *dir = client->options.record_dir;
	if (!dir || (result->outcome != HTTP_OK && result->outcome != HTTP_NOT_FOUND))
		return;
	if (record_save(dir, request->path, &request->query, result->status, &request->body) < 0)
		die(EXIT_CANTCREAT, "%s: cannot record %s: %s", dir, request->path, strerror(errno));
}

static void finish(struct http_client *client, struct http_request *request,
		   struct http_result *result)
{
	if (result->outcome == HTTP_FAILED && request->retries_done > 0) {
		size_t used = strlen(result->message);
		snprintf(result->message + used, sizeof result->message - used, " (after %d retries)",
			 request->retries_done);
	}
	remember_etag(client, request, result);
	save_recording(client, request, result);
	request->done(result, request->context);
	json_decref(result->json);
	request_free(request);
}

static void replay(struct http_client *client, struct http_request *request)
{
	const char *dir = client->options.replay_dir;
	struct http_result result = {.outcome = HTTP_FAILED};
	if (record_load(dir, request->path, &request->query, &result.status, &request->body) < 0) {
		if (errno == ENOENT) {
			result.outcome = HTTP_NOT_RECORDED;
			snprintf(result.message, sizeof result.message, "not recorded in %s: %s", dir,
				 request->key);
		} else {
			snprintf(result.message, sizeof result.message, "%s: %s", dir, strerror(errno));
		}
	} else if (result.status == 404) {
		describe_status(&result, 404, &request->body);
		result.outcome = HTTP_NOT_FOUND;
	} else {
		json_error_t error;
		char why[256];
		result.json = json_loadb(request->body.data, request->body.len, 0, &error);
		if (!result.json) {
			snprintf(result.message, sizeof result.message,
				 "%s: recorded response is not valid JSON (at byte %d)", dir, error.position);
		} else if (check_answer(request, result.json, why, sizeof why) < 0) {
			json_decref(result.json);
			result.json = NULL;
			snprintf(result.message, sizeof result.message,
				 "%s: invalid recorded response: %s", dir, why);
		} else {
			result.outcome = HTTP_OK;
		}
	}
	finish(client, request, &result);
}

static void log_attempt(const struct http_request *request, CURLcode code, long status)
{
	if (log_verbosity() < 1)
		return;
	double seconds = 0;
	curl_easy_getinfo(request->easy, CURLINFO_TOTAL_TIME, &seconds);
	char *shown = mask_credentials(request->url);
	log_debug(1, "GET %s: %s%ld, %zu bytes in %.0f ms", shown ? shown : "(url)",
		  code == CURLE_OK ? "HTTP " : "failed, ", code == CURLE_OK ? status : 0L,
		  request->body.len, seconds * 1000);
	free(shown);
}

/* A transfer ended: retry it later, or hand its result over. */
static void transfer_done(struct http_client *client, CURL *easy, CURLcode code)
{
	struct http_request *request;
	long status = 0;
	curl_off_t retry_after = 0;
	curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&request);
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(easy, CURLINFO_RETRY_AFTER, &retry_after);
	curl_multi_remove_handle(client->multi, easy);
	client->in_flight--;
	log_attempt(request, code, status);
	struct http_result result;
	int transient = classify(request, code, status, &result);
	if (!transient || request->retries_done == client->retry.max_retries) {
		finish(client, request, &result);
		return;
	}
	json_decref(result.json);
	long delay = retry_delay_ms(&client->retry, ++request->retries_done, (long)retry_after * 1000);
	client->retries++;
	log_warn("GET %s: %s; retry %d of %d in %.1f s", request->path, result.message,
		 request->retries_done, client->retry.max_retries, delay / 1000.0);
	request->due = now_seconds() + delay / 1000.0;
	enqueue(client, request);
}

/* Takes the first waiting request that is due; NULL when none is. */
static struct http_request *take_due(struct http_client *client, double now)
{
	for (struct http_request **link = &client->waiting; *link; link = &(*link)->next) {
		struct http_request *request = *link;
		if (request->due <= now) {
			*link = request->next;
			request->next = NULL;
			return request;
		}
	}
	return NULL;
}

/* Starts what the concurrency and rate limits allow; returns seconds until the next
 * start could happen (for the wait), or a second when nothing is waiting. */
static double start_due(struct http_client *client)
{
	double now = now_seconds(), wait = 1.0;
	while (client->waiting) {
		if (client->options.replay_dir) {
			struct http_request *request = take_due(client, now);
			if (!request)
				break;
			replay(client, request);
			continue;
		}
		if (client->in_flight >= client->options.jobs)
			break;
		refill_tokens(client, now);
		if (client->options.rate > 0 && client->tokens < 1) {
			wait = (1 - client->tokens) / client->options.rate;
			break;
		}
		struct http_request *request = take_due(client, now);
		if (!request) {
			for (struct http_request *r = client->waiting; r; r = r->next)
				if (r->due - now < wait)
					wait = r->due - now;
			break;
		}
		if (client->options.rate > 0)
			client->tokens -= 1;
		start_transfer(client, request);
	}
	return wait > 0 ? wait : 0;
}

bool http_run(struct http_client *client)
{
	double wait = start_due(client);
	if (client->options.replay_dir)
		return client->waiting != NULL;
	if (!client->in_flight && !client->waiting)
		return false;
	int running = 0;
	if (curl_multi_poll(client->multi, NULL, 0, (int)ceil(wait * 1000), NULL) != CURLM_OK ||
	    curl_multi_perform(client->multi, &running) != CURLM_OK)
		die(EXIT_SOFTWARE, "libcurl's transfer loop failed");
	CURLMsg *message;
	int left;
	while ((message = curl_multi_info_read(client->multi, &left)))
		if (message->msg == CURLMSG_DONE)
			transfer_done(client, message->easy_handle, message->data.result);
	return client->in_flight || client->waiting;
}

struct blocking_call {
	struct http_result *result;
	bool done;
};

static void keep_result(struct http_result *result, void *context)
{
	struct blocking_call *call = context;
	*call->result = *result;
	result->json = NULL;	/* handed to the caller */
	call->done = true;
}

void http_get(struct http_client *client, const char *path, const struct query *q,
	      struct http_result *result)
{
	struct blocking_call call = {result, false};
	http_submit(client, path, q, false, keep_result, &call);
	while (!call.done && http_run(client))
		;
}
