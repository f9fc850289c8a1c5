#include "jsonl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_write_string(struct buf *out, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	buf_putc(out, '"');
	size_t run = 0;		/* bytes copied as they are, in one append */
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_append(out, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': buf_puts(out, "\\\""); break;
		case '\\': buf_puts(out, "\\\\"); break;
		case '\n': buf_puts(out, "\\n"); break;
		case '\r': buf_puts(out, "\\r"); break;
		case '\t': buf_puts(out, "\\t"); break;
		case '\b': buf_puts(out, "\\b"); break;
		case '\f': buf_puts(out, "\\f"); break;
		default: {
			char esc[7] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15], 0};
			buf_puts(out, esc);
		}
		}
	}
	buf_append(out, s + run, len - run);
	buf_putc(out, '"');
}

/* Digits by hand: printf's format parsing cost more than the row around them. */
void json_write_integer(struct buf *out, long long n)
{
	char digits[24], *p = digits + sizeof digits;
	unsigned long long magnitude = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
	do
		*--p = (char)('0' + magnitude % 10);
	while (magnitude /= 10);
	if (n < 0)
		*--p = '-';
	buf_append(out, p, (size_t)(digits + sizeof digits - p));
}

void json_write_real(struct buf *out, double d)
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
	buf_puts(out, text);
}

static void write_object(struct buf *out, const json_t *object)
{
	const char *key;
	json_t *member;
	int first = 1;
	buf_putc(out, '{');
	json_object_foreach((json_t *)object, key, member) {
		if (!first)
			buf_putc(out, ',');
		json_write_string(out, key, strlen(key));
		buf_putc(out, ':');
		json_write_compact(out, member);
		first = 0;
	}
	buf_putc(out, '}');
}

static void write_array(struct buf *out, const json_t *array)
{
	buf_putc(out, '[');
	for (size_t i = 0; i < json_array_size(array); i++) {
		if (i)
			buf_putc(out, ',');
		json_write_compact(out, json_array_get(array, i));
	}
	buf_putc(out, ']');
}

void json_write_compact(struct buf *out, const json_t *value)
{
	switch (json_typeof(value)) {
	case JSON_OBJECT: write_object(out, value); break;
	case JSON_ARRAY: write_array(out, value); break;
	case JSON_STRING: json_write_string(out, json_string_value(value), json_string_length(value)); break;
	case JSON_INTEGER: json_write_integer(out, json_integer_value(value)); break;
	case JSON_REAL: json_write_real(out, json_real_value(value)); break;
	case JSON_TRUE: buf_puts(out, "true"); break;
	case JSON_FALSE: buf_puts(out, "false"); break;
	case JSON_NULL: buf_puts(out, "null"); break;
	}
}

/* Members in document order, which is Jansson's order for the same text: the two
 * writers give the same bytes. */
void jdoc_write_compact(struct buf *out, const struct jdoc *doc, const struct jdoc_node *node)
{
	switch (node->type) {
	case JDOC_OBJECT:
	case JDOC_ARRAY:
		break;
	case JDOC_STRING: json_write_string(out, node->text, node->len); return;
	case JDOC_INTEGER: json_write_integer(out, node->integer); return;
	case JDOC_REAL: json_write_real(out, node->real); return;
	case JDOC_TRUE: buf_puts(out, "true"); return;
	case JDOC_FALSE: buf_puts(out, "false"); return;
	case JDOC_NULL: buf_puts(out, "null"); return;
	}
	buf_putc(out, node->type == JDOC_OBJECT ? '{' : '[');
	const struct jdoc_node *item = node->count ? jdoc_first(node) : NULL;
	for (size_t i = 0; i < node->count; i++, item = jdoc_next(doc, item)) {
		if (i)
			buf_putc(out, ',');
		if (node->type == JDOC_OBJECT) {
			json_write_string(out, item->key, item->key_len);
			buf_putc(out, ':');
		}
		jdoc_write_compact(out, doc, item);
	}
	buf_putc(out, node->type == JDOC_OBJECT ? '}' : ']');
}
