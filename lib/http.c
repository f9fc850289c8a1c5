#include "http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <curl/curl.h>

#include "buf.h"
#include "log.h"
#include "record.h"
#include "retry.h"

/* A body larger than this is not a TMDB response; stop before memory runs out. */
#define MAX_BODY_BYTES (256L * 1024 * 1024)

struct http_client {
	struct http_options options;
	struct retry_policy retry;
	CURL *curl;		/* one handle, so its connection is kept alive and reused */
	struct curl_slist *headers;
	struct buf body;
	char curl_error[CURL_ERROR_SIZE];
	char etag[160];		/* of the last response */
	long requests;
};

/* One attempt's result, before the retry policy decides what it means. */
struct attempt {
	CURLcode code;
	long status;
	long retry_after_ms;
};

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
	struct http_client *client = userdata;
	size_t n = size * count;
	if (n > 5 && strncasecmp(data, "etag:", 5) == 0) {
		size_t start = 5 + strspn(data + 5, " \t");
		size_t len = n > start ? n - start : 0;
		while (len && (data[start + len - 1] == '\r' || data[start + len - 1] == '\n' ||
			       data[start + len - 1] == ' '))
			len--;
		if (len < sizeof client->etag) {
			memcpy(client->etag, data + start, len);
			client->etag[len] = '\0';
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
	if (!text)
		return 0;
	char *masked = mask_credentials(text);
	free(text);
	if (!masked)
		return 0;
	const char *arrow = type == CURLINFO_HEADER_OUT ? ">" : "<";
	for (char *line = strtok(masked, "\r\n"); line; line = strtok(NULL, "\r\n"))
		log_debug(3, "%s %s", arrow, line);
	free(masked);
	return 0;
}

static int configure_handle(struct http_client *client)
{
	CURL *c = client->curl;
	const struct http_options *o = &client->options;
	if (o->cred && o->cred->kind == CRED_BEARER) {
		struct buf auth = {0};
		if (buf_printf(&auth, "Authorization: Bearer %s", o->cred->secret) < 0)
			return -1;
		client->headers = curl_slist_append(client->headers, auth.data);
		memset(auth.data, 0, auth.len);
		buf_free(&auth);
	}
	client->headers = curl_slist_append(client->headers, "Accept: application/json");
	if (!client->headers)
		return -1;
	CURLcode failed = curl_easy_setopt(c, CURLOPT_HTTPHEADER, client->headers);
	failed |= curl_easy_setopt(c, CURLOPT_USERAGENT, o->user_agent);
	failed |= curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");	/* every encoding libcurl decodes */
	failed |= curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout_s);
	failed |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	failed |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	failed |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect_body);
	failed |= curl_easy_setopt(c, CURLOPT_WRITEDATA, &client->body);
	failed |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, client->curl_error);
	failed |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect_etag);
	failed |= curl_easy_setopt(c, CURLOPT_HEADERDATA, client);
	if (log_verbosity() >= 3) {
		failed |= curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, trace_headers);
		failed |= curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
	}
	return failed ? -1 : 0;
}

struct http_client *http_client_new(const struct http_options *options)
{
	struct http_client *client = calloc(1, sizeof *client);
	if (!client)
		return NULL;
	client->options = *options;
	retry_policy_init(&client->retry, options->retries);
	if (options->replay_dir)
		return client;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    !(client->curl = curl_easy_init()) || configure_handle(client) < 0) {
		http_client_free(client);
		return NULL;
	}
	return client;
}

void http_client_free(struct http_client *client)
{
	if (!client)
		return;
	if (client->curl) {
		curl_easy_cleanup(client->curl);
		curl_global_cleanup();
	}
	curl_slist_free_all(client->headers);
	buf_free(&client->body);
	free(client);
}

long http_request_count(const struct http_client *client) { return client->requests; }

/* base_url + path + ?query, with the API key last; NULL when memory runs out. */
static char *build_url(struct http_client *client, const char *path, const struct query *q)
{
	struct buf url = {0};
	const struct credential *cred = client->options.cred;
	int failed = buf_puts(&url, client->options.base_url) || buf_puts(&url, path);
	for (size_t i = 0; i <= q->count && !failed; i++) {
		const char *name = i < q->count ? q->params[i].name : "api_key";
		const char *value = i < q->count ? q->params[i].value : NULL;
		if (i == q->count && !(cred && cred->kind == CRED_API_KEY))
			break;
		if (!value)
			value = cred->secret;
		char *escaped = curl_easy_escape(client->curl, value, 0);
		failed = !escaped || buf_printf(&url, "%c%s=%s", i ? '&' : '?', name, escaped);
		curl_free(escaped);
	}
	if (failed) {
		buf_free(&url);
		return NULL;
	}
	return url.data;
}

static struct attempt perform_once(struct http_client *client, const char *url)
{
	struct attempt a = {0};
	buf_clear(&client->body);
	client->curl_error[0] = '\0';
	client->etag[0] = '\0';
	client->requests++;
	curl_easy_setopt(client->curl, CURLOPT_URL, url);
	a.code = curl_easy_perform(client->curl);
	curl_easy_getinfo(client->curl, CURLINFO_RESPONSE_CODE, &a.status);
	curl_off_t retry_after = 0;
	if (curl_easy_getinfo(client->curl, CURLINFO_RETRY_AFTER, &retry_after) == CURLE_OK)
		a.retry_after_ms = (long)retry_after * 1000;
	if (log_verbosity() >= 1) {
		double seconds = 0;
		curl_easy_getinfo(client->curl, CURLINFO_TOTAL_TIME, &seconds);
		char *shown = mask_credentials(url);
		log_debug(1, "GET %s: %s%ld, %zu bytes in %.0f ms", shown ? shown : "(url)",
			  a.code == CURLE_OK ? "HTTP " : "failed, ", a.code == CURLE_OK ? a.status : 0L,
			  client->body.len, seconds * 1000);
		free(shown);
	}
	return a;
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

/* Sorts a finished exchange into an outcome; returns 1 when it is worth retrying. */
static int classify(struct http_client *client, const struct attempt *a, struct http_result *result)
{
	result->status = a->status;
	snprintf(result->etag, sizeof result->etag, "%s", client->etag);
	if (a->code != CURLE_OK) {
		result->outcome = HTTP_FAILED;
		snprintf(result->message, sizeof result->message, "%s",
			 client->curl_error[0] ? client->curl_error : curl_easy_strerror(a->code));
		/* A malformed URL or a missing protocol will not get better. */
		return a->code != CURLE_URL_MALFORMAT && a->code != CURLE_UNSUPPORTED_PROTOCOL &&
		       a->code != CURLE_OUT_OF_MEMORY;
	}
	if (a->status == 200) {
		json_error_t error;
		result->json = json_loadb(client->body.data ? client->body.data : "",
					  client->body.len, 0, &error);
		if (result->json) {
			result->outcome = HTTP_OK;
			return 0;
		}
		result->outcome = HTTP_FAILED;
		snprintf(result->message, sizeof result->message,
			 "response is not valid JSON (at byte %d: %s)", error.position, error.text);
		return 1;
	}
	if (a->status == 304) {
		result->outcome = HTTP_NOT_MODIFIED;
		return 0;
	}
	describe_status(result, a->status, &client->body);
	result->outcome = a->status == 404 ? HTTP_NOT_FOUND :
			  a->status == 401 ? HTTP_DENIED : HTTP_FAILED;
	return retry_status_is_transient(a->status);
}

static void save_recording(struct http_client *client, const char *path, const struct query *q,
			   const struct http_result *result)
{
	const char *dir = client->options.record_dir;
	if (!dir || (result->outcome != HTTP_OK && result->outcome != HTTP_NOT_FOUND))
		return;
	if (record_save(dir, path, q, result->status, &client->body) < 0)
		die(EXIT_CANTCREAT, "%s: cannot record %s: %s", dir, path, strerror(errno));
}

static void replay(struct http_client *client, const char *path, const struct query *q,
		   struct http_result *result)
{
	const char *dir = client->options.replay_dir;
	result->outcome = HTTP_FAILED;
	if (record_load(dir, path, q, &result->status, &client->body) < 0) {
		snprintf(result->message, sizeof result->message, "%s: %s", dir,
			 errno == ENOENT ? "no recorded response for this request" : strerror(errno));
		return;
	}
	if (result->status == 404) {
		describe_status(result, 404, &client->body);
		result->outcome = HTTP_NOT_FOUND;
		return;
	}
	json_error_t error;
	result->json = json_loadb(client->body.data, client->body.len, 0, &error);
	if (result->json)
		result->outcome = HTTP_OK;
	else
		snprintf(result->message, sizeof result->message,
			 "%s: recorded response is not valid JSON (at byte %d)", dir, error.position);
}

/* The fixed headers plus If-None-Match, for one request. */
static struct curl_slist *conditional_headers(const struct http_client *client, const char *etag)
{
	struct curl_slist *list = NULL;
	for (const struct curl_slist *h = client->headers; h; h = h->next)
		if (!(list = curl_slist_append(list, h->data)))
			return NULL;
	struct buf line = {0};
	if (buf_printf(&line, "If-None-Match: %s", etag) < 0) {
		curl_slist_free_all(list);
		return NULL;
	}
	struct curl_slist *with_etag = curl_slist_append(list, line.data);
	buf_free(&line);
	if (!with_etag)
		curl_slist_free_all(list);
	return with_etag;
}

void http_get_if_changed(struct http_client *client, const char *path, const struct query *q,
			 const char *etag, struct http_result *result)
{
	if (!etag || !*etag || client->options.replay_dir) {
		http_get(client, path, q, result);
		return;
	}
	struct curl_slist *headers = conditional_headers(client, etag);
	if (!headers) {
		*result = (struct http_result){.outcome = HTTP_FAILED, .message = "out of memory"};
		return;
	}
	curl_easy_setopt(client->curl, CURLOPT_HTTPHEADER, headers);
	http_get(client, path, q, result);
	curl_easy_setopt(client->curl, CURLOPT_HTTPHEADER, client->headers);
	curl_slist_free_all(headers);
}

void http_get(struct http_client *client, const char *path, const struct query *q,
	      struct http_result *result)
{
	*result = (struct http_result){.outcome = HTTP_FAILED};
	if (client->options.replay_dir) {
		replay(client, path, q, result);
		return;
	}
	char *url = build_url(client, path, q);
	if (!url) {
		snprintf(result->message, sizeof result->message, "out of memory");
		return;
	}
	int retry = 0;
	for (;; retry++) {
		struct attempt a = perform_once(client, url);
		int transient = classify(client, &a, result);
		if (!transient || retry == client->retry.max_retries)
			break;
		long delay = retry_delay_ms(&client->retry, retry + 1, a.retry_after_ms);
		log_warn("GET %s: %s; retry %d of %d in %.1f s", path, result->message, retry + 1,
			 client->retry.max_retries, delay / 1000.0);
		json_decref(result->json);
		result->json = NULL;
		retry_sleep_ms(delay);
	}
	size_t used = strlen(result->message);
	if (result->outcome == HTTP_FAILED && retry > 0)
		snprintf(result->message + used, sizeof result->message - used,
			 " (after %d retries)", retry);
	save_recording(client, path, q, result);
	memset(url, 0, strlen(url));	/* it holds the API key */
	free(url);
}
