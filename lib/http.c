#include "http.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <curl/curl.h>

#include "clock.h"
#include "log.h"
#include "rate_file.h"
#include "retry.h"
#include "token_bucket.h"
#include "xalloc.h"

/* A body larger than this is not a TMDB response; stop before memory runs out. */
#define MAX_BODY_BYTES (256L * 1024 * 1024)

struct http_request {
	struct http_client *client;
	char *path;			/* for the log */
	char *url;			/* holds the API key: zeroed before it is freed */
	struct curl_slist *headers;	/* the client's plus the request's own, or NULL */
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
	struct token_bucket bucket;	/* the rate limit's, unless options.rate_file holds it */
	long requests;
	long retries;
};

static double now_seconds(const struct http_client *client)
{
	return client->options.clock();
}

static size_t collect_body(char *data, size_t size, size_t count, void *userdata)
{
	struct buf *body = userdata;
	size_t n = size * count;
	if (body->len + n > MAX_BODY_BYTES)
		return 0;	/* makes libcurl fail the transfer with CURLE_WRITE_ERROR */
	buf_append(body, data, n);
	return n;
}

bool http_header_etag(const char *line, size_t n, char *etag, size_t etag_size)
{
	if (n <= 5 || strncasecmp(line, "etag:", 5) != 0)
		return false;
	size_t start = 5 + strspn(line + 5, " \t");
	size_t len = n > start ? n - start : 0;
	while (len && strchr("\r\n ", line[start + len - 1]))
		len--;
	if (len >= etag_size)
		return false;
	memcpy(etag, line + start, len);
	etag[len] = '\0';
	return true;
}

static size_t collect_etag(char *data, size_t size, size_t count, void *userdata)
{
	struct http_request *request = userdata;
	http_header_etag(data, size * count, request->etag, sizeof request->etag);
	return size * count;
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
		buf_printf(&auth, "Authorization: Bearer %s", cred->secret);
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
	if (!client->options.clock)
		client->options.clock = monotonic_seconds;
	retry_policy_init(&client->retry, options->retries);
	token_bucket_fill(&client->bucket, client->options.rate, now_seconds(client));
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(client);
		return NULL;
	}
	if (!(client->multi = curl_multi_init()) || build_client_headers(client) < 0) {
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
	curl_multi_cleanup(client->multi);
	curl_global_cleanup();
	curl_slist_free_all(client->headers);
	free(client);
}

long http_request_count(const struct http_client *client) { return client->requests; }
long http_retry_count(const struct http_client *client) { return client->retries; }

static void request_free(struct http_request *request)
{
	if (request->url) {
		memset(request->url, 0, strlen(request->url));
		free(request->url);
	}
	if (request->easy)
		curl_easy_cleanup(request->easy);
	curl_slist_free_all(request->headers);
	buf_free(&request->body);
	free(request->path);
	free(request);
}

/* base_url + path + ?query, with the API key last; NULL when memory runs out. */
static char *build_url(const struct http_client *client, const char *path, const struct query *q)
{
	struct buf url = {0};
	const struct credential *cred = client->options.cred;
	buf_puts(&url, client->options.base_url);
	buf_puts(&url, path);
	for (size_t i = 0; i <= q->count; i++) {
		int is_key = i == q->count;
		if (is_key && !(cred && cred->kind == CRED_API_KEY))
			break;
		char *escaped = curl_easy_escape(NULL, is_key ? cred->secret : q->params[i].value, 0);
		if (!escaped) {
			buf_free(&url);
			return NULL;
		}
		buf_printf(&url, "%c%s=%s", i ? '&' : '?', is_key ? "api_key" : q->params[i].name,
			   escaped);
		curl_free(escaped);
	}
	return url.data;
}

/* The client's headers and the request's own; NULL when memory runs out. */
static struct curl_slist *request_headers(const struct http_client *client,
					  const char *const *headers)
{
	struct curl_slist *list = NULL;
	for (const struct curl_slist *h = client->headers; h; h = h->next)
		if (!(list = curl_slist_append(list, h->data)))
			return NULL;
	for (; *headers; headers++) {
		struct curl_slist *longer = curl_slist_append(list, *headers);
		if (!longer) {
			curl_slist_free_all(list);
			return NULL;
		}
		list = longer;
	}
	return list;
}

static void enqueue(struct http_client *client, struct http_request *request)
{
	struct http_request **tail = &client->waiting;
	while (*tail)
		tail = &(*tail)->next;
	request->next = NULL;
	*tail = request;
}

void http_submit(struct http_client *client, const char *path, const struct query *q,
		 const char *const *headers, http_check_fn *check, const void *asked,
		 http_done_fn *done, void *context)
{
	struct http_request *request = xcalloc(1, sizeof *request);
	request->path = xstrdup(path);
	/* libcurl's escaping and header lists fail only for memory, as xalloc does. */
	if (!(request->url = build_url(client, path, q)) ||
	    (headers && *headers && !(request->headers = request_headers(client, headers))))
		xalloc_failed();
	request->client = client;
	request->check = check;
	request->asked = asked;
	request->done = done;
	request->context = context;
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
		buf_printf(&result->message, "HTTP %ld: %s", status, text);
	else
		buf_printf(&result->message, "HTTP %ld", status);
	json_decref(error);
}

int http_classify(long status, const struct buf *body, http_check_fn *check, const void *asked,
		  struct http_result *result)
{
	*result = (struct http_result){.outcome = HTTP_FAILED, .status = status, .etag = "",
				       .body = body};
	if (status == 200) {
		json_error_t error;
		result->json = json_loadb(body->data ? body->data : "", body->len, 0, &error);
		if (!result->json) {
			buf_printf(&result->message, "response is not valid JSON (at byte %d: %s)",
			    error.position, error.text);
			return 1;
		}
		/* An answer missing what was asked is as transient as a garbled one: a proxy
		 * or a cache served it, and the next attempt usually gets it whole. */
		struct buf why = {0};
		int rejected = check && check(result->json, asked, &why) < 0;
		if (rejected) {
			json_decref(result->json);
			result->json = NULL;
			buf_printf(&result->message, "invalid response: %s", why.data);
		}
		buf_free(&why);
		if (rejected)
			return 1;
		result->outcome = HTTP_OK;
		return 0;
	}
	if (status == 304) {
		result->outcome = HTTP_NOT_MODIFIED;
		return 0;
	}
	describe_status(result, status, body);
	result->outcome = status == 404 ? HTTP_NOT_FOUND : status == 401 ? HTTP_DENIED : HTTP_FAILED;
	return retry_status_is_transient(status);
}

/* Sorts a finished transfer into an outcome; returns 1 when it is worth retrying. */
static int classify_transfer(const struct http_request *request, CURLcode code, long status,
			     struct http_result *result)
{
	if (code == CURLE_OK) {
		int transient = http_classify(status, &request->body, request->check, request->asked,
					      result);
		result->etag = request->etag;
		return transient;
	}
	*result = (struct http_result){.outcome = HTTP_FAILED, .status = status,
				       .etag = request->etag, .body = &request->body};
	buf_printf(&result->message, "%s", request->curl_error[0] ? request->curl_error :
				    curl_easy_strerror(code));
	/* A malformed URL or a missing protocol will not get better. */
	return code != CURLE_URL_MALFORMAT && code != CURLE_UNSUPPORTED_PROTOCOL &&
	       code != CURLE_OUT_OF_MEMORY;
}

static void finish(struct http_request *request, struct http_result *result)
{
	if (result->outcome == HTTP_FAILED && request->retries_done > 0)
		buf_printf(&result->message, " (after %d retries)", request->retries_done);
	request->done(result, request->context);
	json_decref(result->json);
	buf_free(&result->message);
	request_free(request);
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
	int transient = classify_transfer(request, code, status, &result);
	if (!transient || request->retries_done == client->retry.max_retries) {
		finish(request, &result);
		return;
	}
	long delay = retry_delay_ms(&client->retry, ++request->retries_done, (long)retry_after * 1000);
	client->retries++;
	log_warn("GET %s: %s; retry %d of %d in %.1f s", request->path, result.message.data,
		 request->retries_done, client->retry.max_retries, delay / 1000.0);
	json_decref(result.json);
	buf_free(&result.message);
	request->due = now_seconds(client) + delay / 1000.0;
	enqueue(client, request);
}

/* The link to the first waiting request that is due; NULL when none is. */
static struct http_request **first_due(struct http_client *client, double now)
{
	for (struct http_request **link = &client->waiting; *link; link = &(*link)->next)
		if ((*link)->due <= now)
			return link;
	return NULL;
}

/* Seconds until the first waiting request is due, or `longest` if that is sooner. */
static double until_due(const struct http_client *client, double now, double longest)
{
	double wait = longest;
	for (const struct http_request *r = client->waiting; r; r = r->next)
		if (r->due - now < wait)
			wait = r->due - now;
	return wait;
}

/* Takes a token for one start, from the shared file or our own bucket: 0 when taken,
 * else the seconds until one will be there. Only a start that will happen takes one,
 * as the processes sharing a file count every token taken as a request. */
static double take_token(struct http_client *client, double now)
{
	const struct http_options *o = &client->options;
	if (o->rate <= 0)
		return 0;
	if (!o->rate_file)
		return token_bucket_take(&client->bucket, o->rate, now);
	double wait;
	struct buf why = {0};
	int status = rate_file_take(o->rate_file, o->rate, now, &wait, &why);
	if (status)
		die(status, "%s", why.data);
	return wait;
}

/* Starts what the concurrency and rate limits allow; returns seconds until the next
 * start could happen (for the wait), or a second when nothing is waiting. */
static double start_due(struct http_client *client)
{
	double now = now_seconds(client), wait = 1.0;
	while (client->waiting && client->in_flight < client->options.jobs) {
		struct http_request **link = first_due(client, now);
		if (!link) {
			wait = until_due(client, now, wait);
			break;
		}
		double token_wait = take_token(client, now);
		if (token_wait > 0) {
			wait = token_wait;
			break;
		}
		struct http_request *request = *link;
		*link = request->next;
		request->next = NULL;
		start_transfer(client, request);
	}
	return wait > 0 ? wait : 0;
}

bool http_run(struct http_client *client)
{
	double wait = start_due(client);
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
