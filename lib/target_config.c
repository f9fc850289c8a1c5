#include "target_config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "regfile.h"
#include "xalloc.h"

/* Which member names the destination for each type. */
static const char *destination_member(const char *type)
{
	if (strcmp(type, "sqlite") == 0)
		return "path";
	if (strcmp(type, "postgres") == 0)
		return "dsn";
	if (strcmp(type, "csv") == 0)
		return "dir";
	return NULL;
}

static json_t *load_file(const char *path, struct buf *why)
{
	struct stat st;
	json_error_t error;
	int fd = regfile_open(path, &st);
	if (fd == -2) {
		buf_printf(why, "%s: not a regular file (%s); --config names a JSON file", path,
			   regfile_kind(st.st_mode));
		return NULL;
	}
	if (fd < 0) {
		buf_printf(why, "%s: cannot read the configuration: %s", path, strerror(errno));
		return NULL;
	}
	json_t *root = json_loadfd(fd, JSON_REJECT_DUPLICATES, &error);
	close(fd);
	if (!root)
		buf_printf(why, "%s:%d: not JSON: %s", path, error.line, error.text);
	else if (!json_is_object(root))
		buf_printf(why, "%s: not a JSON object", path);
	if (root && !json_is_object(root)) {
		json_decref(root);
		return NULL;
	}
	return root;
}

/* A boolean option: the file's value unless the command line gave one. */
static int take_boolean(const json_t *value, int *option, int given)
{
	if (!json_is_boolean(value))
		return -1;
	if (!given)
		*option = json_is_true(value);
	return 0;
}

static int take_option(const char *name, const json_t *value, struct sink_options *options,
		       const int given[TARGET_OPTIONS])
{
	if (strcmp(name, "alter") == 0)
		return take_boolean(value, &options->alter, given[TARGET_ALTER]);
	if (strcmp(name, "wait") == 0)
		return take_boolean(value, &options->wait, given[TARGET_WAIT]);
	if (strcmp(name, "batch") == 0) {
		if (!json_is_integer(value) || json_integer_value(value) < 0)
			return -1;
		if (!given[TARGET_BATCH])
			options->batch_movies = (long)json_integer_value(value);
		return 0;
	}
	if (strcmp(name, "batch_seconds") == 0) {
		double seconds = json_number_value(value);
		if (!json_is_number(value) || !(seconds >= 0) || seconds > 1e9)
			return -1;
		if (!given[TARGET_BATCH_SECONDS])
			options->batch_seconds = seconds;
		return 0;
	}
	if (strcmp(name, "busy_timeout_ms") == 0) {
		if (!json_is_integer(value) || json_integer_value(value) < 0 ||
		    json_integer_value(value) > 2147483647)
			return -1;
		if (!given[TARGET_BUSY_TIMEOUT])
			options->busy_timeout_ms = (int)json_integer_value(value);
		return 0;
	}
	return -2;
}

int target_config_read(const char *path, struct target_config *config, struct sink_options *options,
		       const int given[TARGET_OPTIONS], struct buf *why)
{
	*config = (struct target_config){0};
	json_t *root = load_file(path, why);
	if (!root)
		return EXIT_CONFIG;
	const char *type = json_string_value(json_object_get(root, "type"));
	const char *member = type ? destination_member(type) : NULL;
	const char *where = member ? json_string_value(json_object_get(root, member)) : NULL;
	int status = 0;
	if (!member) {
		buf_printf(why, "%s: \"type\" must be \"sqlite\", \"postgres\" or \"csv\"", path);
		status = EXIT_CONFIG;
	} else if (!where || !*where) {
		/* Not the value: a DSN may hold a password. */
		buf_printf(why, "%s: a %s destination needs \"%s\", a non-empty string", path, type, member);
		status = EXIT_CONFIG;
	}
	const char *name;
	json_t *value;
	json_object_foreach(root, name, value) {
		if (status || strcmp(name, "type") == 0 || strcmp(name, member) == 0)
			continue;
		int taken = take_option(name, value, options, given);
		if (taken == -2)
			buf_printf(why, "%s: unknown setting \"%s\" (type, %s, alter, wait, batch, "
				   "batch_seconds, busy_timeout_ms)", path, name, member);
		else if (taken < 0)
			buf_printf(why, "%s: \"%s\" is not %s", path, name,
				   strcmp(name, "alter") == 0 || strcmp(name, "wait") == 0
					   ? "true or false" : "a number of the option's kind, 0 or more");
		status = taken < 0 ? EXIT_CONFIG : 0;
	}
	if (!status) {
		config->args[0] = xstrdup(type);
		config->args[1] = xstrdup(where);
	}
	json_decref(root);
	return status;
}

void target_config_free(struct target_config *config)
{
	free(config->args[0]);
	free(config->args[1]);
	*config = (struct target_config){0};
}
