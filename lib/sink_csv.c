/* The CSV sinks: a folder with one TABLE.csv per table, merged by key and replaced
 * atomically once the whole input was read; or one table's rows on standard output. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "lock.h"
#include "log.h"
#include "strmap.h"
#include "xalloc.h"

struct csv_row {
	char **cells;		/* in file column order; NULL is null */
	size_t count;		/* cells held; a column added later is null */
	int seen;		/* its key came in this run */
	int deleted;		/* a child row its source no longer has */
};

struct csv_table {
	struct layout *layout;
	char *path;		/* DIR/TABLE.csv */
	char *temp_path;	/* the new file, until renamed over path */
	size_t *position;	/* the file column of each layout column */
	size_t width;		/* columns in the file */
	struct csv_row *rows;	/* the file's rows in order, then new ones in input order */
	size_t count, cap;
	struct strmap index;	/* encoded key -> row */
	int changed;		/* the file must be written */
	mode_t mode;		/* the old file's permissions, kept */
};

struct csv_sink {
	struct sink base;
	char *dir;
	struct lock lock;	/* DIR/.lock, held from before the first read to after the last rename */
	int alter;
	struct csv_table **tables;
	size_t count, cap;
	struct strmap parents;	/* encoded (parent column, value) of every parent seen */
};

/* Keys of several columns become one string: each value as LENGTH:TEXT. */
static void encode_key_part(struct buf *key, const char *text)
{
	if (buf_printf(key, "%zu:%s", strlen(text), text) < 0)
		die(EXIT_SOFTWARE, "out of memory");
}

static const char *cell_at(const struct csv_row *row, size_t position)
{
	return position < row->count ? row->cells[position] : NULL;
}

/* The row's key as one string; NULL (why filled in) when a key column is null. */
static const char *encode_row_key(const struct csv_table *t, const struct csv_row *row,
				  struct buf *key)
{
	buf_clear(key);
	for (size_t k = 0; k < t->layout->key_count; k++) {
		const char *text = cell_at(row, t->position[t->layout->key[k]]);
		if (!text)
			return NULL;
		encode_key_part(key, text);
	}
	return key->data ? key->data : "";
}

static void free_row(struct csv_row *row)
{
	for (size_t i = 0; i < row->count; i++)
		free(row->cells[i]);
	free(row->cells);
	row->cells = NULL;
	row->count = 0;
}

static void free_table(struct csv_table *t)
{
	if (t->temp_path && unlink(t->temp_path) < 0 && errno != ENOENT)
		log_warn("%s: cannot remove: %s", t->temp_path, strerror(errno));
	for (size_t i = 0; i < t->count; i++)
		free_row(&t->rows[i]);
	free(t->rows);
	free(t->position);
	strmap_free(&t->index);
	free(t->temp_path);
	free(t->path);
	free(t);
}

/* A table name becomes a file name in DIR: nothing that leaves DIR or hides in it. */
static int check_file_name(const char *name, struct buf *why)
{
	if (*name && !strchr(name, '/') && *name != '.')
		return 0;
	buf_puts(why, "table ");
	layout_quote_name(why, name);
	buf_puts(why, ": not usable as a file name (empty, has a /, or starts with a dot)");
	return EXIT_DATAERR;
}

static void describe_columns(struct buf *why, const char *const *names, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		buf_puts(why, i ? "," : "");
		layout_quote_name(why, names[i] ? names[i] : "");
	}
}

/* The file's header must be the table's columns; --alter takes the union instead:
 * the file's columns in its order, then the table's others. */
static int adopt_header(struct csv_sink *s, struct csv_table *t, const struct csv_record *header,
			struct buf *why)
{
	struct layout *layout = t->layout;
	int same = header->count == layout->column_count;
	for (size_t j = 0; same && j < header->count; j++)
		same = header->fields[j] && strcmp(header->fields[j], layout->columns[j].name) == 0;
	if (same)
		return 0;
	if (!s->alter) {
		buf_printf(why, "%s: the header (", t->path);
		describe_columns(why, (const char *const *)header->fields, header->count);
		buf_printf(why, ") is not the columns of table %s (--alter merges them)", layout->name);
		return EXIT_DATAERR;
	}
	size_t declared = layout->column_count;
	unsigned char *in_file = xcalloc(declared, 1);
	for (size_t j = 0; j < header->count; j++) {
		const char *name = header->fields[j] ? header->fields[j] : "";
		size_t column = layout_column_index(layout, name);
		if (!*name) {
			free(in_file);
			buf_printf(why, "%s: record 1: the header has an empty column name", t->path);
			return EXIT_DATAERR;
		}
		if (column != LAYOUT_NONE && (column >= declared || in_file[column])) {
			free(in_file);
			buf_printf(why, "%s: record 1: the header names column ", t->path);
			layout_quote_name(why, name);
			buf_puts(why, " twice (column names ignore case)");
			return EXIT_DATAERR;
		}
		if (column == LAYOUT_NONE)
			column = layout_add_column(layout, name, KIND_ANY);
		else
			in_file[column] = 1;
		t->position = xreallocarray(t->position, layout->column_count, sizeof *t->position);
		t->position[column] = j;
	}
	t->width = header->count;
	for (size_t i = 0; i < declared; i++)
		if (!in_file[i])
			t->position[i] = t->width++;
	free(in_file);
	t->changed = t->width != header->count;
	return 0;
}

static int add_file_row(struct csv_table *t, struct csv_record *record,
			const struct csv_reader *reader, struct buf *why)
{
	struct buf key = {0};
	struct csv_row row = {record->fields, record->count, 0, 0};
	*record = (struct csv_record){0};	/* the row owns the fields now */
	size_t earlier;
	const char *encoded = encode_row_key(t, &row, &key);
	int status = 0;
	if (!encoded) {
		buf_printf(why, "%s: record %ld (line %ld): the key is empty", t->path, reader->record,
			   reader->line);
		status = EXIT_DATAERR;
	} else if (strmap_get(&t->index, encoded, &earlier)) {
		buf_printf(why, "%s: record %ld (line %ld): the key of record %zu again", t->path,
			   reader->record, reader->line, earlier + 2);
		status = EXIT_DATAERR;
	} else {
		strmap_put(&t->index, encoded, t->count);
		t->rows = xgrow(t->rows, &t->cap, t->count, sizeof *t->rows);
		t->rows[t->count++] = row;
	}
	if (status)
		free_row(&row);
	buf_free(&key);
	return status;
}

static int read_records(struct csv_sink *s, struct csv_table *t, FILE *fp, struct buf *why)
{
	struct csv_reader reader;
	struct csv_record record = {0};
	struct buf problem = {0};
	csv_reader_init(&reader, fp);
	int status = 0;
	size_t header_count = 0;
	while (!status) {
		enum csv_result got = csv_read_record(&reader, &record, &problem);
		if (got == CSV_END)
			break;
		if (got == CSV_MALFORMED) {
			buf_printf(why, "%s: %s", t->path, problem.data);
			status = EXIT_DATAERR;
		} else if (got == CSV_READ_ERROR) {
			buf_printf(why, "%s: read error: %s", t->path, strerror(errno));
			status = EXIT_IOERR;
		} else if (reader.record == 1) {
			header_count = record.count;
			status = adopt_header(s, t, &record, why);
		} else if (record.count != header_count) {
			buf_printf(why, "%s: record %ld (line %ld): %zu fields, the header has %zu", t->path,
				   reader.record, reader.line, record.count, header_count);
			status = EXIT_DATAERR;
		} else {
			status = add_file_row(t, &record, &reader, why);
		}
	}
	if (!status && reader.record == 0)
		t->changed = 1;	/* an empty file gets its header */
	csv_record_free(&record);
	csv_reader_free(&reader);
	buf_free(&problem);
	return status;
}

/* Loads DIR/TABLE.csv as it is, when there is one. */
static int read_existing_file(struct csv_sink *s, struct csv_table *t, struct buf *why)
{
	FILE *fp = fopen(t->path, "r");
	if (!fp && errno == ENOENT) {
		mode_t mask = umask(0);
		umask(mask);
		t->mode = 0666 & ~mask;
		t->changed = 1;
		return 0;
	}
	struct stat st;
	if (!fp || fstat(fileno(fp), &st) < 0) {
		buf_printf(why, "%s: cannot read: %s", t->path, strerror(errno));
		if (fp)
			fclose(fp);
		return EXIT_IOERR;
	}
	t->mode = st.st_mode & 07777;
	int status = read_records(s, t, fp, why);
	fclose(fp);
	return status;
}

static int csv_open_table(struct sink *sink, struct layout *layout, struct buf *why)
{
	struct csv_sink *s = (struct csv_sink *)sink;
	int status = check_file_name(layout->name, why);
	if (status)
		return status;
	struct csv_table *t = xcalloc(1, sizeof *t);
	struct buf path = {0};
	if (buf_printf(&path, "%s/%s.csv", s->dir, layout->name) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	t->path = path.data;
	t->layout = layout;
	t->width = layout->column_count;
	t->position = xcalloc(layout->column_count, sizeof *t->position);
	for (size_t i = 0; i < layout->column_count; i++)
		t->position[i] = i;
	s->tables = xgrow(s->tables, &s->cap, s->count, sizeof *s->tables);
	s->tables[s->count++] = t;
	layout->loaded = 1;
	status = read_existing_file(s, t, why);
	log_debug(1, "%s: %zu rows", t->path, t->count);
	return status;
}

static struct csv_table *table_of(struct csv_sink *s, const struct layout *layout)
{
	for (size_t i = 0; i < s->count; i++)
		if (s->tables[i]->layout == layout)
			return s->tables[i];
	return NULL;
}

static int csv_add_column(struct sink *sink, struct layout *layout, size_t column, struct buf *why)
{
	(void)why;
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	t->position = xreallocarray(t->position, layout->column_count, sizeof *t->position);
	t->position[column] = t->width++;
	t->changed = 1;
	return 0;
}

/* The row in file column order, each value as text. */
static struct csv_row row_of_cells(const struct csv_table *t, const struct cells *cells)
{
	struct csv_row row = {xcalloc(t->width, sizeof *row.cells), t->width, 1, 0};
	struct buf text = {0};
	for (size_t i = 0; i < cells->count; i++) {
		if (cells->cell[i].type == CELL_NULL)
			continue;
		buf_clear(&text);
		cell_format(&cells->cell[i], &text);
		row.cells[t->position[i]] = xstrdup(text.len ? text.data : "");
	}
	buf_free(&text);
	return row;
}

static int same_row(const struct csv_row *a, const struct csv_row *b, size_t width)
{
	for (size_t i = 0; i < width; i++) {
		const char *x = cell_at(a, i), *y = cell_at(b, i);
		if ((x == NULL) != (y == NULL) || (x && strcmp(x, y) != 0))
			return 0;
	}
	return 1;
}

static void remember_parent(struct csv_sink *s, const char *column, const char *value)
{
	if (!value)
		return;
	struct buf key = {0};
	encode_key_part(&key, column);
	encode_key_part(&key, value);
	strmap_put(&s->parents, key.data, 0);
	buf_free(&key);
}

static void remember_row(struct csv_sink *s, const struct csv_table *t, const struct csv_row *row)
{
	const struct layout *layout = t->layout;
	size_t parent = layout->parent, key = layout->key[0];
	if (parent != LAYOUT_NONE)
		remember_parent(s, layout->columns[parent].name, cell_at(row, t->position[parent]));
	if (layout->is_parent)
		remember_parent(s, layout->columns[key].name, cell_at(row, t->position[key]));
}

static int csv_put_row(struct sink *sink, struct layout *layout, const struct cells *cells,
		       struct buf *why)
{
	(void)why;
	struct csv_sink *s = (struct csv_sink *)sink;
	struct csv_table *t = table_of(s, layout);
	struct csv_row row = row_of_cells(t, cells);
	struct buf key = {0};
	/* cells_from_row made sure the key has values. */
	const char *encoded = encode_row_key(t, &row, &key);
	size_t at;
	if (!strmap_get(&t->index, encoded, &at)) {
		strmap_put(&t->index, encoded, t->count);
		t->rows = xgrow(t->rows, &t->cap, t->count, sizeof *t->rows);
		at = t->count++;
		t->rows[at] = row;
		layout->counts.inserted++;
		t->changed = 1;
	} else if (t->rows[at].deleted) {	/* deleted earlier in this run, and back */
		free_row(&t->rows[at]);
		t->rows[at] = row;
		layout->counts.inserted++;
		t->changed = 1;
	} else if (same_row(&t->rows[at], &row, t->width)) {
		free_row(&row);
		layout->counts.unchanged++;
	} else {
		free_row(&t->rows[at]);
		t->rows[at].cells = row.cells;
		t->rows[at].count = row.count;
		layout->counts.updated++;
		t->changed = 1;
	}
	t->rows[at].seen = 1;
	remember_row(s, t, &t->rows[at]);
	buf_free(&key);
	return 0;
}

static void delete_row(struct csv_table *t, struct csv_row *row)
{
	if (row->deleted)
		return;
	row->deleted = 1;
	t->layout->counts.deleted++;
	t->changed = 1;
}

/* Whether the row has every value wanted has (match's cells as text, in file order). */
static int row_matches(const struct csv_table *t, const struct csv_row *row, const struct csv_row *wanted)
{
	for (size_t i = 0; i < t->width; i++) {
		const char *value = cell_at(wanted, i), *have = cell_at(row, i);
		if (value && (!have || strcmp(have, value) != 0))
			return 0;
	}
	return !row->deleted;
}

/* Whether match names exactly the key columns: the index finds that row. */
static int is_key_match(const struct layout *layout, const struct cells *match)
{
	size_t named = 0;
	for (size_t i = 0; i < match->count; i++) {
		if (match->cell[i].type == CELL_NULL)
			continue;
		if (!layout_is_key_column(layout, i))
			return 0;
		named++;
	}
	return named == layout->key_count;
}

/* Rows stay in memory marked deleted, so a row that comes back in the run takes its place. */
static int csv_delete_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			   struct buf *why)
{
	(void)why;
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	struct csv_row wanted = row_of_cells(t, match);
	struct buf key = {0};
	size_t at;
	if (!is_key_match(layout, match)) {
		for (size_t r = 0; r < t->count; r++)
			if (row_matches(t, &t->rows[r], &wanted))
				delete_row(t, &t->rows[r]);
	} else if (strmap_get(&t->index, encode_row_key(t, &wanted, &key), &at)) {
		delete_row(t, &t->rows[at]);
	}
	free_row(&wanted);
	buf_free(&key);
	return 0;
}

static int csv_has_rows(struct sink *sink, struct layout *layout, const struct cells *match, int *found,
			struct buf *why)
{
	(void)why;
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	struct csv_row wanted = row_of_cells(t, match);
	*found = 0;
	for (size_t r = 0; r < t->count && !*found; r++)
		*found = row_matches(t, &t->rows[r], &wanted);
	free_row(&wanted);
	return 0;
}

/* A child row whose parent came in this run but which did not is gone at the source. */
static void replace_children(struct csv_sink *s, struct csv_table *t)
{
	const struct layout *layout = t->layout;
	const char *column = layout->columns[layout->parent].name;
	struct buf key = {0};
	for (size_t i = 0; i < t->count; i++) {
		struct csv_row *row = &t->rows[i];
		const char *parent = cell_at(row, t->position[layout->parent]);
		if (row->seen || row->deleted || !parent)
			continue;
		buf_clear(&key);
		encode_key_part(&key, column);
		encode_key_part(&key, parent);
		if (strmap_get(&s->parents, key.data, NULL))
			delete_row(t, row);
	}
	buf_free(&key);
}

static int write_record(FILE *fp, struct buf *line, const char *const *fields, size_t count)
{
	buf_clear(line);
	int failed = 0;
	for (size_t i = 0; i < count && !failed; i++)
		failed = csv_put_field(line, fields[i], fields[i] ? strlen(fields[i]) : 0, i == 0);
	if (failed || csv_end_record(line) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	return fwrite(line->data, 1, line->len, fp) == line->len ? 0 : -1;
}

/* Writes the header and every row that is not deleted. */
static int write_rows(const struct csv_table *t, FILE *fp)
{
	struct buf line = {0};
	const char **fields = xcalloc(t->width, sizeof *fields);
	for (size_t i = 0; i < t->layout->column_count; i++)
		fields[t->position[i]] = t->layout->columns[i].name;
	int failed = write_record(fp, &line, fields, t->width);
	for (size_t r = 0; r < t->count && !failed; r++) {
		if (t->rows[r].deleted)
			continue;
		for (size_t i = 0; i < t->width; i++)
			fields[i] = cell_at(&t->rows[r], i);
		failed = write_record(fp, &line, fields, t->width);
	}
	free(fields);
	buf_free(&line);
	return failed;
}

/* Writes the table to a new file beside the old one, flushed to the disk, so that a
 * rename can swap it in whole. */
static int write_temp_file(struct csv_sink *s, struct csv_table *t, struct buf *why)
{
	struct buf temp = {0};
	if (buf_printf(&temp, "%s/.%s.csv.XXXXXX", s->dir, t->layout->name) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	int fd = mkstemp(temp.data);
	if (fd < 0) {
		buf_printf(why, "%s: cannot create a file: %s", s->dir, strerror(errno));
		buf_free(&temp);
		return EXIT_CANTCREAT;
	}
	t->temp_path = temp.data;
	FILE *fp = fdopen(fd, "w");
	if (!fp) {
		close(fd);
		buf_printf(why, "%s: %s", t->temp_path, strerror(errno));
		return EXIT_IOERR;
	}
	int failed = fchmod(fd, t->mode) < 0 || write_rows(t, fp) || fflush(fp) == EOF ||
		     fsync(fd) < 0;
	int saved = errno;
	if (fclose(fp) == EOF && !failed) {
		failed = 1;
		saved = errno;
	}
	if (failed) {
		buf_printf(why, "%s: cannot write: %s", t->temp_path, strerror(saved));
		return EXIT_IOERR;
	}
	return 0;
}

/* Every table is written before any replaces its file, so a failure leaves them all
 * as they were; close removes the new files of a failed run. */
static int csv_finish(struct sink *sink, struct buf *why)
{
	struct csv_sink *s = (struct csv_sink *)sink;
	for (size_t i = 0; i < s->count; i++)
		if (s->tables[i]->layout->parent != LAYOUT_NONE)
			replace_children(s, s->tables[i]);
	int status = 0;
	for (size_t i = 0; i < s->count && !status; i++)
		if (s->tables[i]->changed)
			status = write_temp_file(s, s->tables[i], why);
	for (size_t i = 0; i < s->count && !status; i++) {
		struct csv_table *t = s->tables[i];
		if (!t->temp_path)
			continue;
		if (rename(t->temp_path, t->path) < 0) {
			buf_printf(why, "%s: cannot replace: %s", t->path, strerror(errno));
			status = EXIT_IOERR;
		} else {
			free(t->temp_path);
			t->temp_path = NULL;
			log_debug(1, "%s: written", t->path);
		}
	}
	return status;
}

static void csv_close(struct sink *sink)
{
	struct csv_sink *s = (struct csv_sink *)sink;
	for (size_t i = 0; i < s->count; i++)
		free_table(s->tables[i]);
	free(s->tables);
	strmap_free(&s->parents);
	lock_release(&s->lock);
	free(s->dir);
	free(s);
}

static const struct sink_ops csv_ops = {
	csv_open_table, csv_add_column, csv_put_row, csv_delete_rows, csv_has_rows, csv_finish, csv_close,
};

static int make_folder(const char *path)
{
	return mkdir(path, 0777) == 0 || errno == EEXIST ? 0 : -1;
}

/* mkdir -p: every missing folder of path; -1 with errno set when one cannot be made. */
static int make_folders(const char *path)
{
	char *copy = xstrdup(path);
	int failed = 0;
	for (char *p = copy + 1; *p && !failed; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		failed = make_folder(copy) < 0;
		*p = '/';
	}
	struct stat st;
	if (!failed)
		failed = make_folder(copy) < 0 || stat(copy, &st) < 0;
	if (!failed && !S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		failed = 1;
	}
	free(copy);
	return failed ? -1 : 0;
}

int sink_csv_open(const char *dir, const struct sink_options *options, struct sink **sink,
		  struct buf *why)
{
	if (make_folders(dir) < 0) {
		buf_printf(why, "%s: cannot create the folder: %s", dir, strerror(errno));
		return EXIT_CANTCREAT;
	}
	/* Every file is read under the lock: a merge with what another run is about to
	 * replace would lose that run's rows. The lock file starts with a dot, as no
	 * table's file may, so it is never taken for one. */
	struct buf lock_path = {0};
	if (buf_printf(&lock_path, "%s/.lock", dir) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	struct lock lock;
	int status = lock_take(&lock, lock_path.data, dir, options->wait, why);
	buf_free(&lock_path);
	if (status)
		return status;
	struct csv_sink *s = xcalloc(1, sizeof *s);
	s->base.ops = &csv_ops;
	s->dir = xstrdup(dir);
	s->alter = options->alter;
	s->lock = lock;
	*sink = &s->base;
	return 0;
}

/* csv - TABLE: the rows as they come, no merge. */
struct stdout_sink {
	struct sink base;
	const char *table_name;
	struct buf line;
};

static int stdout_write(struct stdout_sink *s, struct buf *why)
{
	if (fwrite(s->line.data, 1, s->line.len, stdout) == s->line.len && fflush(stdout) == 0)
		return 0;
	if (errno == EPIPE)
		exit(0);	/* the reader has all it wanted, as with `| head -1` */
	buf_printf(why, "standard output: %s", strerror(errno));
	return EXIT_IOERR;
}

static int stdout_open_table(struct sink *sink, struct layout *layout, struct buf *why)
{
	struct stdout_sink *s = (struct stdout_sink *)sink;
	if (strcmp(layout->name, s->table_name) != 0)
		return 0;
	layout->loaded = 1;
	buf_clear(&s->line);
	int failed = 0;
	for (size_t i = 0; i < layout->column_count && !failed; i++) {
		const char *name = layout->columns[i].name;
		failed = csv_put_field(&s->line, name, strlen(name), i == 0);
	}
	if (failed || csv_end_record(&s->line) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	return stdout_write(s, why);
}

static int stdout_add_column(struct sink *sink, struct layout *layout, size_t column,
			     struct buf *why)
{
	(void)sink;
	buf_printf(why, "%s: column ", layout->name);
	layout_quote_name(why, layout->columns[column].name);
	buf_puts(why, ": cannot be added, the header on standard output is written");
	return EXIT_DATAERR;
}

static int stdout_put_row(struct sink *sink, struct layout *layout, const struct cells *cells,
			  struct buf *why)
{
	struct stdout_sink *s = (struct stdout_sink *)sink;
	struct buf text = {0};
	buf_clear(&s->line);
	int failed = 0;
	for (size_t i = 0; i < cells->count && !failed; i++) {
		const struct cell *cell = &cells->cell[i];
		buf_clear(&text);
		cell_format(cell, &text);
		failed = csv_put_field(&s->line, cell->type == CELL_NULL ? NULL : text.len ? text.data : "",
				       text.len, i == 0);
	}
	buf_free(&text);
	if (failed || csv_end_record(&s->line) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	layout->counts.inserted++;
	return stdout_write(s, why);
}

/* The rows already written cannot be taken back: a deletion is refused, not dropped. */
static int stdout_delete_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			      struct buf *why)
{
	(void)sink;
	(void)match;
	buf_printf(why, "%s: a deletion (%s) cannot be written as CSV to standard output", layout->name,
		   LAYOUT_DELETION_MARK);
	return EXIT_DATAERR;
}

/* Never asked: only a deletion leads here, and it was refused. */
static int stdout_has_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			   int *found, struct buf *why)
{
	(void)sink;
	(void)layout;
	(void)match;
	(void)why;
	*found = 1;
	return 0;
}

static int stdout_finish(struct sink *sink, struct buf *why)
{
	(void)sink;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	buf_printf(why, "standard output: %s", strerror(errno));
	return EXIT_IOERR;
}

static void stdout_close(struct sink *sink)
{
	struct stdout_sink *s = (struct stdout_sink *)sink;
	buf_free(&s->line);
	free(s);
}

static const struct sink_ops stdout_ops = {
	stdout_open_table, stdout_add_column, stdout_put_row, stdout_delete_rows, stdout_has_rows,
	stdout_finish, stdout_close,
};

int sink_csv_stdout_open(const char *table_name, struct sink **sink, struct buf *why)
{
	(void)why;
	struct stdout_sink *s = xcalloc(1, sizeof *s);
	s->base.ops = &stdout_ops;
	s->table_name = table_name;
	*sink = &s->base;
	return 0;
}

/* --print-state: the sync tables' files, then movies.csv. A load renames the files in
 * the order its stream opened the tables, movies first in tmdb-shape's, so ETags read
 * before movies.csv are not newer than the movies they are checked against: at worst
 * an old ETag, which costs a request. (Another stream's order, or two loads at once,
 * needs the destination's lock.) */

/* The columns of one state file, picked by name from each record. */
struct state_file {
	const char *table;
	const char *columns[3];
	size_t count;		/* columns named */
	char **values;		/* count per record */
	size_t records, cap;
};

static int state_file_failed(const char *path, const char *what, struct buf *why, int status)
{
	buf_printf(why, "%s: cannot read the sync state: %s", path, what);
	return status;
}

/* Which field of the header each wanted column is. */
static int state_file_positions(struct state_file *file, const char *path, const struct csv_record *header,
				size_t *position, struct buf *why)
{
	for (size_t c = 0; c < file->count; c++) {
		position[c] = header->count;
		for (size_t j = 0; j < header->count; j++)
			if (header->fields[j] && strcmp(header->fields[j], file->columns[c]) == 0)
				position[c] = j;
		if (position[c] == header->count) {
			buf_printf(why, "%s: the header has no column %s", path, file->columns[c]);
			return EXIT_DATAERR;
		}
	}
	return 0;
}

static void state_file_take(struct state_file *file, const struct csv_record *record, const size_t *position)
{
	file->values = xgrow(file->values, &file->cap, (file->records + 1) * file->count, sizeof *file->values);
	for (size_t c = 0; c < file->count; c++) {
		const char *field = position[c] < record->count ? record->fields[position[c]] : NULL;
		file->values[file->records * file->count + c] = field ? xstrdup(field) : NULL;
	}
	file->records++;
}

static int read_state_records(struct state_file *file, const char *path, FILE *fp, struct buf *why)
{
	struct csv_reader reader;
	struct csv_record record = {0};
	struct buf problem = {0};
	size_t position[3];
	int status = 0;
	csv_reader_init(&reader, fp);
	for (enum csv_result got; !status && (got = csv_read_record(&reader, &record, &problem)) != CSV_END;) {
		if (got == CSV_MALFORMED)
			status = state_file_failed(path, problem.data, why, EXIT_DATAERR);
		else if (got == CSV_READ_ERROR)
			status = state_file_failed(path, strerror(errno), why, EXIT_IOERR);
		else if (reader.record == 1)
			status = state_file_positions(file, path, &record, position, why);
		else
			state_file_take(file, &record, position);
	}
	csv_record_free(&record);
	csv_reader_free(&reader);
	buf_free(&problem);
	return status;
}

/* DIR/TABLE.csv's wanted columns; a missing file has no records. */
static int read_state_file(const char *dir, struct state_file *file, struct buf *why)
{
	struct buf path = {0};
	if (buf_printf(&path, "%s/%s.csv", dir, file->table) < 0)
		die(EXIT_SOFTWARE, "out of memory");
	FILE *fp = fopen(path.data, "r");
	int status = 0;
	if (fp) {
		status = read_state_records(file, path.data, fp, why);
		fclose(fp);
	} else if (errno != ENOENT) {
		status = state_file_failed(path.data, strerror(errno), why, EXIT_IOERR);
	}
	buf_free(&path);
	return status;
}

static void state_file_free(struct state_file *file)
{
	for (size_t i = 0; i < file->records * file->count; i++)
		free(file->values[i]);
	free(file->values);
}

/* The rows of file whose movie_id (column movie) is in movies, given to add. */
static void add_state_rows(const struct state_file *file, size_t movie, const struct strmap *movies,
			   struct load_state *state, int etags)
{
	for (size_t r = 0; r < file->records; r++) {
		char **v = &file->values[r * file->count];
		if (!v[0] || !v[1] || !v[2] || !strmap_get(movies, v[movie], NULL))
			continue;
		if (etags)
			load_state_add_etag(state, v[0], v[2]);
		else
			load_state_add_member(state, v[0], v[1], v[2]);
	}
}

int sink_csv_read_state(const char *dir, struct load_state *state, struct buf *why)
{
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT)
		return 0;	/* nothing to read, and nothing is made */
	struct state_file etags = {"sync_state", {"request", "movie_id", "etag"}, 3, NULL, 0, 0};
	struct state_file members = {"memberships", {"person_id", "job", "movie_id"}, 3, NULL, 0, 0};
	struct state_file movies = {"movies", {"movie_id"}, 1, NULL, 0, 0};
	struct strmap movie_ids = {0};
	int status = read_state_file(dir, &etags, why);
	if (!status)
		status = read_state_file(dir, &members, why);
	if (!status)
		status = read_state_file(dir, &movies, why);
	for (size_t r = 0; !status && r < movies.records; r++)
		if (movies.values[r])
			strmap_put(&movie_ids, movies.values[r], 0);
	if (!status) {
		add_state_rows(&etags, 1, &movie_ids, state, 1);
		add_state_rows(&members, 2, &movie_ids, state, 0);
	}
	state_file_free(&etags);
	state_file_free(&members);
	state_file_free(&movies);
	strmap_free(&movie_ids);
	return status;
}
