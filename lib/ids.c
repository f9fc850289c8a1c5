#include "ids.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "jsonl.h"

int ids_parse(const char *text, long long *id)
{
	char *end;
	while (*text == ' ' || *text == '\t')
		text++;
	errno = 0;
	*id = strtoll(text, &end, 10);
	while (*end == ' ' || *end == '\t')
		end++;
	return errno || end == text || *end || *id <= 0 ? -1 : 0;
}

/* The "id" of a line's object: a positive integer, or such a number as a string. */
static int object_id(const struct jdoc *doc, long long *id)
{
	const struct jdoc_node *member = jdoc_get(doc, jdoc_root(doc), "id");
	char text[32];
	if (member && member->type == JDOC_INTEGER)
		return (*id = member->integer) > 0 ? 0 : -1;
	if (!member || member->type != JDOC_STRING || member->len >= sizeof text)
		return -1;
	memcpy(text, member->text, member->len);	/* jdoc refuses a NUL in a string */
	text[member->len] = '\0';
	return ids_parse(text, id);
}

enum ids_line ids_read_line(const char *line, size_t len, const char *kind, struct jdoc *doc,
			    long long *id, struct buf *why)
{
	/* A NUL byte would end the text before the line ends. */
	if (strlen(line) == len && ids_parse(line, id) == 0)
		return IDS_NUMBER;
	bool object = line[strspn(line, " \t")] == '{';
	if (object && jsonl_judge_line(doc, line, len, why) < 0)
		return IDS_REFUSED;	/* why: the judge's */
	buf_printf(why, "expected a %s ID or a JSON object with an \"id\"", kind);
	if (!object)
		return IDS_REFUSED;
	if (object_id(doc, id) < 0)
		*id = 0;
	return IDS_OBJECT;
}
