/* The IDs tmdb-fetch is asked for: an argument, or a line of its input holding a number
 * or a JSON object with an "id". */
#ifndef TMDB_IDS_H
#define TMDB_IDS_H

#include <stddef.h>

#include "buf.h"
#include "jdoc.h"

/* "525": a positive decimal ID, blanks around it allowed. Returns 0, or -1. */
int ids_parse(const char *text, long long *id);

enum ids_line {
	IDS_NUMBER,	/* the line is a number: *id */
	IDS_OBJECT,	/* an object, judged as every program judges a line (jsonl_judge_line) and
			   left in doc: *id is its "id" (a positive integer, or such a number
			   as a string), or 0 with why saying what was expected */
	IDS_REFUSED,	/* neither: why says what is wrong */
};

/* Reads one line of len bytes (a NUL byte in it is no number); `kind`, e.g. "movie",
 * names the IDs in why. */
enum ids_line ids_read_line(const char *line, size_t len, const char *kind, struct jdoc *doc,
			    long long *id, struct buf *why);

#endif
