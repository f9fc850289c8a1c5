/* The CSV merge (lib/sink_csv.c over lib/csv.c): an existing DIR/TABLE.csv, then one
 * row merged into it. A file the merge refuses is left as it was, byte for byte, with
 * no temporary file beside it; a file it takes is rewritten into one it takes again,
 * with every row accounted for, and merging the same row again changes nothing.
 *
 * The first byte picks the table (movies, credits, reviews) and --alter; the rest is
 * the file. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cells.h"
#include "csv.h"
#include "fuzz.h"
#include "jsonl.h"
#include "layout.h"
#include "log.h"
#include "sink.h"
#include "tables.h"

static const char *const rows[] = {
	"{\"movie_id\":\"550\",\"title\":\"Fight Club\",\"overview\":\"A ticking-time-bomb insomniac\","
	"\"release_date\":\"1999-10-15\",\"runtime\":139,\"budget\":63000000,\"revenue\":100853753,"
	"\"vote_average\":8.438,\"vote_count\":30880,\"popularity\":19.6}",
	"{\"credit_id\":\"52fe4250c3a36847f80149f3\",\"movie_id\":\"550\",\"title\":\"Fight Club\","
	"\"person_id\":\"819\",\"person_name\":\"Edward Norton\",\"character\":\"The Narrator\","
	"\"order\":0,\"cast_id\":4}",
	"{\"review_id\":\"5b1c13b9c3a36848f2026384\",\"movie_id\":\"550\",\"title\":\"Fight Club\","
	"\"author\":\"Goddard\",\"content\":\"Pretty awesome movie.\",\"created_at\":"
	"\"2018-06-09T17:51:53.359Z\",\"updated_at\":\"2021-06-23T15:58:09.421Z\",\"rating\":10.0}",
};

static char dir[300];
static char file[400];
static char file_name[64];

/* Records in a CSV text, or -1 when it is malformed. */
static long count_records(FILE *fp)
{
	struct csv_reader reader;
	struct csv_record record = {0};
	struct buf why = {0};
	csv_reader_init(&reader, fp);
	enum csv_result got;
	while ((got = csv_read_record(&reader, &record, &why)) == CSV_RECORD)
		;
	long count = got == CSV_END ? reader.record : -1;
	csv_record_free(&record);
	csv_reader_free(&reader);
	buf_free(&why);
	return count;
}

static long records_in_file(void)
{
	FILE *fp = fopen(file, "r");
	if (!fp)
		fuzz_fail("%s: gone", file);
	long count = count_records(fp);
	fclose(fp);
	return count;
}

static int only_the_table_file(void)
{
	DIR *d = opendir(dir);
	int others = 0;
	for (struct dirent *e; d && (e = readdir(d));)
		others += strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && strcmp(e->d_name, file_name) != 0;
	if (d)
		closedir(d);
	return others == 0;
}

/* Types row as tmdb-load does, from its text through jdoc; the cells point into
 * storage that lasts until the next call. */
static int row_cells(struct cells *cells, const struct layout *layout, const json_t *row,
		     struct buf *why)
{
	static struct jdoc doc;
	static struct buf text, problem;
	buf_clear(&text);
	json_write_compact(&text, row);
	if (jdoc_parse(&doc, text.data, text.len, &problem) < 0)
		fuzz_fail("the harness's row does not parse back: %s", problem.data);
	return cells_from_row(cells, layout, &doc, jdoc_root(&doc), why);
}

/* Opens the sink and the table, merges row; returns the status of the first step that
 * failed (why says which), or 0 with the counts in *counts. */
static int merge(const struct table *table, int alter, const json_t *row, int finish,
		 struct load_counts *counts, struct buf *why)
{
	struct sink_options options = {.alter = alter};
	struct sink *sink;
	struct layout *layout = layout_for_table(table);
	struct cells cells = {0};
	int status = sink_csv_open(dir, &options, &sink, why);
	if (status)
		fuzz_fail("sink_csv_open: %s", why->data);
	status = sink->ops->open_table(sink, layout, why);
	if (!status && row_cells(&cells, layout, row, why) < 0)
		fuzz_fail("the harness's row does not fit: %s", why->data);
	if (!status)
		status = sink->ops->put_row(sink, layout, &cells, why);
	if (!status && finish)
		status = sink->ops->finish(sink, why);
	*counts = layout->counts;
	sink->ops->close(sink);
	cells_free(&cells);
	layout_free(layout);
	return status;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_init("tmdb-load");
	log_set_verbosity(-1);
	snprintf(dir, sizeof dir, "%s/out", fuzz_scratch_dir());
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	static const char *const names[] = {"movies", "credits", "reviews"};
	size_t which = (size_t)(data[0] >> 1) % (sizeof names / sizeof names[0]);
	const struct table *table = table_find(names[which]);
	int alter = data[0] & 1;
	json_t *row = json_loads(rows[which], 0, NULL);
	fuzz_empty_dir(fuzz_scratch_dir());
	mkdir(dir, 0777);
	snprintf(file_name, sizeof file_name, "%s.csv", table->name);
	snprintf(file, sizeof file, "%s/%s", dir, file_name);
	FILE *fp = fopen(file, "w");
	if (!fp || fwrite(data + 1, 1, size - 1, fp) != size - 1 || fclose(fp) != 0)
		fuzz_fail("cannot write %s", file);
	FILE *given = fuzz_open_bytes(data + 1, size - 1);
	long records_given = count_records(given);
	fclose(given);

	struct buf why = {0};
	struct load_counts counts;
	int status = merge(table, alter, row, 1, &counts, &why);
	if (status) {
		if (status != EXIT_DATAERR)
			fuzz_fail("exit %d: %s", status, why.data);
		FILE *left = fopen(file, "r");
		char *text = malloc(size);
		size_t got = left ? fread(text, 1, size, left) : 0;
		if (!left || got != size - 1 || memcmp(text, data + 1, got) != 0)
			fuzz_fail("a refused merge changed %s", file);
		fclose(left);
		free(text);
		if (!only_the_table_file())
			fuzz_fail("a refused merge left a file behind in %s", dir);
	} else {
		if (records_given < 0)
			fuzz_fail("took a file that is not CSV");
		long expected = (records_given ? records_given : 1) + counts.inserted - counts.deleted;
		if (records_in_file() != expected)
			fuzz_fail("%ld records written, %ld expected", records_in_file(), expected);
		buf_clear(&why);
		status = merge(table, alter, row, 0, &counts, &why);
		if (status)
			fuzz_fail("the merge refuses its own file: %s", why.data);
		if (counts.unchanged != 1)
			fuzz_fail("the same row again is not unchanged");
	}
	buf_free(&why);
	json_decref(row);
	return 0;
}
