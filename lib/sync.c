#include "sync.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "xalloc.h"

bool sync_is_declaration(const json_t *line)
{
	return json_is_object(json_object_get(line, "_sync"));
}

static struct sync_scope *find_scope(struct sync *sync, const char *person_id, const char *job)
{
	for (size_t i = 0; i < sync->count; i++)
		if (strcmp(sync->scopes[i].person_id, person_id) == 0 &&
		    strcmp(sync->scopes[i].job, job) == 0)
			return &sync->scopes[i];
	return NULL;
}

static struct sync_scope *add_scope(struct sync *sync, const char *person_id, const char *job)
{
	sync->scopes = xgrow(sync->scopes, &sync->cap, sync->count, sizeof *sync->scopes);
	struct sync_scope *scope = &sync->scopes[sync->count++];
	*scope = (struct sync_scope){.person_id = xstrdup(person_id), .job = xstrdup(job)};
	return scope;
}

int sync_take_declaration(struct sync *sync, const json_t *line, struct buf *why)
{
	const json_t *declared = json_object_get(line, "_sync");
	const char *person_id = json_string_value(json_object_get(declared, "person_id"));
	const char *job = json_string_value(json_object_get(declared, "job"));
	json_t *movies = json_object_get(declared, "movies");
	if (!person_id || !*person_id || !job || !*job || !json_is_array(movies)) {
		buf_puts(why, "a \"_sync\" declaration needs \"person_id\", \"job\" and \"movies\"");
		return -1;
	}
	size_t i;
	json_t *movie;
	json_array_foreach(movies, i, movie) {
		if (json_integer_value(movie) <= 0) {
			buf_printf(why, "\"_sync\".\"movies\"[%zu] is not a movie ID", i);
			return -1;
		}
	}
	struct sync_scope *scope = find_scope(sync, person_id, job);
	if (!scope)
		scope = add_scope(sync, person_id, job);
	json_decref(scope->movies);
	idset_free(&scope->held);
	scope->movies = json_incref(movies);
	json_array_foreach(movies, i, movie)
		idset_add(&scope->held, json_integer_value(movie));
	return 0;
}

static json_t *member(const char *person_id, const char *job)
{
	json_t *m = json_pack("{s s, s s}", "person_id", person_id, "job", job);
	if (!m)
		die(EXIT_SOFTWARE, "out of memory");
	return m;
}

static void append(json_t *array, json_t *value)
{
	if (json_array_append_new(array, value) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

json_t *sync_members_of(const struct sync *sync, long long movie)
{
	json_t *members = json_array();
	if (!members)
		die(EXIT_SOFTWARE, "out of memory");
	for (size_t i = 0; i < sync->count; i++)
		if (idset_has(&sync->scopes[i].held, movie))
			append(members, member(sync->scopes[i].person_id, sync->scopes[i].job));
	return members;
}

void sync_mark_movie(const struct sync *sync, json_t *movie, long long id)
{
	json_t *marks = json_object_get(movie, "_sync");
	if (!marks && json_object_set_new(movie, "_sync", marks = json_object()) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	if (json_object_set_new(marks, "members", sync_members_of(sync, id)) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

json_t *sync_mark(json_t *members, long long id, const char *mark)
{
	json_t *line = json_pack("{s I, s {s o, s b}}", "id", (json_int_t)id, "_sync", "members",
				 members, mark, 1);
	if (!line)
		die(EXIT_SOFTWARE, "out of memory");
	return line;
}

long long sync_first_missing(const struct sync *sync, const struct idset *seen,
			     const struct sync_scope **scope)
{
	for (size_t i = 0; i < sync->count; i++) {
		size_t j;
		json_t *movie;
		json_array_foreach(sync->scopes[i].movies, j, movie) {
			if (!idset_has(seen, json_integer_value(movie))) {
				*scope = &sync->scopes[i];
				return json_integer_value(movie);
			}
		}
	}
	return 0;
}

/* The state names movies as text, as the tables do. */
static long long movie_id_of(const json_t *member)
{
	const char *text = json_string_value(json_object_get(member, "movie_id"));
	char *end;
	errno = 0;
	long long id = text ? strtoll(text, &end, 10) : 0;
	return text && !errno && end != text && !*end && id > 0 ? id : 0;
}

void sync_departures(const struct sync *sync, void (*print)(json_t *mark))
{
	size_t i;
	json_t *old;
	json_array_foreach(sync->old_members, i, old) {
		const char *person_id = json_string_value(json_object_get(old, "person_id"));
		const char *job = json_string_value(json_object_get(old, "job"));
		long long id = movie_id_of(old);
		struct sync_scope *scope = person_id && job && id
			? find_scope((struct sync *)sync, person_id, job) : NULL;
		if (!scope || idset_has(&scope->held, id))
			continue;
		json_t *members = json_array();
		if (!members)
			die(EXIT_SOFTWARE, "out of memory");
		append(members, member(person_id, job));
		print(sync_mark(members, id, "deleted"));
	}
}

json_t *sync_members_after(const struct sync *sync)
{
	json_t *members = json_array();
	if (!members)
		die(EXIT_SOFTWARE, "out of memory");
	size_t i;
	json_t *old, *movie;
	json_array_foreach(sync->old_members, i, old) {
		const char *person_id = json_string_value(json_object_get(old, "person_id"));
		const char *job = json_string_value(json_object_get(old, "job"));
		if (person_id && job && !find_scope((struct sync *)sync, person_id, job))
			append(members, json_incref(old));
	}
	for (size_t s = 0; s < sync->count; s++) {
		json_array_foreach(sync->scopes[s].movies, i, movie) {
			char id[24];
			snprintf(id, sizeof id, "%lld", (long long)json_integer_value(movie));
			json_t *m = member(sync->scopes[s].person_id, sync->scopes[s].job);
			if (json_object_set_new(m, "movie_id", json_string(id)) < 0)
				die(EXIT_SOFTWARE, "out of memory");
			append(members, m);
		}
	}
	return members;
}

void sync_free(struct sync *sync)
{
	for (size_t i = 0; i < sync->count; i++) {
		free(sync->scopes[i].person_id);
		free(sync->scopes[i].job);
		json_decref(sync->scopes[i].movies);
		idset_free(&sync->scopes[i].held);
	}
	free(sync->scopes);
	*sync = (struct sync){0};
}
