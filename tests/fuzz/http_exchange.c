/* A whole exchange through lib/exchange.c, lib/http.c and the real libcurl: the input is
 * the raw response a server on 127.0.0.1 (a thread of this process) sends to every
 * request, retries included. The request is tmdb-fetch's conditional movie request, so
 * libcurl parses the status line and headers (ETag, Retry-After, Content-Length,
 * Content-Encoding, chunks), the transport classifies and retries after what Retry-After
 * asks, and the exchange keeps ETags. The transport's clock (http_options.clock) jumps
 * 1000 s at every reading, so no backoff is waited for; the wall clock answers are
 * stamped with (exchange_options.wall_clock) stands still. The request ends once with a
 * result consistent with itself. */
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <curl/curl.h>

#include "buf.h"
#include "exchange.h"
#include "log.h"
#include "state.h"

#include "fuzz.h"

static double skipped;

static double skip_clock(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	skipped += 1000;
	return (double)ts.tv_sec + ts.tv_nsec / 1e9 + skipped;
}

/* 2026-11-25T03:00:00Z */
static time_t still_clock(void)
{
	return 1795575600;
}

static int listener;
static char base_url[64];
static pthread_mutex_t response_lock = PTHREAD_MUTEX_INITIALIZER;
static struct buf response;	/* what the server answers, copied from the input */

/* Reads the request up to its empty line (a GET has no body), or gives up after a second. */
static void read_request(int fd)
{
	char text[8192];
	size_t len = 0;
	while (len < sizeof text - 1) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 1000) <= 0)
			return;
		ssize_t n = recv(fd, text + len, sizeof text - 1 - len, 0);
		if (n <= 0)
			return;
		len += (size_t)n;
		text[len] = '\0';
		if (strstr(text, "\r\n\r\n"))
			return;
	}
}

static void *serve(void *unused)
{
	(void)unused;
	struct buf answer = {0};
	for (;;) {
		int fd = accept(listener, NULL, NULL);
		if (fd < 0)
			continue;
		read_request(fd);
		pthread_mutex_lock(&response_lock);
		buf_clear(&answer);
		buf_append(&answer, response.data ? response.data : "", response.len);
		pthread_mutex_unlock(&response_lock);
		for (size_t sent = 0; sent < answer.len;) {
			ssize_t n = send(fd, answer.data + sent, answer.len - sent, MSG_NOSIGNAL);
			if (n <= 0)
				break;
			sent += (size_t)n;
		}
		/* One response per connection, then the end: libcurl never waits for more. */
		shutdown(fd, SHUT_WR);
		char drain[4096];
		struct pollfd p = {fd, POLLIN, 0};
		while (poll(&p, 1, 1000) > 0 && recv(fd, drain, sizeof drain, 0) > 0)
			;
		close(fd);
	}
	return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-fetch");
	log_set_verbosity(-1);
	signal(SIGPIPE, SIG_IGN);
	/* Kept initialised, so each input's client does not set libcurl up from scratch. */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t size = sizeof address;
	listener = socket(AF_INET, SOCK_STREAM, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&address, size) < 0 ||
	    listen(listener, 16) < 0 || getsockname(listener, (struct sockaddr *)&address, &size) < 0) {
		perror("fuzz: listen on 127.0.0.1");
		abort();
	}
	snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d/3", ntohs(address.sin_port));
	pthread_t server;
	if (pthread_create(&server, NULL, serve, NULL) != 0 || pthread_detach(server) != 0)
		abort();
	return 0;
}

struct answer {
	int calls;
	enum exchange_outcome outcome;
	long status;
	bool has_json;
	bool has_message;
	char etag[160];
};

static void done(struct exchange_result *result, void *context)
{
	struct answer *answer = context;
	answer->calls++;
	answer->outcome = result->outcome;
	answer->status = result->status;
	answer->has_json = result->json != NULL;
	answer->has_message = result->message.len > 0;
	if (strlen(result->etag) >= sizeof answer->etag)
		fuzz_fail("an ETag of %zu bytes", strlen(result->etag));
	snprintf(answer->etag, sizeof answer->etag, "%s", result->etag);
	if ((result->outcome == EXCHANGE_OK) != (result->json != NULL))
		fuzz_fail("outcome %d with%s a body", result->outcome, result->json ? "" : "out");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sent_etag[] = "W/\"0b7e6a5e3d4c2b1a\"";
	pthread_mutex_lock(&response_lock);
	buf_clear(&response);
	buf_append(&response, data, size);
	pthread_mutex_unlock(&response_lock);

	struct state previous, next;
	state_init(&previous);
	state_init(&next);
	state_set_etag(&previous, "/movie/550?language=en-US", sent_etag, NULL);
	char secret[] = "fuzz_api_key";
	struct credential cred = {CRED_API_KEY, secret};
	struct exchange_options options = {
		.http = {.base_url = base_url, .cred = &cred, .user_agent = "tmdb-fuzz",
			 .timeout_s = 5, .retries = 2, .jobs = 1, .rate = 0, .clock = skip_clock},
		.previous = &previous,
		.next = &next,
		.wall_clock = still_clock,
	};
	struct exchange *exchange = exchange_new(&options);
	if (!exchange)
		fuzz_fail("exchange_new failed");
	struct query q = {0};
	query_set(&q, "language", "en-US");
	struct answer answer = {0};
	exchange_submit(exchange, "/movie/550", &q, true, NULL, NULL, done, &answer);
	while (exchange_run(exchange))
		;
	long requests = exchange_request_count(exchange), retries = exchange_retry_count(exchange);
	exchange_free(exchange);

	const struct answer *r = &answer;
	if (r->calls != 1)
		fuzz_fail("the request ended %d times", r->calls);
	if (requests != retries + 1 || retries > options.http.retries)
		fuzz_fail("%ld requests, %ld retries", requests, retries);
	if (r->outcome != EXCHANGE_OK && r->outcome != EXCHANGE_NOT_MODIFIED && !r->has_message)
		fuzz_fail("outcome %d with no message", r->outcome);
	/* A transfer that failed may still have had a status line. */
	if ((r->outcome == EXCHANGE_NOT_MODIFIED && r->status != 304) ||
	    (r->outcome == EXCHANGE_NOT_FOUND && r->status != 404) ||
	    (r->outcome == EXCHANGE_DENIED && r->status != 401) ||
	    (r->outcome == EXCHANGE_OK && r->status != 200) || r->outcome == EXCHANGE_NOT_RECORDED)
		fuzz_fail("HTTP %ld, outcome %d", r->status, r->outcome);
	/* The ETag of a 200 goes into the next state, unless it is not UTF-8 (JSON's). */
	const char *kept = state_etag(&next, "/movie/550?language=en-US");
	json_t *utf8 = json_string(r->etag);
	const char *should = r->outcome == EXCHANGE_NOT_MODIFIED ? sent_etag :
			     r->outcome == EXCHANGE_OK && r->etag[0] && utf8 ? r->etag : NULL;
	json_decref(utf8);
	if ((kept == NULL) != (should == NULL) || (kept && strcmp(kept, should) != 0))
		fuzz_fail("the next state keeps ETag %s, not %s", kept ? kept : "(none)",
			  should ? should : "(none)");
	/* With the ETag, when it was answered: the clock's time. */
	const char *fetched = state_fetched(&next, "/movie/550?language=en-US");
	if ((fetched == NULL) != (kept == NULL) || (fetched && strcmp(fetched, "2026-11-25T03:00:00Z") != 0))
		fuzz_fail("the next state says it was answered at %s", fetched ? fetched : "(none)");
	state_free(&previous);
	state_free(&next);
	return 0;
}
