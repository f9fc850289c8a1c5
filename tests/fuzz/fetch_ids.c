/* tmdb-fetch's input path: lines of IDs on standard input, each a number or a JSON
 * object with an "id" (the program's own parse_id, which lives in cmd/). An ID taken
 * is positive, and is the number the line plainly holds. */
#include "fuzz.h"

#define main tmdb_fetch_main
#include "../../cmd/tmdb-fetch.c"
#undef main

/* The ID a line plainly holds: digits between blanks, or an object's integer "id";
 * 0 when it holds none of those plain forms (parse_id may still take it). */
static long long plain_id(const char *text)
{
	text += strspn(text, " \t");
	if (*text == '{') {
		json_t *object = json_loads(text, 0, NULL);
		long long id = json_integer_value(json_object_get(object, "id"));
		json_decref(object);
		return id;
	}
	size_t digits = strspn(text, "0123456789");
	if (digits == 0 || digits > 18 || text[digits + strspn(text + digits, " \t")] != '\0')
		return 0;
	return strtoll(text, NULL, 10);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader reader = {.fp = fuzz_open_bytes(data, size), .name = "-"};
	size_t len;
	for (char *line; (line = line_reader_next(&reader, &len));) {
		long long id = 0, plain = plain_id(line);
		int taken = parse_id(line, &id) == 0;
		if (taken && id <= 0)
			fuzz_fail("line %ld: took ID %lld", reader.lineno, id);
		if (plain > 0 && (!taken || id != plain))
			fuzz_fail("line %ld: holds ID %lld, parse_id says %s %lld", reader.lineno, plain,
				  taken ? "taken" : "refused", id);
	}
	line_reader_close(&reader);
	return 0;
}
