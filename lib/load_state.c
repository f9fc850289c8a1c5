#include "load_state.h"

#include <stdlib.h>
#include <string.h>

#include "ids.h"
#include "jsonl.h"
#include "log.h"
#include "xalloc.h"

#define STATE_VERSION 1	/* lib/state.c's */

void load_state_init(struct load_state *state)
{
	*state = (struct load_state){0};
	state->etags = json_object();
	state->fetched = json_object();
	state->members = json_array();
	if (!state->etags || !state->fetched || !state->members)
		die(EXIT_SOFTWARE, "out of memory");
}

static void take_id_line(struct line_reader *reader, char *line, size_t len, void *context)
{
	static struct jdoc doc;
	static struct buf why;
	struct load_state *state = context;
	long long id;
	buf_clear(&why);
	if (ids_read_line(line, len, "movie", &doc, &id, &why) == IDS_REFUSED || !id)
		die(EXIT_DATAERR, "%s:%ld: %s", reader->name, reader->lineno, why.data);
	char text[32];
	snprintf(text, sizeof text, "%lld", id);
	if (strmap_get(&state->only, text, NULL))
		return;
	strmap_put(&state->only, text, 0);
	buf_printf(&state->only_json, "%s\"%s\"", state->only.count > 1 ? "," : "", text);
}

void load_state_read_ids(struct load_state *state, const char *path)
{
	char *names[] = {(char *)path};
	state->restricted = 1;
	buf_putc(&state->only_json, '[');
	jsonl_read_inputs(1, names, take_id_line, state);
	buf_putc(&state->only_json, ']');
}

int load_state_wants(const struct load_state *state, const char *movie_id)
{
	return !state->restricted || strmap_get(&state->only, movie_id, NULL);
}

/* Whether the value went in: text that is not UTF-8 does not. */
static int set_text(json_t *object, const char *key, const char *text)
{
	json_t *value = json_string(text);
	/* set_new frees the value when the key is not UTF-8 */
	return value && json_object_set_new(object, key, value) == 0;
}

void load_state_add_etag(struct load_state *state, const char *request, const char *etag,
			 const char *fetched_at)
{
	if (!set_text(state->etags, request, etag))
		log_debug(1, "state: the ETag of a request that is not UTF-8 is left out");
	else if (fetched_at)
		set_text(state->fetched, request, fetched_at);
}

void load_state_add_member(struct load_state *state, const char *person_id, const char *job,
			   const char *movie_id)
{
	json_error_t error;
	json_t *member = json_pack_ex(&error, 0, "{s s, s s, s s}", "person_id", person_id, "job", job,
				      "movie_id", movie_id);
	if (!member && json_error_code(&error) != json_error_invalid_utf8)
		die(EXIT_SOFTWARE, "out of memory");
	if (member && json_array_append_new(state->members, member) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

/* Rows of a sync table whose movie_id is a movie's: a destination emptied by hand, or
 * whose movies went another way, claims nothing it lacks. */
static void rows_of_movies(struct buf *sql, const char *columns, const char *table, const char *schema,
			   const char *only)
{
	buf_printf(sql, "SELECT %s FROM %s.%s s WHERE EXISTS (SELECT 1 FROM %s.movies m"
			" WHERE m.movie_id = s.movie_id)", columns, schema, table, schema);
	if (only)
		buf_printf(sql, " AND %s", only);
}

void load_state_etags_sql(struct buf *sql, const char *schema, int has_fetched_at, const char *only)
{
	rows_of_movies(sql, has_fetched_at ? "s.request, s.etag, s.fetched_at" : "s.request, s.etag, NULL",
		       "sync_state", schema, only);
}

void load_state_members_sql(struct buf *sql, const char *schema, const char *only)
{
	rows_of_movies(sql, "s.person_id, s.job, s.movie_id", "memberships", schema, only);
}

static int compare_member(const void *a, const void *b)
{
	static const char *const fields[] = {"person_id", "job", "movie_id"};
	const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
		int order = strcmp(json_string_value(json_object_get(x, fields[i])),
				   json_string_value(json_object_get(y, fields[i])));
		if (order)
			return order;
	}
	return 0;
}

static int compare_key(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A copy of an object by request with the requests in order: objects print in
 * insertion order. */
static json_t *sorted_by_request(const json_t *etags)
{
	size_t count = json_object_size(etags), n = 0;
	const char **keys = xcalloc(count ? count : 1, sizeof *keys);
	const char *key;
	json_t *value;
	json_object_foreach((json_t *)etags, key, value)
		keys[n++] = key;
	qsort(keys, n, sizeof *keys, compare_key);
	json_t *sorted = json_object();
	for (size_t i = 0; sorted && i < n; i++)
		if (json_object_set(sorted, keys[i], json_object_get(etags, keys[i])) < 0)
			die(EXIT_SOFTWARE, "out of memory");
	free(keys);
	return sorted;
}

static json_t *sorted_members(const json_t *members)
{
	size_t count = json_array_size(members);
	json_t **items = xcalloc(count ? count : 1, sizeof *items);
	for (size_t i = 0; i < count; i++)
		items[i] = json_array_get(members, i);
	qsort(items, count, sizeof *items, compare_member);
	json_t *sorted = json_array();
	for (size_t i = 0; sorted && i < count; i++)
		if (json_array_append(sorted, items[i]) < 0)
			die(EXIT_SOFTWARE, "out of memory");
	free(items);
	return sorted;
}

void load_state_print(struct load_state *state)
{
	json_t *etags = sorted_by_request(state->etags), *members = sorted_members(state->members);
	json_t *line = etags ? json_pack("{s i, s o}", "version", STATE_VERSION, "etags", etags) : NULL;
	if (!line || !members ||
	    (json_object_size(state->fetched) &&
	     json_object_set_new(line, "fetched", sorted_by_request(state->fetched)) < 0) ||
	    json_object_set_new(line, "members", members) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	jsonl_print(line);
	jsonl_finish();
	json_decref(line);
}

void load_state_free(struct load_state *state)
{
	json_decref(state->etags);
	json_decref(state->fetched);
	json_decref(state->members);
	strmap_free(&state->only);
	buf_free(&state->only_json);
	*state = (struct load_state){0};
}
