/* The query parameters of one API request, in the order they were added. */
#ifndef TMDB_QUERY_H
#define TMDB_QUERY_H

#include <stddef.h>

#define QUERY_MAX_PARAMS 16

struct query {
	size_t count;
	struct query_param {
		const char *name;
		const char *value;
	} params[QUERY_MAX_PARAMS];
};

/* Adds or replaces name; the strings are borrowed, not copied. Returns -1 when full. */
int query_set(struct query *q, const char *name, const char *value);
const char *query_get(const struct query *q, const char *name);

#endif
