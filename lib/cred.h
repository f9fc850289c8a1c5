/* TMDB credentials: a v3 API key or a v4 read-access token, never from argv. */
#ifndef TMDB_CRED_H
#define TMDB_CRED_H

enum cred_kind { CRED_API_KEY, CRED_BEARER };

struct credential {
	enum cred_kind kind;
	char *secret;
};

/* Loads from config_path when given (it wins), else TMDB_ACCESS_TOKEN, else
 * TMDB_API_KEY. Exits 78 when none is found or the file is malformed. The
 * secret is registered with the log so no message can show it. */
void cred_load(struct credential *cred, const char *config_path);
void cred_free(struct credential *cred);

#endif
