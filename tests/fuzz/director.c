/* tmdb-director's input path: JSON Lines of movie_credits objects, each parsed and its
 * crew filtered by job (the program's own print_wanted_credits, which lives in cmd/).
 * What it prints must be, in order, the first credit of every (movie, job) pair whose
 * job is wanted; a line it cannot take (no crew, a wanted credit without a usable movie
 * id) dies with 65. */
#include "jsonl.h"
#include "fuzz.h"

/* The program's calls to jsonl_print come here first, so the harness sees each line. */
static void print_credit(const json_t *credit);
#define jsonl_print print_credit
#define main tmdb_director_main
#include "../../cmd/tmdb-director.c"
#undef main
#undef jsonl_print

static const struct jobs wanted = {.names = {"Director", "Writer"}, .count = 2};

static json_t *printed;		/* the credits the current line printed */

static void print_credit(const json_t *credit)
{
	json_array_append(printed, (json_t *)credit);
	jsonl_print(credit);
}

struct director_call {
	struct line_reader *reader;
	char *line;
	size_t len;
};

static void call_print_wanted_credits(void *context)
{
	struct director_call *call = context;
	print_wanted_credits(call->reader, call->line, call->len, (void *)&wanted);
}

/* What the line should print, worked out the plain way; NULL when it should die. */
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
		int job = job_index(&wanted, json_string_value(json_object_get(credit, "job")));
		if (job < 0)
			continue;
		json_t *id = json_object_get(credit, "id");
		/* Above LLONG_MAX / MAX_JOBS an id is refused: it would overflow the dedup key. */
		if (json_integer_value(id) <= 0 || json_integer_value(id) > LLONG_MAX / MAX_JOBS) {
			json_decref(expected);
			expected = NULL;
			break;
		}
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
	fuzz_quiet_stdout();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader reader = {.fp = fuzz_open_bytes(data, size), .name = "-"};
	size_t len;
	/* jsonl_read_inputs' loop, with the reader ours so a line that dies leaks nothing. */
	for (char *line; (line = line_reader_next(&reader, &len));) {
		printed = json_array();
		struct director_call call = {&reader, line, len};
		int died = fuzz_catch_exit(call_print_wanted_credits, &call);
		json_t *expected = expected_credits(line, len);
		if (died && died != EXIT_DATAERR + 1)
			fuzz_fail("line %ld: exit %d", reader.lineno, died - 1);
		if (died && expected)
			fuzz_fail("line %ld: refused a good line", reader.lineno);
		if (!died && !json_equal(printed, expected))
			fuzz_fail("line %ld: printed %zu credits, not the %zu expected", reader.lineno,
				  json_array_size(printed), json_array_size(expected));
		json_decref(expected);
		json_decref(printed);
	}
	line_reader_close(&reader);
	return 0;
}
