/* The JSON writer every program prints with (lib/json_write.c json_write_compact):
 * parse, write, parse again must give the value back (a real stays a real, to the
 * last bit); the text is one line, and writing what it reads back gives the same text. */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "jsonl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *value = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!value)
		return 0;
	struct buf text = {0}, again = {0};
	json_write_compact(&text, value);
	json_error_t error;
	json_t *back = json_loadb(text.data, text.len, JSON_DECODE_ANY, &error);
	if (!back)
		fuzz_fail("the writer's text is not JSON: %s at %d: %.200s", error.text, error.position,
			  text.data);
	if (!json_equal(value, back))
		fuzz_fail("read back as another value: %.200s", text.data);
	for (size_t i = 0; i < text.len; i++)
		if ((unsigned char)text.data[i] < 0x20)
			fuzz_fail("a control character at byte %zu of the writer's text", i);
	json_write_compact(&again, back);
	if (again.len != text.len || memcmp(again.data, text.data, text.len) != 0)
		fuzz_fail("written twice, two texts: %.200s and %.200s", text.data, again.data);
	json_decref(back);
	json_decref(value);
	buf_free(&text);
	buf_free(&again);
	return 0;
}
