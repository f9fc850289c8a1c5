/* The CSV sinks: a folder with one TABLE.csv per table, merged by key and replaced
 * atomically once the whole input was read; or one table's rows on standard output.
 * The merge keeps its rows in lib/csv_store.c's scratch database, not in memory. */
#include "sink.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "csv_store.h"
#include "folders.h"
#include "lock.h"
#include "log.h"
#include "strmap.h"
#include "xalloc.h"

/* A row of the input (or what a deletion matches) as text, in file column order. */
struct csv_row {
	char **cells;		/* NULL is null */
	size_t count;
};

struct csv_table {
	struct layout *layout;
	char *path;		/* DIR/TABLE.csv */
	char *temp_path;	/* the new file, until renamed over path */
	size_t *position;	/* the file column of each layout column */
	size_t width;		/* columns in the file */
	struct csv_store_table *rows;	/* the file's rows in order, then new ones in input order */
	long file_rows;		/* how many rows the file had */
	int changed;		/* the file must be written */
	mode_t mode;		/* the old file's permissions, kept */
};

struct csv_sink {
	struct sink base;
	char *dir;
	struct lock lock;	/* DIR/.lock, held from before the first read to after the last rename */
	int alter;
	struct csv_store *store;	/* every table's rows while the run merges them */
	struct csv_table **tables;
	size_t count, cap;
};

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
	free(t->position);
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

/* Whether every column the header names is one of the table's. */
static int header_within_layout(const struct csv_record *header, const struct layout *layout)
{
	for (size_t j = 0; j < header->count; j++)
		if (!header->fields[j] || layout_column_index(layout, header->fields[j]) == LAYOUT_NONE)
			return 0;
	return 1;
}

/* The file's header must be the table's columns; --alter takes the union instead:
 * the file's columns in its order, then the table's others. The toolkit's bookkeeping
 * takes the columns its file (of an older version) lacks without --alter. */
static int adopt_header(struct csv_sink *s, struct csv_table *t, const struct csv_record *header,
			struct buf *why)
{
	struct layout *layout = t->layout;
	int same = header->count == layout->column_count;
	for (size_t j = 0; same && j < header->count; j++)
		same = header->fields[j] && strcmp(header->fields[j], layout->columns[j].name) == 0;
	if (same)
		return 0;
	/* A stream's table takes the file's columns as it takes a database table's. */
	if (!s->alter && !layout->from_schema &&
	    !(layout_is_bookkeeping(layout) && header_within_layout(header, layout))) {
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

/* The table's rows in the scratch database, once its file columns are known. */
static int make_store_table(struct csv_sink *s, struct csv_table *t, struct buf *why)
{
	if (t->rows)
		return 0;
	const struct layout *layout = t->layout;
	size_t *key = xcalloc(layout->key_count, sizeof *key);
	for (size_t k = 0; k < layout->key_count; k++)
		key[k] = t->position[layout->key[k]];
	int status = csv_store_add_table(s->store, t->width, key, layout->key_count, &t->rows, why);
	free(key);
	return status;
}

/* record has the header's count of fields; cells (t->width of them) is reused. */
static int add_file_row(struct csv_table *t, const struct csv_record *record, const char **cells,
			const struct csv_reader *reader, struct buf *why)
{
	for (size_t i = 0; i < t->width; i++)
		cells[i] = i < record->count ? record->fields[i] : NULL;
	for (size_t k = 0; k < t->layout->key_count; k++) {
		if (!cells[t->position[t->layout->key[k]]]) {
			buf_printf(why, "%s: record %ld (line %ld): the key is empty", t->path, reader->record,
				   reader->line);
			return EXIT_DATAERR;
		}
	}
	long long taken;
	int status = csv_store_append(t->rows, cells, 0, &taken, why);
	if (!status && taken) {
		buf_printf(why, "%s: record %ld (line %ld): the key of record %lld again", t->path,
			   reader->record, reader->line, taken + 1);
		return EXIT_DATAERR;
	}
	t->file_rows += !status;
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
	const char **cells = NULL;
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
			if (!status)
				status = make_store_table(s, t, why);
			cells = xcalloc(t->width, sizeof *cells);
		} else if (record.count != header_count) {
			buf_printf(why, "%s: record %ld (line %ld): %zu fields, the header has %zu", t->path,
				   reader.record, reader.line, record.count, header_count);
			status = EXIT_DATAERR;
		} else {
			status = add_file_row(t, &record, cells, &reader, why);
		}
	}
	if (!status && reader.record == 0)
		t->changed = 1;	/* an empty file gets its header */
	free(cells);
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
	buf_printf(&path, "%s/%s.csv", s->dir, layout->name);
	t->path = path.data;
	t->layout = layout;
	t->width = layout->column_count;
	t->position = xcalloc(layout->column_count, sizeof *t->position);
	for (size_t i = 0; i < layout->column_count; i++)
		t->position[i] = i;
	s->tables = xgrow(s->tables, &s->cap, s->count, sizeof *s->tables);
	s->tables[s->count++] = t;
	layout->loaded = 1;
	if (!s->store)
		status = csv_store_open(s->dir, &s->store, why);
	if (!status)
		status = read_existing_file(s, t, why);
	if (!status)
		status = make_store_table(s, t, why);	/* no file, or an empty one */
	log_debug(1, "%s: %ld rows", t->path, t->file_rows);
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
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	t->position = xreallocarray(t->position, layout->column_count, sizeof *t->position);
	t->position[column] = t->width++;
	t->changed = 1;
	return csv_store_add_column(t->rows, why);
}

/* The row in file column order, each value as text. */
static struct csv_row row_of_cells(const struct csv_table *t, const struct cells *cells)
{
	struct csv_row row = {xcalloc(t->width, sizeof *row.cells), t->width};
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

static const char *const *cells_of(const struct csv_row *row)
{
	return (const char *const *)row->cells;
}

static int same_row(const char *const *a, const char *const *b, size_t width)
{
	for (size_t i = 0; i < width; i++)
		if ((a[i] == NULL) != (b[i] == NULL) || (a[i] && strcmp(a[i], b[i]) != 0))
			return 0;
	return 1;
}

/* A child row whose parent comes in the run but which does not is gone at the source:
 * the parents' keys are noted for the end. */
static int remember_row(struct csv_sink *s, const struct csv_table *t, const struct csv_row *row,
			struct buf *why)
{
	const struct layout *layout = t->layout;
	size_t parent = layout->parent, key = layout->key[0];
	const char *value;
	int status = 0;
	if (parent != LAYOUT_NONE && (value = row->cells[t->position[parent]]))
		status = csv_store_note_parent(s->store, layout->columns[parent].name, value, why);
	if (!status && layout->is_parent && (value = row->cells[t->position[key]]))
		status = csv_store_note_parent(s->store, layout->columns[key].name, value, why);
	return status;
}

/* Upserts by key: a row deleted earlier in the run and back counts as inserted. */
static int upsert_row(struct csv_table *t, const struct csv_row *row, struct buf *why)
{
	struct load_counts *counts = &t->layout->counts;
	struct csv_store_row found;
	long long taken = 0;
	int status = 0;
	/* With no file, a key is new unless the run put it before: one look, not two.
	 * Without a key, every row is new. */
	if (!csv_store_file_rows(t->rows) || !t->layout->key_count) {
		status = csv_store_append(t->rows, cells_of(row), 1, &taken, why);
		if (status || !taken) {
			counts->inserted += !status;
			t->changed = 1;
			return status;
		}
	}
	/* cells_from_row made sure the key has values. */
	status = csv_store_find(t->rows, cells_of(row), &found, why);
	if (status)
		return status;
	if (!found.exists) {
		status = csv_store_append(t->rows, cells_of(row), 1, &taken, why);
		counts->inserted++;
	} else if (found.deleted) {
		status = csv_store_replace(t->rows, found.number, cells_of(row), why);
		counts->inserted++;
	} else if (same_row(found.cells, cells_of(row), t->width)) {
		status = csv_store_mark_seen(t->rows, found.number, why);
		counts->unchanged++;
		return status;
	} else {
		status = csv_store_replace(t->rows, found.number, cells_of(row), why);
		counts->updated++;
	}
	t->changed = 1;
	return status;
}

static int csv_put_row(struct sink *sink, struct layout *layout, const struct cells *cells,
		       struct buf *why)
{
	struct csv_sink *s = (struct csv_sink *)sink;
	struct csv_table *t = table_of(s, layout);
	struct csv_row row = row_of_cells(t, cells);
	int status = upsert_row(t, &row, why);
	if (!status)
		status = remember_row(s, t, &row, why);
	free_row(&row);
	return status;
}

/* Rows stay in the store marked deleted, so a row that comes back in the run takes its place. */
static int csv_delete_rows(struct sink *sink, struct layout *layout, const struct cells *match,
			   struct buf *why)
{
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	struct csv_row wanted = row_of_cells(t, match);
	long deleted;
	int status = csv_store_delete_matching(t->rows, cells_of(&wanted), &deleted, why);
	free_row(&wanted);
	layout->counts.deleted += deleted;
	t->changed |= deleted > 0;
	return status;
}

static int csv_drop_versions(struct sink *sink, struct layout *layout, size_t column, long long version,
			     struct buf *why)
{
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	long deleted;
	int status = csv_store_delete_older(t->rows, t->position[column], version, &deleted, why);
	layout->counts.deleted += deleted;
	t->changed |= deleted > 0;
	return status;
}

static int csv_has_rows(struct sink *sink, struct layout *layout, const struct cells *match, int *found,
			struct buf *why)
{
	struct csv_table *t = table_of((struct csv_sink *)sink, layout);
	struct csv_row wanted = row_of_cells(t, match);
	int status = csv_store_has_matching(t->rows, cells_of(&wanted), found, why);
	free_row(&wanted);
	return status;
}

/* A child row whose parent came in this run but which did not is gone at the source. */
static int replace_children(struct csv_table *t, struct buf *why)
{
	struct layout *layout = t->layout;
	long deleted;
	int status = csv_store_delete_orphans(t->rows, t->position[layout->parent],
					      layout->columns[layout->parent].name, &deleted, why);
	layout->counts.deleted += deleted;
	t->changed |= deleted > 0;
	return status;
}

static int write_record(FILE *fp, struct buf *line, const char *const *fields, size_t count)
{
	buf_clear(line);
	for (size_t i = 0; i < count; i++)
		csv_put_field(line, fields[i], fields[i] ? strlen(fields[i]) : 0, i == 0);
	csv_end_record(line);
	return fwrite(line->data, 1, line->len, fp) == line->len ? 0 : -1;
}

/* Writes the header and every row that is not deleted: -1 on a write error (errno
 * says why), or the store's exit status with why filled in. */
static int write_rows(const struct csv_table *t, FILE *fp, struct buf *why)
{
	struct buf line = {0};
	const char **fields = xcalloc(t->width, sizeof *fields);
	for (size_t i = 0; i < t->layout->column_count; i++)
		fields[t->position[i]] = t->layout->columns[i].name;
	int failed = write_record(fp, &line, fields, t->width);
	if (!failed)
		failed = csv_store_rows_begin(t->rows, why);
	for (const char *const *cells; !failed;) {
		failed = csv_store_rows_next(t->rows, &cells, why);
		if (failed || !cells)
			break;
		failed = write_record(fp, &line, (const char **)cells, t->width);
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
	buf_printf(&temp, "%s/.%s.csv.XXXXXX", s->dir, t->layout->name);
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
	int rows = fchmod(fd, t->mode) < 0 ? -1 : write_rows(t, fp, why);
	int failed = rows || fflush(fp) == EOF || fsync(fd) < 0;
	int saved = errno;
	if (fclose(fp) == EOF && !failed) {
		failed = 1;
		saved = errno;
	}
	if (rows > 0)
		return rows;	/* the store's failure, why filled in */
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
	int status = 0;
	for (size_t i = 0; i < s->count && !status; i++)
		if (s->tables[i]->layout->parent != LAYOUT_NONE)
			status = replace_children(s->tables[i], why);
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
	csv_store_close(s->store);
	lock_release(&s->lock);
	free(s->dir);
	free(s);
}

static const struct sink_ops csv_ops = {
	csv_open_table, csv_add_column, csv_put_row, csv_delete_rows, csv_has_rows, csv_finish, csv_close,
	NULL,	/* one commit, at finish */
	csv_drop_versions,
};

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
	buf_printf(&lock_path, "%s/.lock", dir);
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
	for (size_t i = 0; i < layout->column_count; i++) {
		const char *name = layout->columns[i].name;
		csv_put_field(&s->line, name, strlen(name), i == 0);
	}
	csv_end_record(&s->line);
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
	for (size_t i = 0; i < cells->count; i++) {
		const struct cell *cell = &cells->cell[i];
		buf_clear(&text);
		cell_format(cell, &text);
		csv_put_field(&s->line, cell->type == CELL_NULL ? NULL : text.len ? text.data : "",
			      text.len, i == 0);
	}
	buf_free(&text);
	csv_end_record(&s->line);
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

static int stdout_drop_versions(struct sink *sink, struct layout *layout, size_t column,
				long long version, struct buf *why)
{
	(void)sink;
	(void)column;
	(void)version;
	buf_printf(why, "%s: ACTIVATE_VERSION deletes rows, which CSV on standard output cannot take back",
		   layout->name);
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
	NULL,	/* one commit, at finish */
	stdout_drop_versions,
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
	const char *columns[4];
	size_t count;		/* columns named */
	size_t required;	/* the first ones, which the header must have; a file of an older
				   version lacks the others, null in every record */
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
		if (position[c] == header->count && c < file->required) {
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
	size_t position[4];
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
	buf_printf(&path, "%s/%s.csv", dir, file->table);
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
			load_state_add_etag(state, v[0], v[2], v[3]);
		else
			load_state_add_member(state, v[0], v[1], v[2]);
	}
}

int sink_csv_read_state(const char *dir, struct load_state *state, struct buf *why)
{
	struct stat st;
	if (stat(dir, &st) < 0 && errno == ENOENT)
		return 0;	/* nothing to read, and nothing is made */
	struct state_file etags = {"sync_state", {"request", "movie_id", "etag", "fetched_at"}, 4, 3,
				   NULL, 0, 0};
	struct state_file members = {"memberships", {"person_id", "job", "movie_id"}, 3, 3, NULL, 0, 0};
	struct state_file movies = {"movies", {"movie_id"}, 1, 1, NULL, 0, 0};
	struct strmap movie_ids = {0};
	int status = read_state_file(dir, &etags, why);
	if (!status)
		status = read_state_file(dir, &members, why);
	if (!status)
		status = read_state_file(dir, &movies, why);
	for (size_t r = 0; !status && r < movies.records; r++)
		if (movies.values[r] && load_state_wants(state, movies.values[r]))
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
