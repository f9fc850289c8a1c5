/* GET requests to the TMDB API over one reused connection, with retries,
 * recording and replay. */
#ifndef TMDB_HTTP_H
#define TMDB_HTTP_H

#include <jansson.h>

#include "cred.h"
#include "query.h"

struct http_options {
	const char *base_url;		/* e.g. https://api.themoviedb.org/3 */
	const struct credential *cred;	/* NULL when replaying */
	const char *user_agent;
	long timeout_s;			/* bounds one attempt */
	int retries;
	const char *record_dir;		/* save every final response here, or NULL */
	const char *replay_dir;		/* answer from here with no network, or NULL */
};

enum http_outcome {
	HTTP_OK,		/* 200 with a JSON body */
	HTTP_NOT_FOUND,		/* 404 */
	HTTP_DENIED,		/* 401: the credentials were refused */
	HTTP_NOT_MODIFIED,	/* 304: unchanged since the ETag asked about */
	HTTP_FAILED,		/* anything else, after every retry */
};

struct http_result {
	enum http_outcome outcome;
	long status;		/* last HTTP status, 0 when none arrived */
	json_t *json;		/* the parsed body when HTTP_OK; the caller owns it */
	char message[512];	/* why, when not HTTP_OK; TMDB's status_message if it sent one */
	char etag[160];		/* the response's ETag, "" when it had none */
};

struct http_client;

struct http_client *http_client_new(const struct http_options *options);
void http_client_free(struct http_client *client);

/* GET base_url + path with the query (and the credential, added here only). */
void http_get(struct http_client *client, const char *path, const struct query *q,
	      struct http_result *result);

/* The same, asking the server to answer 304 when the resource still has this ETag. */
void http_get_if_changed(struct http_client *client, const char *path, const struct query *q,
			 const char *etag, struct http_result *result);

/* How many requests went to the network (not to a recording). */
long http_request_count(const struct http_client *client);

#endif
