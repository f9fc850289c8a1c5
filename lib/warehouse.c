#include "warehouse.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "log.h"
#include "xalloc.h"

void sql_puts(struct buf *sql, const char *text)
{
	buf_puts(sql, text);
}

void sql_printf(struct buf *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	buf_vprintf(sql, fmt, ap);
	va_end(ap);
}

static void sql_identifier(const struct warehouse *w, struct buf *sql, const char *name)
{
	w->dialect->identifier(w->db, sql, name);
}

void warehouse_table(const struct warehouse *w, struct buf *sql, const char *table)
{
	sql_printf(sql, "%s.", w->schema);
	sql_identifier(w, sql, table);
}

/* " TYPE", or nothing for a column of no declared type. */
static void sql_type(const struct warehouse *w, struct buf *sql, enum value_kind kind)
{
	const char *type = w->dialect->type_name(kind);
	if (*type)
		sql_printf(sql, " %s", type);
}

/* Runs sql and frees it. */
static int exec_sql(struct warehouse *w, struct buf *sql, const char *what, struct buf *why)
{
	int status = w->dialect->exec(w->db, sql->data, what, why);
	buf_free(sql);
	return status;
}

static int create_table(struct warehouse *w, const struct layout *layout, struct buf *why)
{
	struct buf sql = {0};
	sql_puts(&sql, "CREATE TABLE IF NOT EXISTS ");
	warehouse_table(w, &sql, layout->name);
	sql_puts(&sql, " (");
	for (size_t i = 0; i < layout->column_count; i++) {
		sql_puts(&sql, i ? ", " : "");
		sql_identifier(w, &sql, layout->columns[i].name);
		sql_type(w, &sql, layout->columns[i].kind);
	}
	/* A stream without key_properties is appended to: no key. */
	for (size_t k = 0; k < layout->key_count; k++) {
		sql_puts(&sql, k ? ", " : ", PRIMARY KEY (");
		sql_identifier(w, &sql, layout->columns[layout->key[k]].name);
	}
	sql_puts(&sql, layout->key_count ? "))" : ")");
	return exec_sql(w, &sql, "cannot create a table", why);
}

/* Child rows are found by their parent, when the view counts them and when a load
 * replaces them. */
static int index_parent_column(struct warehouse *w, const struct layout *layout, struct buf *why)
{
	struct buf sql = {0}, name = {0};
	const char *parent = layout->columns[layout->parent].name;
	sql_printf(&name, "%s_%s", layout->name, parent);
	sql_puts(&sql, "CREATE INDEX IF NOT EXISTS ");
	if (w->dialect->index_names_schema) {
		warehouse_table(w, &sql, name.data);
		sql_puts(&sql, " ON ");
		sql_identifier(w, &sql, layout->name);
	} else {
		sql_identifier(w, &sql, name.data);
		sql_puts(&sql, " ON ");
		warehouse_table(w, &sql, layout->name);
	}
	sql_puts(&sql, " (");
	sql_identifier(w, &sql, parent);
	sql_puts(&sql, ")");
	buf_free(&name);
	return exec_sql(w, &sql, "cannot create an index", why);
}

static int create_warehouse(struct warehouse *w, struct buf *why)
{
	int status = 0;
	for (size_t i = 0; i < tmdb_table_count && !status; i++) {
		struct layout *layout = layout_for_table(&tmdb_tables[i]);
		status = create_table(w, layout, why);
		if (!status && layout->parent != LAYOUT_NONE)
			status = index_parent_column(w, layout, why);
		layout_free(layout);
	}
	w->ready = !status;
	return status;
}

int warehouse_add_column(struct warehouse *w, const struct layout *layout, size_t column,
			 struct buf *why)
{
	const struct layout_column *c = &layout->columns[column];
	const char *type = w->dialect->type_name(c->kind);
	struct buf sql = {0};
	sql_puts(&sql, "ALTER TABLE ");
	warehouse_table(w, &sql, layout->name);
	sql_puts(&sql, " ADD COLUMN ");
	sql_identifier(w, &sql, c->name);
	sql_type(w, &sql, c->kind);
	log_debug(1, "%s: adding column %s %s", layout->name, c->name, *type ? type : "(untyped)");
	return exec_sql(w, &sql, "cannot add a column", why);
}

/* What reading a table's columns or key has found so far. */
struct table_reading {
	struct warehouse *w;
	struct layout *layout;
	unsigned char *present;	/* which of the layout's first columns the table has */
	size_t declared;	/* how many columns the layout had */
	size_t count;		/* rows read */
	int same;		/* the key so far is the layout's */
};

/* A column of the table joins the layout, or is one of the layout's. The layout matches
 * names ignoring case, as SQLite does; PostgreSQL's quoted names are exact, so a column
 * the table has takes the table's spelling. */
static int take_column(void *arg, const char *const *values, struct buf *why)
{
	struct table_reading *r = arg;
	struct layout *layout = r->layout;
	const char *name = values[0] ? values[0] : "";
	size_t column = layout_column_index(layout, name);
	r->count++;
	if (column == LAYOUT_NONE) {
		layout_add_column(layout, name, r->w->dialect->kind_of_type(values[1] ? values[1] : ""));
		return 0;
	}
	if (column >= r->declared || r->present[column]) {
		buf_printf(why, "%s: the table has two columns named ", layout->name);
		layout_quote_name(why, name);
		buf_puts(why, " but for case, which tmdb-load cannot tell apart");
		return EXIT_DATAERR;
	}
	r->present[column] = 1;
	if (strcmp(layout->columns[column].name, name) != 0) {
		free(layout->columns[column].name);
		layout->columns[column].name = xstrdup(name);
	}
	return 0;
}

static int take_key_column(void *arg, const char *const *values, struct buf *why)
{
	struct table_reading *r = arg;
	const struct layout *layout = r->layout;
	(void)why;
	r->same &= r->count < layout->key_count && values[0] &&
		   layout_column_index(layout, values[0]) == layout->key[r->count];
	r->count++;
	return 0;
}

static int key_mismatch(const struct warehouse *w, const struct layout *layout, struct buf *why)
{
	buf_printf(why, "%s: the table's primary key in %s is not the input's key (", layout->name,
		   w->where);
	for (size_t k = 0; k < layout->key_count; k++) {
		buf_puts(why, k ? ", " : "");
		layout_quote_name(why, layout->columns[layout->key[k]].name);
	}
	buf_puts(why, ")");
	return EXIT_DATAERR;
}

/* Each of the layout's first columns the table lacks is added with --alter (always to
 * the toolkit's bookkeeping, made perhaps by an older version, and to a Singer stream's
 * table, whose SCHEMA declared it), else refused naming it. */
static int add_missing_columns(struct warehouse *w, const struct table_reading *r, struct buf *why)
{
	int status = 0;
	for (size_t i = 0; i < r->declared && !status; i++) {
		if (r->present[i])
			continue;
		if (!w->alter && !layout_is_bookkeeping(r->layout) && !r->layout->from_schema) {
			layout_describe_unknown_column(why, r->layout, r->layout->columns[i].name);
			status = EXIT_DATAERR;
		} else {
			status = warehouse_add_column(w, r->layout, i, why);
		}
	}
	return status;
}

/* Makes the layout and the database's table agree: the table's extra columns join the
 * layout, columns it lacks are added with --alter or refused, and the keys must match
 * (upserts need the table's primary key to be the layout's key, column for column). */
static int match_database_columns(struct warehouse *w, struct layout *layout, struct buf *why)
{
	const struct warehouse_dialect *d = w->dialect;
	struct table_reading r = {w, layout, xcalloc(layout->column_count, 1), layout->column_count, 0, 1};
	const char *params[] = {w->schema_name, layout->name};
	int status = d->query(w->db, d->columns_sql, 2, params, 2, take_column, &r,
			      "cannot read a table's columns", why);
	if (!status && r.count == 0) {
		buf_puts(why, "table ");
		layout_quote_name(why, layout->name);
		buf_printf(why, ": %s has something else of that name in schema %s, not a table",
			   w->where, w->schema);
		status = EXIT_CANTCREAT;
	}
	r.count = 0;
	if (!status)
		status = d->query(w->db, d->key_sql, 2, params, 1, take_key_column, &r,
				  "cannot read a table's primary key", why);
	if (!status && (!r.same || r.count != layout->key_count))
		status = key_mismatch(w, layout, why);
	if (!status)
		status = add_missing_columns(w, &r, why);
	free(r.present);
	return status;
}

int warehouse_open_table(struct warehouse *w, struct layout *layout, struct buf *why)
{
	int status = 0;
	if (!layout->known)
		status = create_table(w, layout, why);
	else if (!w->ready)
		status = create_warehouse(w, why);
	return status ? status : match_database_columns(w, layout, why);
}

/* One row per movie. Subqueries rather than joins, so a movie's credits do not
 * multiply its reviews; avg() skips null ratings and is null without any. Each @ stands
 * for the schema with its dot (or nothing), # for the type of a real. SQLite keeps the
 * CREATE statement as written: the text view_is_current compares. */
static const char analysis_view_sql[] =
	" @movie_analysis_view AS\n"
	"SELECT m.movie_id AS movie_id, m.title AS title, m.release_date AS release_date,\n"
	"  m.budget AS budget, m.revenue AS revenue, m.vote_average AS vote_average,\n"
	"  m.vote_count AS vote_count, m.popularity AS popularity, m.runtime AS runtime,\n"
	"  (SELECT count(*) FROM @credits c WHERE c.movie_id = m.movie_id) AS cast_size,\n"
	"  (SELECT count(*) FROM @reviews r WHERE r.movie_id = m.movie_id) AS review_count,\n"
	"  (SELECT avg(r.rating) FROM @reviews r WHERE r.movie_id = m.movie_id) AS avg_review_rating,\n"
	"  m.revenue - m.budget AS profit,\n"
	"  CASE WHEN m.budget > 0 THEN CAST(m.revenue - m.budget AS #) / m.budget END AS roi\n"
	"FROM @movies m";

static void sql_view(const struct warehouse *w, struct buf *sql)
{
	const struct warehouse_dialect *d = w->dialect;
	sql_puts(sql, d->create_view);
	for (const char *p = analysis_view_sql; *p; p++) {
		if (*p == '@' && d->view_names_schema)
			sql_printf(sql, "%s.", w->schema);
		else if (*p == '#')
			sql_puts(sql, d->type_name(KIND_NUMBER));
		else if (*p != '@')
			buf_putc(sql, *p);
	}
}

int warehouse_finish(struct warehouse *w, struct buf *why)
{
	const struct warehouse_dialect *d = w->dialect;
	if (!w->ready)
		return 0;
	struct buf sql = {0}, drop = {0};
	sql_view(w, &sql);
	int current = 0;
	int status = d->view_is_current ? d->view_is_current(w->db, sql.data, &current, why) : 0;
	if (!status && !current && d->drop_view) {
		sql_printf(&drop, "%s %s.movie_analysis_view", d->drop_view, w->schema);
		status = exec_sql(w, &drop, "cannot replace movie_analysis_view", why);
	}
	if (!status && !current)
		return exec_sql(w, &sql, "cannot create movie_analysis_view", why);
	buf_free(&sql);
	return status;
}

/* What --print-state has read so far. */
struct state_reading {
	struct load_state *state;
	int etags;		/* the rows are (request, etag, fetched_at), else (person_id, job,
				   movie_id) */
	int movies, sync_state, memberships;	/* which tables the warehouse has */
	int fetched_at;		/* sync_state has the column (an older version's has not) */
};

static int note_state_table(void *arg, const char *const *values, struct buf *why)
{
	struct state_reading *r = arg;
	const char *name = values[0] ? values[0] : "";
	(void)why;
	r->movies |= strcmp(name, "movies") == 0;
	r->sync_state |= strcmp(name, "sync_state") == 0;
	r->memberships |= strcmp(name, "memberships") == 0;
	return 0;
}

static int note_fetched_at(void *arg, const char *const *values, struct buf *why)
{
	struct state_reading *r = arg;
	(void)why;
	r->fetched_at |= values[0] && strcasecmp(values[0], "fetched_at") == 0;
	return 0;
}

static int add_state_row(void *arg, const char *const *values, struct buf *why)
{
	struct state_reading *r = arg;
	(void)why;
	if (!values[0] || !values[1] || (!r->etags && !values[2]))
		return 0;	/* no ETag to claim; SQLite lets a key column hold null */
	if (r->etags)
		load_state_add_etag(r->state, values[0], values[1], values[2]);
	else
		load_state_add_member(r->state, values[0], values[1], values[2]);
	return 0;
}

int warehouse_read_state(struct warehouse *w, struct load_state *state, struct buf *why)
{
	const struct warehouse_dialect *d = w->dialect;
	static const char what[] = "cannot read the sync state";
	struct state_reading r = {.state = state};
	int status = d->query(w->db, d->state_tables_sql, 1, &w->schema_name, 1, note_state_table, &r,
			      what, why);
	const char *sync_state[] = {w->schema_name, "sync_state"};
	if (!status && r.sync_state)
		status = d->query(w->db, d->columns_sql, 2, sync_state, 2, note_fetched_at, &r, what, why);
	const char *only = state->restricted ? d->movie_in_json_sql : NULL;
	const char *ids = state->only_json.data;
	for (r.etags = 1; r.etags >= 0 && !status; r.etags--) {
		if (!r.movies || !(r.etags ? r.sync_state : r.memberships))
			continue;
		struct buf sql = {0};
		if (r.etags)
			load_state_etags_sql(&sql, w->schema, r.fetched_at, only);
		else
			load_state_members_sql(&sql, w->schema, only);
		status = d->query(w->db, sql.data, only ? 1 : 0, &ids, 3, add_state_row, &r, what, why);
		buf_free(&sql);
	}
	return status;
}
