#include "jdoc.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

/* Jansson's JSON_PARSER_MAX_DEPTH: every value counts a level, scalars too. */
#define MAX_DEPTH 2048

/* Objects up to this many members are checked for a repeated key pair by pair; larger
 * ones through a hash table, so that a hostile line cannot cost n squared. */
#define PAIRWISE_MAX 16

struct parser {
	struct jdoc *doc;
	const unsigned char *start, *p, *end;
	int depth;
	struct buf *why;
};

/* Every failure comes through here once: the parse stops at the first. */
static int fail(struct parser *ps, const unsigned char *at, const char *what)
{
	buf_printf(ps->why, "not JSON: %s (column %zu)", what, (size_t)(at - ps->start) + 1);
	return -1;
}

static void skip_space(struct parser *ps)
{
	while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
		ps->p++;
}

static size_t new_node(struct parser *ps, enum jdoc_type type, const char *key, size_t key_len)
{
	struct jdoc *doc = ps->doc;
	doc->nodes = xgrow(doc->nodes, &doc->cap, doc->count, sizeof *doc->nodes);
	doc->nodes[doc->count] = (struct jdoc_node){.type = type, .key = key, .key_len = key_len};
	return doc->count++;
}

/* The length of the valid UTF-8 sequence at p (a byte of 0x80 or more), or 0: no
 * overlong forms, no surrogates, nothing past U+10FFFF, as Jansson checks. */
static size_t utf8_sequence(const unsigned char *p, const unsigned char *end)
{
	unsigned char c = p[0];
	size_t need;
	unsigned char low = 0x80, high = 0xBF;	/* the second byte's range */
	if (c >= 0xC2 && c <= 0xDF)
		need = 1;
	else if (c >= 0xE0 && c <= 0xEF)
		need = 2, low = c == 0xE0 ? 0xA0 : 0x80, high = c == 0xED ? 0x9F : 0xBF;
	else if (c >= 0xF0 && c <= 0xF4)
		need = 3, low = c == 0xF0 ? 0x90 : 0x80, high = c == 0xF4 ? 0x8F : 0xBF;
	else
		return 0;
	if ((size_t)(end - p) <= need || p[1] < low || p[1] > high)
		return 0;
	for (size_t i = 2; i <= need; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return need + 1;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Four hex digits after \u at p, or -1. */
static long read_hex4(const unsigned char *p, const unsigned char *end)
{
	if (end - p < 4)
		return -1;
	long value = 0;
	for (int i = 0; i < 4; i++) {
		int digit = hex_value(p[i]);
		if (digit < 0)
			return -1;
		value = value * 16 + digit;
	}
	return value;
}

static size_t put_utf8(char *out, unsigned long code)
{
	if (code < 0x80) {
		out[0] = (char)code;
		return 1;
	}
	if (code < 0x800) {
		out[0] = (char)(0xC0 | code >> 6);
		out[1] = (char)(0x80 | (code & 0x3F));
		return 2;
	}
	if (code < 0x10000) {
		out[0] = (char)(0xE0 | code >> 12);
		out[1] = (char)(0x80 | (code >> 6 & 0x3F));
		out[2] = (char)(0x80 | (code & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | code >> 18);
	out[1] = (char)(0x80 | (code >> 12 & 0x3F));
	out[2] = (char)(0x80 | (code >> 6 & 0x3F));
	out[3] = (char)(0x80 | (code & 0x3F));
	return 4;
}

/* A \u escape at p (the backslash), surrogate pairs joined; appends its UTF-8 to out.
 * Returns the bytes of input it took, or 0 with the error set. */
static size_t decode_unicode_escape(struct parser *ps, const unsigned char *p, char *out, size_t *out_len)
{
	long code = read_hex4(p + 2, ps->end);
	if (code < 0)
		return fail(ps, p, "invalid \\u escape"), 0;
	size_t taken = 6;
	if (code >= 0xDC00 && code <= 0xDFFF)
		return fail(ps, p, "a lone low surrogate in a \\u escape"), 0;
	if (code >= 0xD800 && code <= 0xDBFF) {
		long low = ps->end - p >= 12 && p[6] == '\\' && p[7] == 'u' ? read_hex4(p + 8, ps->end) : -1;
		if (low < 0xDC00 || low > 0xDFFF)
			return fail(ps, p, "a high surrogate without its low half in a \\u escape"), 0;
		code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
		taken = 12;
	}
	if (code == 0)
		return fail(ps, p, "\\u0000 is not allowed"), 0;
	*out_len += put_utf8(out + *out_len, (unsigned long)code);
	return taken;
}

static const char *escape_of(unsigned char c)
{
	switch (c) {
	case '"': return "\"";
	case '\\': return "\\";
	case '/': return "/";
	case 'b': return "\b";
	case 'f': return "\f";
	case 'n': return "\n";
	case 'r': return "\r";
	case 't': return "\t";
	default: return NULL;
	}
}

/* Decodes a string whose escapes start at p into the document's string space, which
 * jdoc_parse made as large as the whole input, so it never moves. */
static int decode_escaped(struct parser *ps, const unsigned char *from, const char **text, size_t *len)
{
	struct jdoc *doc = ps->doc;
	char *out = doc->strings + doc->strings_len;
	size_t n = (size_t)(ps->p - from);
	memcpy(out, from, n);
	while (ps->p < ps->end && *ps->p != '"') {
		const unsigned char *p = ps->p;
		if (*p < 0x20)
			return fail(ps, p, "a control character in a string");
		if (*p == '\\') {
			const char *plain = p + 1 < ps->end ? escape_of(p[1]) : NULL;
			size_t taken = 2;
			if (plain)
				out[n++] = *plain;
			else if (p + 1 < ps->end && p[1] == 'u')
				taken = decode_unicode_escape(ps, p, out, &n);
			else
				return fail(ps, p, "an invalid escape in a string");
			if (!taken)
				return -1;
			ps->p += taken;
			continue;
		}
		size_t size = *p < 0x80 ? 1 : utf8_sequence(p, ps->end);
		if (!size)
			return fail(ps, p, "invalid UTF-8 in a string");
		memcpy(out + n, p, size);
		n += size;
		ps->p += size;
	}
	if (ps->p == ps->end)
		return fail(ps, from - 1, "a string without its closing quote");
	ps->p++;
	doc->strings_len += n;
	*text = out;
	*len = n;
	return 0;
}

/* A string at ps->p (its opening quote). One without escapes points into the input. */
static int parse_string(struct parser *ps, const char **text, size_t *len)
{
	const unsigned char *from = ++ps->p;
	while (ps->p < ps->end) {
		unsigned char c = *ps->p;
		if (c == '"') {
			*text = (const char *)from;
			*len = (size_t)(ps->p++ - from);
			return 0;
		}
		if (c == '\\')
			return decode_escaped(ps, from, text, len);
		if (c < 0x20)
			return fail(ps, ps->p, "a control character in a string");
		size_t size = c < 0x80 ? 1 : utf8_sequence(ps->p, ps->end);
		if (!size)
			return fail(ps, ps->p, "invalid UTF-8 in a string");
		ps->p += size;
	}
	return fail(ps, from - 1, "a string without its closing quote");
}

static int is_digit(const unsigned char *p, const unsigned char *end)
{
	return p < end && *p >= '0' && *p <= '9';
}

static const unsigned char *skip_digits(const unsigned char *p, const unsigned char *end)
{
	while (is_digit(p, end))
		p++;
	return p;
}

/* A number as RFC 8259 writes it: an integer when it has no fraction or exponent (and
 * fits a long long), else a real (that does not overflow), as Jansson reads it. */
static int parse_number(struct parser *ps, size_t index)
{
	const unsigned char *p = ps->p, *end = ps->end, *from = p;
	int real = 0;
	p += *p == '-';
	if (!is_digit(p, end))
		return fail(ps, from, "an invalid number");
	p = *p == '0' ? p + 1 : skip_digits(p, end);
	if (p < end && *p == '.') {
		if (!is_digit(++p, end))
			return fail(ps, from, "an invalid number");
		p = skip_digits(p, end), real = 1;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		p += p + 1 < end && (p[1] == '+' || p[1] == '-') ? 2 : 1;
		if (!is_digit(p, end))
			return fail(ps, from, "an invalid number");
		p = skip_digits(p, end), real = 1;
	}
	/* strtoll and strtod need a terminated copy; a number is short, or one odd line. */
	char small[64], *copy = small;
	size_t n = (size_t)(p - from);
	if (n >= sizeof small)
		copy = xmalloc(n + 1);
	memcpy(copy, from, n);
	copy[n] = '\0';
	struct jdoc_node *node = &ps->doc->nodes[index];
	errno = 0;
	int status = 0;
	if (real) {
		node->type = JDOC_REAL;
		node->real = strtod(copy, NULL);
		if (errno == ERANGE && (node->real == HUGE_VAL || node->real == -HUGE_VAL))
			status = fail(ps, from, "a real number too large");
	} else {
		node->type = JDOC_INTEGER;
		node->integer = strtoll(copy, NULL, 10);
		if (errno == ERANGE)
			status = fail(ps, from, "an integer too large");
	}
	if (copy != small)
		free(copy);
	ps->p = p;
	return status;
}

static int parse_literal(struct parser *ps, size_t index, const char *word, enum jdoc_type type)
{
	size_t n = strlen(word);
	if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
		return fail(ps, ps->p, "an invalid literal");
	ps->doc->nodes[index].type = type;
	ps->p += n;
	return 0;
}

static int same_key(const struct jdoc_node *a, const struct jdoc_node *b)
{
	return a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0;
}

static size_t key_hash(const struct jdoc_node *node)
{
	size_t hash = 2166136261u;	/* FNV-1a */
	for (size_t i = 0; i < node->key_len; i++)
		hash = (hash ^ (unsigned char)node->key[i]) * 16777619u;
	return hash;
}

/* Whether the member at index repeats the name of one before it in the object at
 * parent. For small objects only: pair by pair. */
static int repeats_earlier_key(const struct jdoc *doc, size_t parent, size_t index)
{
	for (size_t a = parent + 1; a < index; a = doc->nodes[a].end)
		if (same_key(&doc->nodes[a], &doc->nodes[index]))
			return 1;
	return 0;
}

/* Whether the object at index names a key twice, through a hash table of its members. */
static int has_duplicate_key(struct jdoc *doc, size_t index)
{
	const struct jdoc_node *object = &doc->nodes[index];
	size_t size = 1;
	while (size < 2 * object->count)
		size *= 2;
	if (doc->scratch_cap < size) {
		free(doc->scratch);
		doc->scratch = xmalloc(size * sizeof *doc->scratch);
		doc->scratch_cap = size;
	}
	memset(doc->scratch, 0, size * sizeof *doc->scratch);	/* 0: empty; members are > 0 */
	for (size_t a = index + 1; a < object->end; a = doc->nodes[a].end) {
		size_t slot = key_hash(&doc->nodes[a]) & (size - 1);
		for (; doc->scratch[slot]; slot = (slot + 1) & (size - 1))
			if (same_key(&doc->nodes[doc->scratch[slot]], &doc->nodes[a]))
				return 1;
		doc->scratch[slot] = a;
	}
	return 0;
}

static int parse_value(struct parser *ps, const char *key, size_t key_len);

static int at(const struct parser *ps, char c)
{
	return ps->p < ps->end && *ps->p == c;
}

/* Steps over a container's opening bracket; 1 when close follows at once (consumed). */
static int opens_empty(struct parser *ps, char close)
{
	ps->p++;
	skip_space(ps);
	if (!at(ps, close))
		return 0;
	ps->p++;
	return 1;
}

/* After an element or member: 1 when a comma says more follow, 0 at close (both
 * consumed), -1 with the error set otherwise. */
static int more_after_item(struct parser *ps, char close, const char *what)
{
	skip_space(ps);
	if (at(ps, ',') || at(ps, close))
		return *ps->p++ == ',';
	return fail(ps, ps->p, what);
}

static int parse_array(struct parser *ps, size_t index)
{
	size_t count = 0;
	int more = !opens_empty(ps, ']');
	while (more > 0) {
		if (parse_value(ps, NULL, 0) < 0)
			return -1;
		count++;
		more = more_after_item(ps, ']', "expected ',' or ']' in an array");
	}
	ps->doc->nodes[index].count = count;
	return more;
}

static int parse_object(struct parser *ps, size_t index)
{
	size_t count = 0;
	int more = !opens_empty(ps, '}');
	while (more > 0) {
		const char *key;
		size_t key_len;
		const unsigned char *key_at = ps->p;
		if (!at(ps, '"'))
			return fail(ps, ps->p, "expected a string as an object's key");
		if (parse_string(ps, &key, &key_len) < 0)
			return -1;
		skip_space(ps);
		if (!at(ps, ':'))
			return fail(ps, ps->p, "expected ':' after an object's key");
		ps->p++;
		size_t member = ps->doc->count;
		if (parse_value(ps, key, key_len) < 0)
			return -1;
		if (++count <= PAIRWISE_MAX && repeats_earlier_key(ps->doc, index, member))
			return fail(ps, key_at, "an object names a key twice");
		more = more_after_item(ps, '}', "expected ',' or '}' in an object");
		if (more > 0)
			skip_space(ps);
	}
	if (more < 0)
		return -1;
	ps->doc->nodes[index].count = count;
	ps->doc->nodes[index].end = ps->doc->count;
	if (count > PAIRWISE_MAX && has_duplicate_key(ps->doc, index))
		return fail(ps, ps->p - 1, "an object names a key twice");
	return 0;
}

static int parse_value(struct parser *ps, const char *key, size_t key_len)
{
	if (++ps->depth > MAX_DEPTH)
		return fail(ps, ps->p, "nested too deep");
	skip_space(ps);
	if (ps->p == ps->end)
		return fail(ps, ps->p, "unexpected end of input");
	size_t index = new_node(ps, JDOC_NULL, key, key_len);
	int status;
	switch (*ps->p) {
	case '{':
		ps->doc->nodes[index].type = JDOC_OBJECT;
		status = parse_object(ps, index);
		break;
	case '[':
		ps->doc->nodes[index].type = JDOC_ARRAY;
		status = parse_array(ps, index);
		break;
	case '"': {
		const char *text;
		size_t len;
		status = parse_string(ps, &text, &len);
		ps->doc->nodes[index].type = JDOC_STRING;
		ps->doc->nodes[index].text = text;
		ps->doc->nodes[index].len = len;
		break;
	}
	case 't':
		status = parse_literal(ps, index, "true", JDOC_TRUE);
		break;
	case 'f':
		status = parse_literal(ps, index, "false", JDOC_FALSE);
		break;
	case 'n':
		status = parse_literal(ps, index, "null", JDOC_NULL);
		break;
	default:
		status = (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))
				 ? parse_number(ps, index) : fail(ps, ps->p, "unexpected character");
	}
	ps->doc->nodes[index].end = ps->doc->count;
	ps->depth--;
	return status;
}

int jdoc_parse(struct jdoc *doc, const char *text, size_t len, struct buf *why)
{
	doc->count = 0;
	doc->strings_len = 0;
	if (doc->strings_cap < len + 1) {
		free(doc->strings);
		doc->strings = xmalloc(len + 1);
		doc->strings_cap = len + 1;
	}
	const unsigned char *start = (const unsigned char *)text;
	struct parser ps = {doc, start, start, start + len, 0, why};
	if (parse_value(&ps, NULL, 0) < 0)
		return -1;
	skip_space(&ps);
	if (ps.p != ps.end)
		return fail(&ps, ps.p, "more after the value");
	return 0;
}

const struct jdoc_node *jdoc_get(const struct jdoc *doc, const struct jdoc_node *object,
				 const char *key)
{
	if (!object || object->type != JDOC_OBJECT)
		return NULL;
	size_t key_len = strlen(key);
	const struct jdoc_node *stop = &doc->nodes[object->end];
	for (const struct jdoc_node *member = object + 1; member < stop; member = jdoc_next(doc, member))
		if (member->key_len == key_len && memcmp(member->key, key, key_len) == 0)
			return member;
	return NULL;
}

const struct jdoc_node *jdoc_at(const struct jdoc *doc, const struct jdoc_node *array, size_t index)
{
	if (!array || array->type != JDOC_ARRAY || index >= array->count)
		return NULL;
	const struct jdoc_node *element = array + 1;
	while (index--)
		element = jdoc_next(doc, element);
	return element;
}

void jdoc_free(struct jdoc *doc)
{
	free(doc->nodes);
	free(doc->strings);
	free(doc->scratch);
	*doc = (struct jdoc){0};
}
