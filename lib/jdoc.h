/* A JSON document parsed into one array of nodes that is reused line after line: the
 * hot paths (tmdb-shape's movies, tmdb-load's rows) parse without an allocation per
 * value, where Jansson allocates every value and hashes every key.
 *
 * It accepts what Jansson's json_loadb(JSON_DECODE_ANY | JSON_REJECT_DUPLICATES)
 * accepts, with the same values (tests/fuzz/jdoc.c checks the two against each other):
 * RFC 8259 JSON in valid UTF-8, no \u0000, integers that fit a long long, reals that do
 * not overflow a double, nesting at most 2048 deep, no object naming a key twice. One
 * difference is meant: a NUL byte is refused anywhere, where Jansson lets one pass right
 * after a number or a literal. */
#ifndef TMDB_JDOC_H
#define TMDB_JDOC_H

#include <stddef.h>

#include "buf.h"

enum jdoc_type {
	JDOC_NULL, JDOC_FALSE, JDOC_TRUE, JDOC_INTEGER, JDOC_REAL, JDOC_STRING, JDOC_ARRAY,
	JDOC_OBJECT,
};

/* Nodes are in document order: a container's members follow it, and a node's next
 * sibling is at its end. */
struct jdoc_node {
	enum jdoc_type type;
	size_t end;		/* index one past this node and everything inside it */
	size_t count;		/* array: elements; object: members */
	const char *key;	/* a member of an object: its name, decoded; else NULL */
	size_t key_len;
	const char *text;	/* string: decoded, not NUL-terminated */
	size_t len;
	long long integer;
	double real;
};

struct jdoc {
	struct jdoc_node *nodes;
	size_t count, cap;
	char *strings;		/* decoded strings with escapes (others point into the input) */
	size_t strings_len, strings_cap;
	size_t *scratch;	/* the duplicate check's table for large objects */
	size_t scratch_cap;
};

/* Parses text (len bytes, any bytes) as one JSON value. Returns 0, or -1 with why
 * saying in one line what is wrong and where, as "not JSON: REASON (column N)", N the
 * byte's place in the input from 1. Strings may point into text, which must outlive the
 * nodes; the nodes last until the next parse. */
int jdoc_parse(struct jdoc *doc, const char *text, size_t len, struct buf *why);

static inline const struct jdoc_node *jdoc_root(const struct jdoc *doc)
{
	return &doc->nodes[0];
}

/* The first member or element of a container (count > 0), and the node after one. */
static inline const struct jdoc_node *jdoc_first(const struct jdoc_node *node)
{
	return node + 1;
}

static inline const struct jdoc_node *jdoc_next(const struct jdoc *doc, const struct jdoc_node *node)
{
	return &doc->nodes[node->end];
}

/* The member of object named key (a C string), or NULL. */
const struct jdoc_node *jdoc_get(const struct jdoc *doc, const struct jdoc_node *object,
				 const char *key);

/* The element at index of array, or NULL. */
const struct jdoc_node *jdoc_at(const struct jdoc *doc, const struct jdoc_node *array, size_t index);

void jdoc_free(struct jdoc *doc);

#endif
