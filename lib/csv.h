/* CSV as RFC 4180 has it: fields separated by commas, records ended by CRLF, a field
 * with a comma, double quote, CR or LF in double quotes with quotes doubled. One
 * convention on top: null is an empty unquoted field, the empty string is "". */
#ifndef TMDB_CSV_H
#define TMDB_CSV_H

#include <stdio.h>

#include "buf.h"

/* Appends one field (text NULL: null), preceded by a comma unless first. */
void csv_put_field(struct buf *out, const char *text, size_t len, int first);
void csv_end_record(struct buf *out);

struct csv_reader {
	FILE *fp;
	long record;		/* the record just read, from 1 (the header) */
	long line;		/* the line it started on, from 1 */
	long next_line;
	struct buf field;
};

/* A record: count fields, each malloc'd text or NULL for null. */
struct csv_record {
	char **fields;
	size_t count, cap;
};

void csv_reader_init(struct csv_reader *reader, FILE *fp);

enum csv_result { CSV_RECORD = 1, CSV_END = 0, CSV_MALFORMED = -1, CSV_READ_ERROR = -2 };

/* CSV_RECORD with the next record in *record (its old fields freed), CSV_END at the end
 * of the input, CSV_MALFORMED when the text is not CSV (why says where and how), or
 * CSV_READ_ERROR (errno says why). Accepts LF as well as CRLF after a record. */
enum csv_result csv_read_record(struct csv_reader *reader, struct csv_record *record,
				struct buf *why);

void csv_reader_free(struct csv_reader *reader);
void csv_record_clear(struct csv_record *record);
void csv_record_free(struct csv_record *record);

#endif
