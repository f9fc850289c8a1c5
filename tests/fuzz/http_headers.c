/* The transport's reading of a response (lib/http.h), called directly: the input is an
 * HTTP response; each header line goes to http_header_etag as libcurl gives it (a complete
 * line, not NUL-terminated, in a buffer of exactly its size), then the status and body go
 * to http_classify as a finished transfer. The ETag kept is the header's value, trimmed,
 * when it fits; the result is consistent with the status. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "http.h"
#include "log.h"
#include "retry.h"

#include "fuzz.h"

#define ETAG_SIZE 160	/* what the transport keeps an ETag in */

/* The value of an "ETag:" line, trimmed as http_header_etag documents, its length in *len
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

static void check_header_line(char etag[ETAG_SIZE], const uint8_t *line, size_t n)
{
	char *copy = malloc(n);	/* exactly the line: a read past it is caught */
	if (!copy)
		fuzz_fail("out of memory");
	memcpy(copy, line, n);
	char before[ETAG_SIZE];
	memcpy(before, etag, sizeof before);
	bool taken = http_header_etag(copy, n, etag, ETAG_SIZE);
	if (!memchr(etag, '\0', ETAG_SIZE))
		fuzz_fail("the ETag is not terminated");
	size_t len = 0;
	char *expected = expected_etag(copy, n, &len);
	bool kept = expected && len < ETAG_SIZE;
	if (taken != kept)
		fuzz_fail("a line %s taken as an ETag", taken ? "wrongly" : "not");
	if (!kept && memcmp(before, etag, sizeof before) != 0)
		fuzz_fail("a line that is no ETag, or one too long to keep, changed the ETag");
	if (kept && strcmp(expected, etag) != 0)
		fuzz_fail("ETag \"%s\" kept as \"%s\"", expected, etag);
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
	char etag[ETAG_SIZE] = "";
	struct buf body = {0};
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
		check_header_line(etag, p, n);
		p = eol + 1;
		if (n == 1 || (n == 2 && p[-2] == '\r'))
			break;
	}
	buf_append(&body, p, (size_t)(end - p));

	struct http_result result;
	int transient = http_classify(status, &body, NULL, NULL, &result);
	if (result.status != status || result.body != &body || !result.etag || result.etag[0])
		fuzz_fail("the result does not name its status, body and (no) ETag");
	if ((result.outcome == HTTP_OK) != (status == 200 && result.json != NULL))
		fuzz_fail("HTTP %ld: outcome %d", status, result.outcome);
	json_t *parsed = json_loadb((const char *)p, (size_t)(end - p), 0, NULL);
	if (result.outcome == HTTP_OK && !json_equal(result.json, parsed))
		fuzz_fail("the body parsed as another value");
	json_decref(parsed);
	if (transient != (status == 200 ? result.outcome != HTTP_OK : retry_status_is_transient(status)))
		fuzz_fail("HTTP %ld: transient is %d", status, transient);
	bool says_why = result.message.len > 0 && strlen(result.message.data) == result.message.len;
	if (result.outcome != HTTP_OK && result.outcome != HTTP_NOT_MODIFIED && !says_why)
		fuzz_fail("HTTP %ld: no message, or one with a NUL byte", status);
	json_decref(result.json);
	buf_free(&result.message);
	buf_free(&body);
	return 0;
}
