/* lib/jdoc.c against Jansson: for any bytes, jdoc_parse accepts exactly what
 * json_loadb(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES) accepts, and reads the same
 * value: types, integers, reals to the last bit, strings byte for byte, members in
 * order. tmdb-shape and tmdb-load trust jdoc where they trusted Jansson.
 * One difference is meant: Jansson skips a NUL byte right after a number or a literal
 * ("1\0", "[true\0]" load), jdoc refuses a NUL byte anywhere, as no JSON has one. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "jdoc.h"
#include <jansson.h>

static void compare(const struct jdoc *doc, const struct jdoc_node *node, const json_t *value);

static void compare_object(const struct jdoc *doc, const struct jdoc_node *node, const json_t *value)
{
	if (json_object_size(value) != node->count)
		fuzz_fail("an object of %zu members, Jansson's of %zu", node->count, json_object_size(value));
	const struct jdoc_node *member = node->count ? jdoc_first(node) : NULL;
	for (void *it = json_object_iter((json_t *)value); it; it = json_object_iter_next((json_t *)value, it)) {
		size_t key_len = json_object_iter_key_len(it);
		if (!member || member->key_len != key_len || memcmp(member->key, json_object_iter_key(it), key_len))
			fuzz_fail("members named otherwise or in another order");
		compare(doc, member, json_object_iter_value(it));
		member = jdoc_next(doc, member);
	}
}

static void compare_array(const struct jdoc *doc, const struct jdoc_node *node, const json_t *value)
{
	if (json_array_size(value) != node->count)
		fuzz_fail("an array of %zu elements, Jansson's of %zu", node->count, json_array_size(value));
	const struct jdoc_node *element = node->count ? jdoc_first(node) : NULL;
	for (size_t i = 0; i < node->count; i++, element = jdoc_next(doc, element)) {
		if (jdoc_at(doc, node, i) != element)
			fuzz_fail("jdoc_at(%zu) is not the %zuth element", i, i);
		compare(doc, element, json_array_get(value, i));
	}
}

static void compare(const struct jdoc *doc, const struct jdoc_node *node, const json_t *value)
{
	static const json_type types[] = {
		[JDOC_NULL] = JSON_NULL, [JDOC_FALSE] = JSON_FALSE, [JDOC_TRUE] = JSON_TRUE,
		[JDOC_INTEGER] = JSON_INTEGER, [JDOC_REAL] = JSON_REAL, [JDOC_STRING] = JSON_STRING,
		[JDOC_ARRAY] = JSON_ARRAY, [JDOC_OBJECT] = JSON_OBJECT,
	};
	if (types[node->type] != json_typeof(value))
		fuzz_fail("type %d, Jansson's %d", (int)node->type, (int)json_typeof(value));
	switch (node->type) {
	case JDOC_INTEGER:
		if (node->integer != json_integer_value(value))
			fuzz_fail("integer %lld, Jansson's %lld", node->integer, json_integer_value(value));
		break;
	case JDOC_REAL: {
		double mine = node->real, theirs = json_real_value(value);
		if (memcmp(&mine, &theirs, sizeof mine) != 0)
			fuzz_fail("real %.17g, Jansson's %.17g", mine, theirs);
		break;
	}
	case JDOC_STRING:
		if (node->len != json_string_length(value) || memcmp(node->text, json_string_value(value), node->len))
			fuzz_fail("another string");
		break;
	case JDOC_ARRAY:
		compare_array(doc, node, value);
		break;
	case JDOC_OBJECT:
		compare_object(doc, node, value);
		break;
	default:
		break;
	}
}

/* A refusal says one thing, once: "not JSON: REASON (column N)", N a place in the input
 * or just past it. */
static int well_said(const struct buf *why, size_t size)
{
	static const char head[] = "not JSON: ", place[] = " (column ";
	if (!why->data || strncmp(why->data, head, strlen(head)) != 0 || strchr(why->data, '\n'))
		return 0;
	const char *at = strstr(why->data, place);
	if (!at || at == why->data + strlen(head) || strstr(at + 1, place))
		return 0;
	const char *digits = at + strlen(place);
	size_t n = strspn(digits, "0123456789");
	if (!n || n > 20 || strcmp(digits + n, ")") != 0)
		return 0;
	unsigned long long column = strtoull(digits, NULL, 10);
	return column >= 1 && column <= (unsigned long long)size + 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct jdoc doc;
	struct buf why = {0};
	json_error_t error;
	json_t *value = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &error);
	int mine = jdoc_parse(&doc, (const char *)data, size, &why);
	if (!value && mine == 0)
		fuzz_fail("jdoc accepts what Jansson refuses: %s", error.text);
	if (value && mine < 0 && !memchr(data, '\0', size))
		fuzz_fail("jdoc refuses what Jansson accepts: %s", why.data);
	if (mine < 0 && !well_said(&why, size))
		fuzz_fail("an error without one reason and a place: '%s'", why.data ? why.data : "");
	if (mine == 0 && why.len)
		fuzz_fail("a parse that took the input says '%s'", why.data);
	if (value && mine == 0)
		compare(&doc, jdoc_root(&doc), value);
	json_decref(value);
	buf_free(&why);
	return 0;
}
