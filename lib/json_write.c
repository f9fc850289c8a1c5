#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int json_write_string(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	int failed = buf_putc(out, '"');
	size_t run = 0;		/* bytes copied as they are, in one append */
	for (size_t i = 0; i < len && !failed; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		failed = buf_append(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': failed |= buf_puts(out, "\\\""); break;
		case '\\': failed |= buf_puts(out, "\\\\"); break;
		case '\n': failed |= buf_puts(out, "\\n"); break;
		case '\r': failed |= buf_puts(out, "\\r"); break;
		case '\t': failed |= buf_puts(out, "\\t"); break;
		case '\b': failed |= buf_puts(out, "\\b"); break;
		case '\f': failed |= buf_puts(out, "\\f"); break;
		default: {
			char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
			failed |= buf_puts(out, esc);
		}
		}
	}
	if (!failed)
		failed = buf_append(out, s + run, len - run);
	return failed ? -1 : buf_putc(out, '"');
}

/* Digits by hand: printf's format parsing cost more than the row around them. */
int json_write_integer(struct buf *out, long long n)
{
	char digits[24], *p = digits + sizeof digits;
	unsigned long long magnitude = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	do
		*--p = (char)('0' + magnitude % 10);
	while (magnitude /= 10);
	if (n < 0)
		*--p = '-';
	return buf_append(out, p, (size_t)(digits + sizeof digits - p));
}

int json_write_real(struct buf *out, double d)
{
	char text[40];
	for (int precision = 15; precision <= 17; precision++) {
		snprintf(text, sizeof text, "%.*g", precision, d);
		if (strtod(text, NULL) == d)
			break;
	}
	/* Keep it a real for readers that tell 1.0 from 1, as the API does. */
	if (!strpbrk(text, ".eEn"))
		strcat(text, ".0");
	return buf_puts(out, text);
}

static int write_object(struct buf *out, const json_t *object)
{
	const char *key;
	json_t *member;
	int failed = buf_putc(out, '{');
	int first = 1;
	json_object_foreach((json_t *)object, key, member) {
		if (failed)
			break;
		failed = (!first && buf_putc(out, ',')) || json_write_string(out, key, strlen(key)) ||
			 buf_putc(out, ':') || json_write_compact(out, member);
		first = 0;
	}
	return failed ? -1 : buf_putc(out, '}');
}

static int write_array(struct buf *out, const json_t *array)
{
	int failed = buf_putc(out, '[');
	for (size_t i = 0; i < json_array_size(array) && !failed; i++)
		failed = (i && buf_putc(out, ',')) || json_write_compact(out, json_array_get(array, i));
	return failed ? -1 : buf_putc(out, ']');
}

int json_write_compact(struct buf *out, const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT: return write_object(out, value);
	case JSON_ARRAY: return write_array(out, value);
	case JSON_STRING: return json_write_string(out, json_string_value(value), json_string_length(value));
	case JSON_INTEGER: return json_write_integer(out, json_integer_value(value));
	case JSON_REAL: return json_write_real(out, json_real_value(value));
	case JSON_TRUE: return buf_puts(out, "true");
	case JSON_FALSE: return buf_puts(out, "false");
	case JSON_NULL: return buf_puts(out, "null");
	}
	return -1;
}

/* Members in document order, which is Jansson's order for the same text: the two
 * writers give the same bytes. */
int jdoc_write_compact(struct buf *out, const struct jdoc *doc, const struct jdoc_node *node)
{
	int container = node->type == JDOC_OBJECT || node->type == JDOC_ARRAY;
	int failed = 0;
	switch (node->type) {
	case JDOC_OBJECT:
	case JDOC_ARRAY:
		failed = buf_putc(out, node->type == JDOC_OBJECT ? '{' : '[');
		break;
	case JDOC_STRING: return json_write_string(out, node->text, node->len);
	case JDOC_INTEGER: return json_write_integer(out, node->integer);
	case JDOC_REAL: return json_write_real(out, node->real);
	case JDOC_TRUE: return buf_puts(out, "true");
	case JDOC_FALSE: return buf_puts(out, "false");
	case JDOC_NULL: return buf_puts(out, "null");
	}
	const struct jdoc_node *item = container && node->count ? jdoc_first(node) : NULL;
	for (size_t i = 0; i < node->count && !failed; i++, item = jdoc_next(doc, item)) {
		failed = i && buf_putc(out, ',');
		if (!failed && node->type == JDOC_OBJECT)
			failed = json_write_string(out, item->key, item->key_len) || buf_putc(out, ':');
		if (!failed)
			failed = jdoc_write_compact(out, doc, item);
	}
	return failed ? -1 : buf_putc(out, node->type == JDOC_OBJECT ? '}' : ']');
}
