#include "query.h"

#include <string.h>

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
