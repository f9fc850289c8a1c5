/* The CSV reader the CSV merge reads TABLE.csv with (lib/csv.c): records until the end
 * or a malformed one. Every record read, written back with csv_put_field, reads back
 * as the same fields, null and "" kept apart. */
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "fuzz.h"

static void check_round_trip(const struct csv_record *record)
{
	struct buf text = {0};
	for (size_t i = 0; i < record->count; i++) {
		const char *field = record->fields[i];
		csv_put_field(&text, field, field ? strlen(field) : 0, i == 0);
	}
	csv_end_record(&text);

	FILE *fp = fuzz_open_bytes((const uint8_t *)text.data, text.len);
	struct csv_reader reader;
	struct csv_record again = {0};
	struct buf why = {0};
	csv_reader_init(&reader, fp);
	enum csv_result got = csv_read_record(&reader, &again, &why);
	if (got != CSV_RECORD)
		fuzz_fail("a written record does not read back (%d): %s", got, why.data ? why.data : "");
	if (again.count != record->count)
		fuzz_fail("%zu fields written, %zu read back", record->count, again.count);
	for (size_t i = 0; i < record->count; i++) {
		const char *a = record->fields[i], *b = again.fields[i];
		if ((a == NULL) != (b == NULL) || (a && strcmp(a, b) != 0))
			fuzz_fail("field %zu reads back as another", i + 1);
	}
	if (csv_read_record(&reader, &again, &why) != CSV_END)
		fuzz_fail("one written record reads back as more");
	csv_record_free(&again);
	csv_reader_free(&reader);
	buf_free(&why);
	buf_free(&text);
	fclose(fp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *fp = fuzz_open_bytes(data, size);
	struct csv_reader reader;
	struct csv_record record = {0};
	struct buf why = {0};
	csv_reader_init(&reader, fp);
	long last_line = 0;
	for (;;) {
		enum csv_result got = csv_read_record(&reader, &record, &why);
		if (got == CSV_END || got == CSV_MALFORMED) {
			if (got == CSV_MALFORMED && !why.data)
				fuzz_fail("malformed without a reason");
			break;
		}
		if (got != CSV_RECORD)
			fuzz_fail("csv_read_record returned %d", got);
		if (record.count == 0)
			fuzz_fail("a record without fields");
		if (reader.line <= last_line || reader.next_line < reader.line)
			fuzz_fail("line numbers out of order");
		last_line = reader.line;
		check_round_trip(&record);
	}
	csv_record_free(&record);
	csv_reader_free(&reader);
	buf_free(&why);
	fclose(fp);
	return 0;
}
