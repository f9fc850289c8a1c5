/* A whole exchange through lib/http.c and the real libcurl: the input is the raw
 * response a server on 127.0.0.1 (a thread of this process) sends to every request,
 * retries included. The request is tmdb-fetch's conditional movie request, so libcurl
 * parses the status line and headers (ETag, Retry-After, Content-Length,
 * Content-Encoding, chunks) and lib/http.c classifies, retries after what Retry-After
 * asks, and keeps ETags. The harness's clock jumps 1000 s at every reading, so no
 * backoff is waited for. The request ends once with a result consistent with itself. */
#include <time.h>

static int skip_clock(clockid_t id, struct timespec *ts);
#define clock_gettime skip_clock
#include "../../lib/http.c"
#undef clock_gettime

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fuzz.h"

static time_t skipped;

static int skip_clock(clockid_t id, struct timespec *ts)
{
	int failed = clock_gettime(id, ts);
	skipped += 1000;
	ts->tv_sec += skipped;
	return failed;
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

struct exchange {
	int calls;
	struct http_result result;
	size_t json_size;
};

static void done(struct http_result *result, void *context)
{
	struct exchange *exchange = context;
	exchange->calls++;
	exchange->result = *result;
	exchange->result.json = NULL;
	exchange->json_size = json_is_object(result->json) ? json_object_size(result->json) : 0;
	if ((result->outcome == HTTP_OK) != (result->json != NULL))
		fuzz_fail("outcome %d with%s a body", result->outcome, result->json ? "" : "out");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char sent_etag[] = "W/\"0b7e6a5e3d4c2b1a\"";
	pthread_mutex_lock(&response_lock);
	buf_clear(&response);
	if (buf_append(&response, data, size) < 0)
		fuzz_fail("out of memory");
	pthread_mutex_unlock(&response_lock);

	struct state previous, next;
	state_init(&previous);
	state_init(&next);
	state_set_etag(&previous, "/movie/550?language=en-US", sent_etag);
	char secret[] = "fuzz_api_key";
	struct credential cred = {CRED_API_KEY, secret};
	struct http_options options = {
		.base_url = base_url, .cred = &cred, .user_agent = "tmdb-fuzz", .timeout_s = 5,
		.retries = 2, .jobs = 1, .rate = 0, .previous = &previous, .next = &next,
	};
	struct http_client *client = http_client_new(&options);
	if (!client)
		fuzz_fail("http_client_new failed");
	struct query q = {0};
	query_set(&q, "language", "en-US");
	struct exchange exchange = {0};
	http_submit(client, "/movie/550", &q, true, done, &exchange);
	while (http_run(client))
		;
	long requests = http_request_count(client), retries = http_retry_count(client);
	http_client_free(client);

	const struct http_result *r = &exchange.result;
	if (exchange.calls != 1)
		fuzz_fail("the request ended %d times", exchange.calls);
	if (requests != retries + 1 || retries > options.retries)
		fuzz_fail("%ld requests, %ld retries", requests, retries);
	if (!memchr(r->message, '\0', sizeof r->message) || !memchr(r->etag, '\0', sizeof r->etag))
		fuzz_fail("an unterminated message or ETag");
	/* A transfer that failed may still have had a status line. */
	if ((r->outcome == HTTP_NOT_MODIFIED && r->status != 304) ||
	    (r->outcome == HTTP_NOT_FOUND && r->status != 404) ||
	    (r->outcome == HTTP_DENIED && r->status != 401) || (r->outcome == HTTP_OK && r->status != 200))
		fuzz_fail("HTTP %ld, outcome %d", r->status, r->outcome);
	/* The ETag of a 200 goes into the next state, unless it is not UTF-8 (JSON's). */
	const char *kept = state_etag(&next, "/movie/550?language=en-US");
	json_t *utf8 = json_string(r->etag);
	const char *should = r->outcome == HTTP_NOT_MODIFIED ? sent_etag :
			     r->outcome == HTTP_OK && r->etag[0] && utf8 ? r->etag : NULL;
	json_decref(utf8);
	if ((kept == NULL) != (should == NULL) || (kept && strcmp(kept, should) != 0))
		fuzz_fail("the next state keeps ETag %s, not %s", kept ? kept : "(none)",
			  should ? should : "(none)");
	state_free(&previous);
	state_free(&next);
	return 0;
}
