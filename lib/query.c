#include "query.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

int query_set(struct query *q, const char *name, const char *value)
{
	for (size_t i = 0; i < q->count; i++) {
		if (strcmp(q->params[i].name, name) == 0) {
			q->params[i].value = value;
			return 0;
		}
	}
	if (q->count == QUERY_MAX_PARAMS)
		return -1;
	q->params[q->count++] = (struct query_param){name, value};
	return 0;
}

const char *query_get(const struct query *q, const char *name)
{
	for (size_t i = 0; i < q->count; i++)
		if (strcmp(q->params[i].name, name) == 0)
			return q->params[i].value;
	return NULL;
}

void query_copy(struct query *copy, const struct query *q)
{
	*copy = (struct query){0};
	for (size_t i = 0; i < q->count; i++)
		copy->params[copy->count++] = (struct query_param){xstrdup(q->params[i].name),
								   xstrdup(q->params[i].value)};
}

void query_free(struct query *copy)
{
	for (size_t i = 0; i < copy->count; i++) {
		free((char *)copy->params[i].name);
		free((char *)copy->params[i].value);
	}
	*copy = (struct query){0};
}

static int by_name(const void *a, const void *b)
{
	const struct query_param *x = a, *y = b;
	return strcmp(x->name, y->name);
}

void query_sort(struct query *q)
{
	qsort(q->params, q->count, sizeof q->params[0], by_name);
}

void query_request_key(struct buf *out, const char *path, const struct query *q)
{
	struct query sorted = *q;
	query_sort(&sorted);
	buf_puts(out, path);
	char separator = '?';
	for (size_t i = 0; i < sorted.count; i++) {
		if (strcmp(sorted.params[i].name, "api_key") == 0)
			continue;
		buf_printf(out, "%c%s=%s", separator, sorted.params[i].name, sorted.params[i].value);
		separator = '&';
	}
}
