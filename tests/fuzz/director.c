/* tmdb-director's input path: JSON Lines of movie_credits objects, each judged and its
 * crew filtered by job by the program's own crew_filter_line (lib/crew.c). What it gives
 * for a line must be, in order, the first credit of every (movie, job) pair whose job is
 * wanted; it refuses (tmdb-director exits 65 with the reason), with a one-line reason,
 * exactly a line that is not an object as jdoc judges it, has no "crew" array, or has a
 * crew entry of any job that is no credit: not an object, no "job" string, or no usable
 * movie id (a positive integer below LLONG_MAX / CREW_MAX_JOBS). */
#include <limits.h>
#include <string.h>

#include "buf.h"
#include "crew.h"
#include "fuzz.h"
#include "jsonl.h"
#include "log.h"

static const struct crew_jobs wanted = {.names = {"Director", "Writer"}, .count = 2};

/* Whether a crew entry is a credit, the plain way. */
static int is_credit(json_t *credit)
{
	json_int_t id = json_integer_value(json_object_get(credit, "id"));
	return json_is_object(credit) && json_is_string(json_object_get(credit, "job")) &&
	       json_is_integer(json_object_get(credit, "id")) && id > 0 &&
	       id <= LLONG_MAX / CREW_MAX_JOBS;
}

/* What the line should give, worked out the plain way; NULL when it should be refused. */
static json_t *expected_credits(const char *line, size_t len)
{
	/* JSON as jdoc judges it (tests/fuzz/jdoc.c): Jansson refusing a key named twice,
	 * and no NUL byte, which Jansson lets pass right after a number or a literal. */
	if (memchr(line, '\0', len))
		return NULL;
	json_t *credits = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, NULL);
	json_t *crew = json_object_get(credits, "crew");
	json_t *expected = json_is_array(crew) ? json_array() : NULL;
	size_t i;
	json_t *credit;
	json_array_foreach(crew, i, credit) {
		if (!is_credit(credit)) {
			json_decref(expected);
			expected = NULL;
			break;
		}
		if (crew_job_index(&wanted, json_string_value(json_object_get(credit, "job"))) < 0)
			continue;
		json_t *id = json_object_get(credit, "id");
		int seen = 0;
		for (size_t k = 0; k < json_array_size(expected) && !seen; k++) {
			json_t *earlier = json_array_get(expected, k);
			seen = json_integer_value(json_object_get(earlier, "id")) == json_integer_value(id) &&
			       strcmp(json_string_value(json_object_get(earlier, "job")),
				      json_string_value(json_object_get(credit, "job"))) == 0;
		}
		if (!seen)
			json_array_append(expected, credit);
	}
	json_decref(credits);
	return expected;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-director");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader reader = {.fp = fuzz_open_bytes(data, size), .name = "-"};
	struct buf why = {0};
	size_t len;
	/* jsonl_read_inputs' loop, as tmdb-director runs it. */
	for (char *line; (line = line_reader_next(&reader, &len));) {
		buf_clear(&why);
		json_t *given = crew_filter_line(&wanted, line, len, &why);
		json_t *expected = expected_credits(line, len);
		if (!given && (!why.len || memchr(why.data, '\n', why.len)))
			fuzz_fail("line %ld: refused without a one-line reason", reader.lineno);
		if (!given && expected)
			fuzz_fail("line %ld: refused a good line: %s", reader.lineno, why.data);
		if (given && !expected)
			fuzz_fail("line %ld: took a line it should refuse", reader.lineno);
		if (given && !json_equal(given, expected))
			fuzz_fail("line %ld: gave %zu credits, not the %zu expected", reader.lineno,
				  json_array_size(given), json_array_size(expected));
		json_decref(expected);
		json_decref(given);
	}
	buf_free(&why);
	line_reader_close(&reader);
	return 0;
}
