/* The response handling of lib/http.c, called directly (the file is included, so its
 * static functions are in reach and nothing new is exposed): the input is an HTTP
 * response; each header line goes to the ETag callback as libcurl gives it (a complete
 * line, not NUL-terminated, in a buffer of exactly its size), then the status and body
 * are classified as a finished transfer. The ETag kept is the header's value, trimmed,
 * when it fits; the result is consistent with the status. */
#include "../../lib/http.c"

#include "fuzz.h"

/* The value of an "ETag:" line, trimmed as the callback documents, its length in *len
 * (it may hold NUL bytes); NULL if the line is not one. */
static char *expected_etag(const char *line, size_t n, size_t *len)
{
	if (n <= 5 || strncasecmp(line, "etag:", 5) != 0)
		return NULL;
	size_t start = 5;
	while (start < n && (line[start] == ' ' || line[start] == '\t'))
		start++;
	size_t end = n;
	while (end > start && (line[end - 1] == '\r' || line[end - 1] == '\n' || line[end - 1] == ' ' ||
			       line[end - 1] == '\0'))
		end--;
	*len = end - start;
	return strndup(line + start, end - start);
}

static void check_header_line(struct http_request *request, const uint8_t *line, size_t n)
{
	char *copy = malloc(n);	/* exactly the line: a read past it is caught */
	if (!copy)
		fuzz_fail("out of memory");
	memcpy(copy, line, n);
	char before[sizeof request->etag];
	memcpy(before, request->etag, sizeof before);
	if (collect_etag(copy, 1, n, request) != n)
		fuzz_fail("the header callback did not take the whole line");
	if (!memchr(request->etag, '\0', sizeof request->etag))
		fuzz_fail("the ETag is not terminated");
	size_t len = 0;
	char *expected = expected_etag(copy, n, &len);
	int kept = expected && len < sizeof request->etag;
	if (!kept && memcmp(before, request->etag, sizeof before) != 0)
		fuzz_fail("a line that is no ETag, or one too long to keep, changed the ETag");
	if (kept && strcmp(expected, request->etag) != 0)
		fuzz_fail("ETag \"%s\" kept as \"%s\"", expected, request->etag);
	free(expected);
	free(copy);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-fetch");
	log_set_verbosity(-1);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct http_request request = {0};
	const uint8_t *end = data + size, *p = data;
	long status = 0;
	/* Complete lines up to the empty one that ends the headers; the rest is the body. */
	for (const uint8_t *eol; p < end && (eol = memchr(p, '\n', (size_t)(end - p)));) {
		size_t n = (size_t)(eol + 1 - p);
		if (p == data && n > 9 && memcmp(p, "HTTP/", 5) == 0) {
			const uint8_t *space = memchr(p, ' ', n);
			char code[4] = {0};
			if (space && eol - space > 3)
				memcpy(code, space + 1, 3);
			status = strtol(code, NULL, 10);
		}
		check_header_line(&request, p, n);
		p = eol + 1;
		if (n == 1 || (n == 2 && p[-2] == '\r'))
			break;
	}
	if (buf_append(&request.body, p, (size_t)(end - p)) < 0)
		fuzz_fail("out of memory");

	struct http_result result;
	int transient = classify(&request, CURLE_OK, status, &result);
	if (!memchr(result.message, '\0', sizeof result.message) || strcmp(result.etag, request.etag) != 0)
		fuzz_fail("the result's message or ETag is not what it should be");
	if ((result.outcome == HTTP_OK) != (status == 200 && result.json != NULL))
		fuzz_fail("HTTP %ld: outcome %d", status, result.outcome);
	json_t *body = json_loadb((const char *)p, (size_t)(end - p), 0, NULL);
	if (result.outcome == HTTP_OK && !json_equal(result.json, body))
		fuzz_fail("the body parsed as another value");
	json_decref(body);
	if (transient != (status == 200 ? result.outcome != HTTP_OK : retry_status_is_transient(status)))
		fuzz_fail("HTTP %ld: transient is %d", status, transient);
	if (result.outcome != HTTP_OK && result.outcome != HTTP_NOT_MODIFIED && !result.message[0])
		fuzz_fail("HTTP %ld: no message", status);
	json_decref(result.json);
	buf_free(&request.body);
	return 0;
}
