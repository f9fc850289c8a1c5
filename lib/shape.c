#include "shape.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Follows a dotted path such as "author_details.rating"; NULL when any step is missing. */
static const json_t *lookup(const json_t *object, const char *path)
{
	char step[64];
	while (object && *path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof step)
			return NULL;
		memcpy(step, path, n);
		step[n] = '\0';
		object = json_object_get(object, step);
		path += n + (path[n] == '.');
	}
	return object;
}

/* The value typed as the column says; NULL when the source is of another kind. */
static json_t *typed_value(const struct column *column, const json_t *source)
{
	if (!source || json_is_null(source))
		return json_null();
	switch (column->type) {
	case COLUMN_TEXT:
		if (json_is_string(source))
			return column->empty_is_null && json_string_length(source) == 0
				       ? json_null() : json_copy((json_t *)source);
		if (json_is_integer(source))	/* TMDB's numeric ids become text keys */
			return json_sprintf("%" JSON_INTEGER_FORMAT, json_integer_value(source));
		return NULL;
	case COLUMN_INTEGER:
		if (json_is_integer(source))
			return json_copy((json_t *)source);
		if (json_is_real(source) && json_real_value(source) == floor(json_real_value(source)) &&
		    fabs(json_real_value(source)) < 9e15)
			return json_integer((json_int_t)json_real_value(source));
		return NULL;
	case COLUMN_REAL:
		return json_is_number(source) ? json_real(json_number_value(source)) : NULL;
	}
	return NULL;
}

static const char *kind_name(enum column_type type)
{
	return type == COLUMN_TEXT ? "a string" : type == COLUMN_INTEGER ? "an integer" : "a number";
}

static json_t *build_row(const struct table *table, const json_t *movie, const json_t *item,
			 char *why, size_t why_size)
{
	json_t *row = json_object();
	for (size_t i = 0; row && i < table->column_count; i++) {
		const struct column *column = &table->columns[i];
		const json_t *scope = column->scope == FROM_MOVIE ? movie : item;
		json_t *value = typed_value(column, lookup(scope, column->source));
		if (!value) {
			snprintf(why, why_size, "%s.%s: expected %s in .%s%s", table->name, column->name,
				 kind_name(column->type), column->scope == FROM_ITEM ? "[]." : "",
				 column->source);
			json_decref(row);
			return NULL;
		}
		json_object_set_new(row, column->name, value);
	}
	return row;
}

int shape_movie(const struct table *table, const json_t *movie, row_fn *each_row, void *context,
		char *why, size_t why_size)
{
	if (!json_is_integer(json_object_get(movie, "id"))) {
		snprintf(why, why_size, "not a movie object: no numeric \"id\"");
		return -1;
	}
	const json_t *items = table->items ? lookup(movie, table->items) : NULL;
	if (table->items && items && !json_is_array(items)) {
		snprintf(why, why_size, ".%s is not a list", table->items);
		return -1;
	}
	size_t count = table->items ? json_array_size(items) : 1;
	for (size_t i = 0; i < count; i++) {
		const json_t *item = table->items ? json_array_get(items, i) : movie;
		if (!json_is_object(item)) {
			snprintf(why, why_size, ".%s[%zu] is not an object", table->items, i);
			return -1;
		}
		json_t *row = build_row(table, movie, item, why, why_size);
		if (!row)
			return -1;
		each_row(table, row, context);
		json_decref(row);
	}
	return 0;
}
