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

/* Copies q into copy, names and values too; query_free frees them. */
void query_copy(struct query *copy, const struct query *q);
void query_free(struct query *copy);

/* Orders the parameters by name, so equal requests have equal keys. */
void query_sort(struct query *q);

/* "path?a=1&b=2": the request with its parameters sorted and the API key left out,
 * the same whatever order they were added in. */
struct buf;
void query_request_key(struct buf *out, const char *path, const struct query *q);

#endif
