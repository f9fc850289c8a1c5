#include "state.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "log.h"
#include "regfile.h"

#define STATE_VERSION 1

void state_init(struct state *state)
{
	*state = (struct state){.etags = json_object(), .fetched = json_object()};
	if (!state->etags || !state->fetched)
		die(EXIT_SOFTWARE, "out of memory");
}

void state_load(struct state *state, const char *path)
{
	json_error_t error;
	struct stat st;
	int fd = regfile_open(path, &st);
	if (fd == -1 && errno == ENOENT) {
		state_init(state);
		return;
	}
	if (fd == -2)
		die(EXIT_CONFIG, "%s: not a regular file (%s); --state names a state file", path,
		    regfile_kind(st.st_mode));
	if (fd < 0)
		die(EXIT_CONFIG, "%s: cannot read state: %s", path, strerror(errno));
	json_t *root = json_loadfd(fd, 0, &error);
	close(fd);
	if (!root)
		die(EXIT_CONFIG, "%s:%d: not a readable state file: %s", path, error.line, error.text);
	json_t *etags = json_object_get(root, "etags");
	if (json_integer_value(json_object_get(root, "version")) != STATE_VERSION ||
	    !json_is_object(etags))
		die(EXIT_CONFIG, "%s: not a tmdb-fetch state file (version %d)", path, STATE_VERSION);
	json_t *members = json_object_get(root, "members");
	if (members && !json_is_array(members))
		die(EXIT_CONFIG, "%s: \"members\" is not a list", path);
	/* A state from before the times were kept has none: its requests are not fresh. */
	json_t *fetched = json_object_get(root, "fetched");
	if (fetched && !json_is_object(fetched))
		die(EXIT_CONFIG, "%s: \"fetched\" is not an object", path);
	state->etags = json_incref(etags);
	state->fetched = fetched ? json_incref(fetched) : json_object();
	state->members = json_incref(members);
	if (!state->fetched)
		die(EXIT_SOFTWARE, "out of memory");
	json_decref(root);
}

const char *state_etag(const struct state *state, const char *key)
{
	return json_string_value(json_object_get(state->etags, key));
}

/* JSON holds only UTF-8: a request or an ETag that is not (HTTP allows Latin-1 in an
 * ETag) is not kept, and that request goes out unconditionally next time. Returns
 * whether it was kept. */
static bool set_text(json_t *object, const char *key, const char *text)
{
	json_error_t error;
	json_t *entry = json_pack_ex(&error, 0, "{s s}", key, text);
	if (!entry && json_error_code(&error) == json_error_invalid_utf8)
		return false;
	if (!entry || json_object_update(object, entry) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	json_decref(entry);
	return true;
}

void state_set_etag(struct state *state, const char *key, const char *etag, const char *fetched_at)
{
	if (set_text(state->etags, key, etag) && fetched_at)
		set_text(state->fetched, key, fetched_at);
}

const char *state_fetched(const struct state *state, const char *key)
{
	return json_string_value(json_object_get(state->fetched, key));
}

void state_save(const struct state *state, const char *path)
{
	struct buf temp = {0};
	buf_printf(&temp, "%s.tmp.%ld", path, (long)getpid());
	json_t *root = json_pack("{s i, s O}", "version", STATE_VERSION, "etags", state->etags);
	if (root && json_object_size(state->fetched) &&
	    json_object_set(root, "fetched", state->fetched) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	if (root && state->members && json_object_set(root, "members", state->members) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	int failed = !root || json_dump_file(root, temp.data, JSON_INDENT(1) | JSON_SORT_KEYS) < 0;
	json_decref(root);
	if (failed || rename(temp.data, path) < 0) {
		int saved = errno;
		unlink(temp.data);
		die(EXIT_CANTCREAT, "%s: cannot write state: %s", path, strerror(saved ? saved : EIO));
	}
	buf_free(&temp);
}

void state_free(struct state *state)
{
	json_decref(state->etags);
	json_decref(state->fetched);
	json_decref(state->members);
	*state = (struct state){0};
}
