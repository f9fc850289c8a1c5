#include "tables.h"

#include <string.h>

/* The seed's three tables (its names, column order and keys, typed), then the crew and
 * the genres. */
static const struct column movie_columns[] = {
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
	{"title", KIND_STRING, FROM_MOVIE, "title", 0, 0, NULL},
	{"overview", KIND_STRING, FROM_MOVIE, "overview", 0, 0, NULL},
	{"release_date", KIND_STRING, FROM_MOVIE, "release_date", 1, 0, "date"},
	{"runtime", KIND_INTEGER, FROM_MOVIE, "runtime", 0, 0, NULL},
	{"budget", KIND_INTEGER, FROM_MOVIE, "budget", 0, 0, NULL},
	{"revenue", KIND_INTEGER, FROM_MOVIE, "revenue", 0, 0, NULL},
	{"vote_average", KIND_NUMBER, FROM_MOVIE, "vote_average", 0, 0, NULL},
	{"vote_count", KIND_INTEGER, FROM_MOVIE, "vote_count", 0, 0, NULL},
	{"popularity", KIND_NUMBER, FROM_MOVIE, "popularity", 0, 0, NULL},
};

static const struct column credit_columns[] = {
	{"credit_id", KIND_STRING, FROM_ITEM, "credit_id", 0, 0, NULL},
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
	{"title", KIND_STRING, FROM_MOVIE, "title", 0, 0, NULL},
	{"person_id", KIND_STRING, FROM_ITEM, "id", 0, 1, NULL},
	{"person_name", KIND_STRING, FROM_ITEM, "name", 0, 0, NULL},
	{"character", KIND_STRING, FROM_ITEM, "character", 0, 0, NULL},
	{"order", KIND_INTEGER, FROM_ITEM, "order", 0, 0, NULL},
	{"cast_id", KIND_INTEGER, FROM_ITEM, "cast_id", 0, 0, NULL},
};

static const struct column review_columns[] = {
	{"review_id", KIND_STRING, FROM_ITEM, "id", 0, 0, NULL},
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
	{"title", KIND_STRING, FROM_MOVIE, "title", 0, 0, NULL},
	{"author", KIND_STRING, FROM_ITEM, "author", 0, 0, NULL},
	{"content", KIND_STRING, FROM_ITEM, "content", 0, 0, NULL},
	{"created_at", KIND_STRING, FROM_ITEM, "created_at", 0, 0, "date-time"},
	{"updated_at", KIND_STRING, FROM_ITEM, "updated_at", 0, 0, "date-time"},
	{"rating", KIND_NUMBER, FROM_ITEM, "author_details.rating", 0, 0, NULL},
};

static const struct column crew_columns[] = {
	{"credit_id", KIND_STRING, FROM_ITEM, "credit_id", 0, 0, NULL},
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
	{"person_id", KIND_STRING, FROM_ITEM, "id", 0, 1, NULL},
	{"person_name", KIND_STRING, FROM_ITEM, "name", 0, 0, NULL},
	{"department", KIND_STRING, FROM_ITEM, "department", 0, 0, NULL},
	{"job", KIND_STRING, FROM_ITEM, "job", 0, 0, NULL},
};

/* A genre has no id of its own per movie: the pair is the key. */
static const struct column genre_columns[] = {
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
	{"genre_id", KIND_INTEGER, FROM_ITEM, "id", 0, 0, NULL},
	{"name", KIND_STRING, FROM_ITEM, "name", 0, 0, NULL},
};

/* Sync bookkeeping, shaped from the "_sync" member tmdb-fetch adds in a sync (see
 * tmdb-director --sync): which person and job brought each movie, and the ETag of each
 * of a movie's requests with when it was answered, kept in the destination so they
 * commit with the rows. A warehouse made before a column here existed gets it without
 * --alter (layout_is_bookkeeping). */
static const struct column membership_columns[] = {
	{"person_id", KIND_STRING, FROM_ITEM, "person_id", 0, 0, NULL},
	{"job", KIND_STRING, FROM_ITEM, "job", 0, 0, NULL},
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
};

static const struct column sync_state_columns[] = {
	{"request", KIND_STRING, FROM_ITEM, "request", 0, 0, NULL},
	{"movie_id", KIND_STRING, FROM_MOVIE, "id", 0, 1, NULL},
	{"etag", KIND_STRING, FROM_ITEM, "etag", 0, 0, NULL},
	{"fetched_at", KIND_STRING, FROM_ITEM, "fetched_at", 0, 0, "date-time"},
};

#define KEY(...) {__VA_ARGS__}
#define COLUMNS(list) sizeof list / sizeof list[0], list

const struct table tmdb_tables[] = {
	{"movies", KEY("movie_id"), NULL, NULL, COLUMNS(movie_columns), NULL},
	{"credits", KEY("credit_id"), "credits.cast", "movie_id", COLUMNS(credit_columns), NULL},
	{"reviews", KEY("review_id"), "reviews.results", "movie_id", COLUMNS(review_columns), NULL},
	{"crew", KEY("credit_id"), "credits.crew", "movie_id", COLUMNS(crew_columns), NULL},
	{"genres", KEY("movie_id", "genre_id"), "genres", "movie_id", COLUMNS(genre_columns), NULL},
	/* Not a child of movies: another person's sync must not replace them. A movie that
	 * loses its last membership goes, with its rows. */
	{"memberships", KEY("person_id", "job", "movie_id"), "_sync.members", NULL,
	 COLUMNS(membership_columns), "movies"},
	{"sync_state", KEY("request"), "_sync.etags", "movie_id", COLUMNS(sync_state_columns), NULL},
};
const size_t tmdb_table_count = sizeof tmdb_tables / sizeof tmdb_tables[0];

const struct table *table_find(const char *name)
{
	for (size_t i = 0; i < tmdb_table_count; i++)
		if (strcmp(tmdb_tables[i].name, name) == 0)
			return &tmdb_tables[i];
	return NULL;
}

int table_is_sync(const struct table *table)
{
	return table->items && strncmp(table->items, "_sync.", 6) == 0;
}

int table_is_key(const struct table *table, const char *column)
{
	for (size_t k = 0; k < TABLE_KEY_MAX && table->key[k]; k++)
		if (strcmp(table->key[k], column) == 0)
			return 1;
	return 0;
}

const char *value_kind_json(enum value_kind kind)
{
	static const char *const names[] = {
		[KIND_STRING] = "string", [KIND_INTEGER] = "integer", [KIND_NUMBER] = "number",
		[KIND_BOOLEAN] = "boolean", [KIND_OBJECT] = "object", [KIND_ARRAY] = "array",
	};
	return (size_t)kind < sizeof names / sizeof names[0] ? names[kind] : NULL;
}

const char *value_kind_noun(enum value_kind kind)
{
	switch (kind) {
	case KIND_STRING: return "a string";
	case KIND_INTEGER: return "an integer";
	case KIND_NUMBER: return "a number";
	case KIND_BOOLEAN: return "a boolean";
	case KIND_OBJECT: return "an object";
	case KIND_ARRAY: return "an array";
	case KIND_JSON: return "any JSON value";
	default: return "a value";
	}
}

json_t *table_singer_schema(const struct table *table)
{
	json_t *properties = json_object(), *key = json_array();
	for (size_t i = 0; i < table->column_count; i++) {
		const struct column *c = &table->columns[i];
		/* Only the key is never null. */
		json_t *type = table_is_key(table, c->name)
				       ? json_string(value_kind_json(c->kind))
				       : json_pack("[s s]", value_kind_json(c->kind), "null");
		json_t *property = json_pack("{s o}", "type", type);
		if (c->format)
			json_object_set_new(property, "format", json_string(c->format));
		json_object_set_new(properties, c->name, property);
	}
	for (size_t k = 0; k < TABLE_KEY_MAX && table->key[k]; k++)
		json_array_append_new(key, json_string(table->key[k]));
	return json_pack("{s s, s s, s {s s, s o, s O}, s o}",
			 "type", "SCHEMA", "stream", table->name,
			 "schema", "type", "object", "properties", properties, "required", key,
			 "key_properties", key);
}
