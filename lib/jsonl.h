/* JSON Lines: reading lines with their numbers, writing one compact value per line. */
#ifndef TMDB_JSONL_H
#define TMDB_JSONL_H

#include <stdio.h>
#include <jansson.h>

#include "buf.h"
#include "jdoc.h"

struct line_reader {
	FILE *fp;
	const char *name;	/* "-" for standard input, as messages show it */
	long lineno;
	char *line;
	size_t cap;
};

/* Opens path ("-" is standard input); exits 66 naming the file when it cannot. */
void line_reader_open(struct line_reader *r, const char *path);
/* Returns the next line that is not blank (spaces and tabs only), without its newline
 * (NULL at end of input); *len gets its length, lineno counts the blank lines too. A read
 * error exits 74 naming the input. */
char *line_reader_next(struct line_reader *r, size_t *len);
void line_reader_close(struct line_reader *r);

/* Calls each_line for every line of every named input ("-" or no names: standard
 * input), in order, with the reader for its name and line number; blank lines are not
 * lines here either. */
typedef void line_fn(struct line_reader *reader, char *line, size_t len, void *context);
void jsonl_read_inputs(int count, char **names, line_fn *each_line, void *context);

/* The one judge of an input line, for every program: returns 0 with the line parsed
 * into doc, its root an object, or -1 with why saying in one line what is wrong: not
 * JSON (not RFC 8259, invalid UTF-8, a key named twice, a NUL byte; with the column),
 * or not an object. */
int jsonl_judge_line(struct jdoc *doc, const char *line, size_t len, struct buf *why);


/* The same judgment, the object returned as a new Jansson value: jdoc judges what is
 * JSON (lib/jdoc.h), everywhere alike. NULL with why when the line is refused. */
json_t *jsonl_judge_object(const char *line, size_t len, struct buf *why);

/* Appends value as compact JSON; reals take the shortest form that reads back exactly
 * (jansson alone would print 8.369 as 8.3689999999999998). Like lib/buf.h's appenders,
 * it and the writers below cannot fail. */
void json_write_compact(struct buf *out, const json_t *value);

/* Its parts, for writers of JSON without a json_t: a string of len bytes quoted and
 * escaped, an integer, a real in that shortest form. */
void json_write_string(struct buf *out, const char *s, size_t len);
void json_write_integer(struct buf *out, long long n);
void json_write_real(struct buf *out, double d);

/* A parsed node as compact JSON, the same bytes json_write_compact writes for it. */
void jdoc_write_compact(struct buf *out, const struct jdoc *doc, const struct jdoc_node *node);

/* Writes value and a newline to standard output and flushes, so a pipeline sees each
 * line as soon as it exists. A closed pipe ends the program quietly (status 0);
 * any other write error exits 74. */
void jsonl_print(const json_t *value);

/* Writes len bytes, whole lines, to standard output and flushes, as jsonl_print does. */
void jsonl_print_lines(const char *text, size_t len);

/* Checks that everything written reached standard output (exit 74 if not). */
void jsonl_finish(void);

#endif
