#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* What ends a field besides a character: errors, apart from EOF's value. */
enum { CSV_UNTERMINATED = -2, CSV_NUL_BYTE = -3, CSV_STRAY_QUOTE = -4 };

static int needs_quotes(const char *text, size_t len)
{
	if (len == 0)
		return 1;	/* "" is the empty string; nothing at all is null */
	for (size_t i = 0; i < len; i++)
		if (text[i] == ',' || text[i] == '"' || text[i] == '\r' || text[i] == '\n')
			return 1;
	return 0;
}

void csv_put_field(struct buf *out, const char *text, size_t len, int first)
{
	if (!first)
		buf_putc(out, ',');
	if (!text)
		return;
	if (!needs_quotes(text, len)) {
		buf_append(out, text, len);
		return;
	}
	buf_putc(out, '"');
	size_t run = 0;		/* bytes copied as they are, in one append */
	for (size_t i = 0; i < len; i++) {
		if (text[i] != '"')
			continue;
		buf_append(out, text + run, i + 1 - run);
		buf_putc(out, '"');
		run = i + 1;
	}
	buf_append(out, text + run, len - run);
	buf_putc(out, '"');
}

void csv_end_record(struct buf *out)
{
	buf_puts(out, "\r\n");
}

void csv_reader_init(struct csv_reader *reader, FILE *fp)
{
	*reader = (struct csv_reader){.fp = fp, .next_line = 1};
}

void csv_record_clear(struct csv_record *record)
{
	for (size_t i = 0; i < record->count; i++)
		free(record->fields[i]);
	record->count = 0;
}

void csv_record_free(struct csv_record *record)
{
	csv_record_clear(record);
	free(record->fields);
	*record = (struct csv_record){0};
}

void csv_reader_free(struct csv_reader *reader)
{
	buf_free(&reader->field);
}

static void add_field(struct csv_record *record, const struct buf *text, int is_null)
{
	record->fields = xgrow(record->fields, &record->cap, record->count, sizeof *record->fields);
	record->fields[record->count++] = is_null ? NULL : xstrdup(text->data ? text->data : "");
}

static int next_char(struct csv_reader *reader)
{
	int c = getc(reader->fp);
	if (c == '\n')
		reader->next_line++;
	return c;
}

static void keep_char(struct csv_reader *reader, int c)
{
	buf_putc(&reader->field, (char)c);
}

/* Reads a quoted field's text after its opening quote; returns the character after the
 * closing quote, or one of the errors above. */
static int read_quoted(struct csv_reader *reader)
{
	for (;;) {
		int c = next_char(reader);
		if (c == EOF)
			return CSV_UNTERMINATED;
		if (c == '\0')
			return CSV_NUL_BYTE;
		if (c == '"' && (c = next_char(reader)) != '"')
			return c;
		keep_char(reader, c);
	}
}

/* Reads an unquoted field starting with c; returns the character that ends it, or one
 * of the errors above. */
static int read_plain(struct csv_reader *reader, int c)
{
	for (; c != ',' && c != '\r' && c != '\n' && c != EOF; c = next_char(reader)) {
		if (c == '\0')
			return CSV_NUL_BYTE;
		if (c == '"')
			return CSV_STRAY_QUOTE;
		keep_char(reader, c);
	}
	return c;
}

static enum csv_result malformed(struct csv_reader *reader, struct buf *why, const char *what)
{
	buf_printf(why, "record %ld (line %ld): %s", reader->record, reader->line, what);
	return CSV_MALFORMED;
}

enum csv_result csv_read_record(struct csv_reader *reader, struct csv_record *record,
				struct buf *why)
{
	csv_record_clear(record);
	reader->line = reader->next_line;
	int c = next_char(reader);
	if (c == EOF)
		return ferror(reader->fp) ? CSV_READ_ERROR : CSV_END;
	reader->record++;
	for (;;) {
		buf_clear(&reader->field);
		int quoted = c == '"';
		c = quoted ? read_quoted(reader) : read_plain(reader, c);
		switch (c) {
		case CSV_UNTERMINATED:
			if (ferror(reader->fp))
				return CSV_READ_ERROR;
			return malformed(reader, why, "a quoted field never ends");
		case CSV_NUL_BYTE:
			return malformed(reader, why, "a NUL byte");
		case CSV_STRAY_QUOTE:
			return malformed(reader, why, "a double quote inside an unquoted field");
		}
		add_field(record, &reader->field, !quoted && reader->field.len == 0);
		if (c == '\r' && (c = next_char(reader)) != '\n')
			return malformed(reader, why, "a CR not followed by LF");
		if (c == '\n' || c == EOF)
			return c == EOF && ferror(reader->fp) ? CSV_READ_ERROR : CSV_RECORD;
		if (c != ',')
			return malformed(reader, why, "text after a closing quote");
		c = next_char(reader);
	}
}
