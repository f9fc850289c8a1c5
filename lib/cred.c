#include "cred.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <jansson.h>

#include "log.h"
#include "regfile.h"
#include "xalloc.h"

static void cred_set(struct credential *cred, enum cred_kind kind, const char *secret)
{
	cred->kind = kind;
	cred->secret = xstrdup(secret);
	log_add_secret(secret);
}

/* Who besides the owner may get at a file with this mode, widest first. */
static const char *who_else_may_use(mode_t mode)
{
	if (mode & S_IROTH)
		return "readable by others";
	if (mode & S_IRGRP)
		return "readable by its group";
	if (mode & S_IWOTH)
		return "writable by others";
	if (mode & S_IWGRP)
		return "writable by its group";
	return "open to its group or others";
}

/* Reads the seed's configuration.json: {"api_key": "…"} or {"access_token": "…"}. */
static void cred_from_config(struct credential *cred, const char *path)
{
	struct stat st;
	int fd = regfile_open(path, &st);
	if (fd == -2)
		die(EXIT_CONFIG, "%s: not a regular file (%s); --config names a JSON file", path,
		    regfile_kind(st.st_mode));
	if (fd < 0)
		die(EXIT_CONFIG, "%s: cannot read configuration: %s", path, strerror(errno));
	if (st.st_mode & 077)
		log_warn("%s: %s; chmod 600 it", path, who_else_may_use(st.st_mode));
	json_error_t error;
	json_t *config = json_loadfd(fd, 0, &error);
	int read_errno = errno;
	close(fd);
	/* jansson's error text quotes the input near the fault, which may be the key
	 * itself, so only the position is shown. */
	if (!config && error.line < 1)
		die(EXIT_CONFIG, "%s: cannot read configuration: %s", path, strerror(read_errno));
	if (!config)
		die(EXIT_CONFIG, "%s:%d:%d: configuration is not valid JSON", path, error.line,
		    error.column);
	if (!json_is_object(config)) {
		json_decref(config);
		die(EXIT_CONFIG, "%s: configuration must be a JSON object", path);
	}
	const char *names[] = {"access_token", "api_key"};
	for (int i = 0; i < 2; i++) {
		json_t *value = json_object_get(config, names[i]);
		if (!value)
			continue;
		if (!json_is_string(value) || json_string_length(value) == 0) {
			json_decref(config);
			die(EXIT_CONFIG, "%s: \"%s\" must be a non-empty string", path, names[i]);
		}
		cred_set(cred, i == 0 ? CRED_BEARER : CRED_API_KEY, json_string_value(value));
		json_decref(config);
		return;
	}
	json_decref(config);
	die(EXIT_CONFIG, "%s: no \"api_key\" or \"access_token\" in configuration", path);
}

void cred_load(struct credential *cred, const char *config_path)
{
	const char *token = getenv("TMDB_ACCESS_TOKEN");
	const char *key = getenv("TMDB_API_KEY");
	if (config_path)
		cred_from_config(cred, config_path);
	else if (token && *token)
		cred_set(cred, CRED_BEARER, token);
	else if (key && *key)
		cred_set(cred, CRED_API_KEY, key);
	else
		die(EXIT_CONFIG, "no TMDB credentials: set TMDB_API_KEY (v3 key), "
		    "TMDB_ACCESS_TOKEN (v4 read-access token), or pass --config FILE "
		    "with {\"api_key\": \"...\"}");
}

void cred_free(struct credential *cred)
{
	if (cred->secret) {
		/* Don't leave the key lying in freed heap memory. */
		memset(cred->secret, 0, strlen(cred->secret));
		free(cred->secret);
	}
	cred->secret = NULL;
}
