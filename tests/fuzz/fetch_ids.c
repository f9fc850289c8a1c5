/* tmdb-fetch's input path: lines of IDs on standard input, each a number or a JSON
 * object with an "id", read as the program reads them (ids_read_line, lib/ids.c). An ID
 * taken is positive, and is the number the line plainly holds. */
#include <stdlib.h>
#include <string.h>
#include <jansson.h>

#include "ids.h"
#include "jsonl.h"

#include "fuzz.h"

/* The ID a line plainly holds: digits between blanks, or the integer "id" of an object
 * that names no key twice; 0 when it holds none of those plain forms, or a NUL (the
 * program may still take some of those). */
static long long plain_id(const char *text, size_t len)
{
	if (strlen(text) != len)
		return 0;
	text += strspn(text, " \t");
	if (*text == '{') {
		json_t *object = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
		long long id = json_integer_value(json_object_get(object, "id"));
		json_decref(object);
		return id;
	}
	size_t digits = strspn(text, "0123456789");
	if (digits == 0 || digits > 18 || text[digits + strspn(text + digits, " \t")] != '\0')
		return 0;
	return strtoll(text, NULL, 10);
}

/* The ID tmdb-fetch takes from a line that declares nothing: a number, or the "id" of an
 * object every program's judge accepts. */
static int take_id(const char *line, size_t len, long long *id)
{
	static struct jdoc doc;
	struct buf why = {0};
	enum ids_line read = ids_read_line(line, len, "movie", &doc, id, &why);
	buf_free(&why);
	if (read == IDS_OBJECT)
		return *id ? 0 : -1;
	return read == IDS_NUMBER ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct line_reader reader = {.fp = fuzz_open_bytes(data, size), .name = "-"};
	size_t len;
	for (char *line; (line = line_reader_next(&reader, &len));) {
		long long id = 0, plain = plain_id(line, len);
		int taken = take_id(line, len, &id) == 0;
		if (taken && id <= 0)
			fuzz_fail("line %ld: took ID %lld", reader.lineno, id);
		if (plain > 0 && (!taken || id != plain))
			fuzz_fail("line %ld: holds ID %lld, tmdb-fetch %s %lld", reader.lineno, plain,
				  taken ? "taken" : "refused", id);
	}
	line_reader_close(&reader);
	return 0;
}
