#include "tables.h"

#include <string.h>

/* The seed's three tables: its names, column order and keys, typed. */
static const struct column movie_columns[] = {
	{"movie_id", COLUMN_TEXT, FROM_MOVIE, "id"},
	{"title", COLUMN_TEXT, FROM_MOVIE, "title"},
	{"overview", COLUMN_TEXT, FROM_MOVIE, "overview"},
	{"release_date", COLUMN_TEXT, FROM_MOVIE, "release_date"},
	{"runtime", COLUMN_INTEGER, FROM_MOVIE, "runtime"},
	{"budget", COLUMN_INTEGER, FROM_MOVIE, "budget"},
	{"revenue", COLUMN_INTEGER, FROM_MOVIE, "revenue"},
	{"vote_average", COLUMN_REAL, FROM_MOVIE, "vote_average"},
	{"vote_count", COLUMN_INTEGER, FROM_MOVIE, "vote_count"},
	{"popularity", COLUMN_REAL, FROM_MOVIE, "popularity"},
};

static const struct column credit_columns[] = {
	{"credit_id", COLUMN_TEXT, FROM_ITEM, "credit_id"},
	{"movie_id", COLUMN_TEXT, FROM_MOVIE, "id"},
	{"title", COLUMN_TEXT, FROM_MOVIE, "title"},
	{"person_id", COLUMN_TEXT, FROM_ITEM, "id"},
	{"person_name", COLUMN_TEXT, FROM_ITEM, "name"},
	{"character", COLUMN_TEXT, FROM_ITEM, "character"},
	{"order", COLUMN_INTEGER, FROM_ITEM, "order"},
	{"cast_id", COLUMN_INTEGER, FROM_ITEM, "cast_id"},
};

static const struct column review_columns[] = {
	{"review_id", COLUMN_TEXT, FROM_ITEM, "id"},
	{"movie_id", COLUMN_TEXT, FROM_MOVIE, "id"},
	{"title", COLUMN_TEXT, FROM_MOVIE, "title"},
	{"author", COLUMN_TEXT, FROM_ITEM, "author"},
	{"content", COLUMN_TEXT, FROM_ITEM, "content"},
	{"created_at", COLUMN_TEXT, FROM_ITEM, "created_at"},
	{"updated_at", COLUMN_TEXT, FROM_ITEM, "updated_at"},
	{"rating", COLUMN_REAL, FROM_ITEM, "author_details.rating"},
};

#define COLUMNS(list) sizeof list / sizeof list[0], list

const struct table tmdb_tables[] = {
	{"movies", "movie_id", NULL, NULL, COLUMNS(movie_columns)},
	{"credits", "credit_id", "credits.cast", "movie_id", COLUMNS(credit_columns)},
	{"reviews", "review_id", "reviews.results", "movie_id", COLUMNS(review_columns)},
};
const size_t tmdb_table_count = sizeof tmdb_tables / sizeof tmdb_tables[0];

const struct table *table_find(const char *name)
{
	for (size_t i = 0; i < tmdb_table_count; i++)
		if (strcmp(tmdb_tables[i].name, name) == 0)
			return &tmdb_tables[i];
	return NULL;
}

const struct column *table_column(const struct table *table, const char *name)
{
	for (size_t i = 0; i < table->column_count; i++)
		if (strcmp(table->columns[i].name, name) == 0)
			return &table->columns[i];
	return NULL;
}

const char *column_type_sql(enum column_type type)
{
	return type == COLUMN_INTEGER ? "INTEGER" : type == COLUMN_REAL ? "REAL" : "TEXT";
}

static const char *column_type_json(enum column_type type)
{
	return type == COLUMN_INTEGER ? "integer" : type == COLUMN_REAL ? "number" : "string";
}

json_t *table_singer_schema(const struct table *table)
{
	json_t *properties = json_object();
	for (size_t i = 0; i < table->column_count; i++) {
		const struct column *c = &table->columns[i];
		int is_key = strcmp(c->name, table->key) == 0;
		/* Only the key is never null. */
		json_t *type = is_key ? json_string(column_type_json(c->type))
				      : json_pack("[s s]", column_type_json(c->type), "null");
		json_object_set_new(properties, c->name, json_pack("{s o}", "type", type));
	}
	return json_pack("{s s, s s, s {s s, s o, s [s]}, s [s]}",
			 "type", "SCHEMA", "stream", table->name,
			 "schema", "type", "object", "properties", properties, "required", table->key,
			 "key_properties", table->key);
}
