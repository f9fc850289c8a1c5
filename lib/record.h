/* Recordings of API responses: one file per request, in a tree that mirrors the API,
 * so `--record DIR` and `--replay DIR` need nothing else and DIR reads like the API:
 *   DIR/movie/550/append_to_response=credits,reviews&language=en-US.json
 * A 404 is kept as NAME.404.json. The credential is never part of a name or a body. */
#ifndef TMDB_RECORD_H
#define TMDB_RECORD_H

#include "buf.h"
#include "query.h"

/* The file a request's answer with this status is saved in and loaded from, as above:
 * DIR/PATH/SORTED-QUERY[.STATUS].json (no .STATUS for a 200, "index" for no query), each
 * query byte but [A-Za-z0-9,=&_-] as %XX. Returns 0, or -1 with errno set: EINVAL for a
 * path that could leave DIR. */
int record_file_name(struct buf *name, const char *dir, const char *path, const struct query *q,
		     long status);

/* Writes the response atomically; returns 0, or -1 with errno set. */
int record_save(const char *dir, const char *path, const struct query *q, long status,
		const struct buf *body);

/* Loads the response into body and its status (200, else 404) into *status; returns 0,
 * or -1 when the recording has no such request (errno ENOENT) or it cannot be read. */
int record_load(const char *dir, const char *path, const struct query *q, long *status,
		struct buf *body);

#endif
