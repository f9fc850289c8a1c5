/* F_SETPIPE_SZ is Linux's. */
#define _GNU_SOURCE
#include "jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* A pipe holds 64 KiB: between tmdb-shape and tmdb-load, five movies. At 1 MiB each
 * side runs longer between waits, and the two run side by side on two CPUs rather than
 * taking turns (a 10,000-movie shape and load took 1.4 s instead of 2.0 s). Not a pipe,
 * or not allowed: nothing changes. */
static void widen_pipe(int fd)
{
#ifdef F_SETPIPE_SZ
	int saved = errno;
	(void)fcntl(fd, F_SETPIPE_SZ, 1024 * 1024);
	errno = saved;
#else
	(void)fd;
#endif
}

/* stdio reads a pipe or file 4 KiB at a time: a 12 KiB movie line took several reads,
 * each waking the writer. These read what a pipe holds at once. One for standard
 * input, one for the named file being read (files are read one after another). */
static char stdin_buffer[256 * 1024], file_buffer[256 * 1024];

static int stdin_was_closed;

/* Runs before main, before libcurl's sockets or a database take the lowest free
 * descriptor: with standard input closed (`<&-`), that would be 0, and reading "standard
 * input" would read it. /dev/null holds the place; reading it is refused below. */
__attribute__((constructor)) static void hold_closed_stdin(void)
{
	if (fcntl(STDIN_FILENO, F_GETFD) < 0 && errno == EBADF) {
		stdin_was_closed = 1;
		int fd = open("/dev/null", O_RDONLY);
		if (fd > STDIN_FILENO)
			close(fd);	/* 0 is taken after all: nothing to hold */
	}
}

void line_reader_open(struct line_reader *r, const char *path)
{
	*r = (struct line_reader){.fp = stdin, .name = "-"};
	if (strcmp(path, "-") == 0 && stdin_was_closed)
		die(EXIT_NOINPUT, "standard input: closed");
	if (strcmp(path, "-") != 0) {
		r->fp = fopen(path, "r");
		if (!r->fp)
			die(EXIT_NOINPUT, "%s: %s", path, strerror(errno));
		r->name = path;
	}
	/* Before the first read, as setvbuf needs; glibc ignores a size without a buffer. */
	if (r->fp == stdin) {
		setvbuf(stdin, stdin_buffer, _IOFBF, sizeof stdin_buffer);
		widen_pipe(STDIN_FILENO);
	}
	else
		setvbuf(r->fp, file_buffer, _IOFBF, sizeof file_buffer);
}

char *line_reader_next(struct line_reader *r, size_t *len)
{
	for (;;) {
		errno = 0;
		ssize_t n = getline(&r->line, &r->cap, r->fp);
		if (n < 0) {
			if (ferror(r->fp))
				die(EXIT_IOERR, "%s: read error: %s", r->name, strerror(errno ? errno : EIO));
			return NULL;
		}
		r->lineno++;
		if (n > 0 && r->line[n - 1] == '\n')
			r->line[--n] = '\0';
		if (n > 0 && r->line[n - 1] == '\r')
			r->line[--n] = '\0';
		if (strspn(r->line, " \t") < (size_t)n) {	/* by length: a NUL byte is no blank */
			*len = (size_t)n;
			return r->line;
		}
	}
}

void line_reader_close(struct line_reader *r)
{
	if (r->fp && r->fp != stdin)
		fclose(r->fp);
	free(r->line);
	r->line = NULL;
	r->fp = NULL;
}

static void read_input(const char *name, line_fn *each_line, void *context)
{
	struct line_reader reader;
	line_reader_open(&reader, name);
	size_t len;
	for (char *line; (line = line_reader_next(&reader, &len));)
		each_line(&reader, line, len, context);
	line_reader_close(&reader);
}

void jsonl_read_inputs(int count, char **names, line_fn *each_line, void *context)
{
	if (count == 0)
		read_input("-", each_line, context);
	for (int i = 0; i < count; i++)
		read_input(names[i], each_line, context);
}

int jsonl_judge_line(struct jdoc *doc, const char *line, size_t len, struct buf *why)
{
	if (jdoc_parse(doc, line, len, why) < 0)
		return -1;
	if (jdoc_root(doc)->type != JDOC_OBJECT) {
		buf_puts(why, "expected a JSON object");
		return -1;
	}
	return 0;
}

json_t *jsonl_judge_object(const char *line, size_t len, struct buf *why)
{
	static struct jdoc doc;	/* the judge of what is JSON, as in tmdb-shape and tmdb-load */
	if (jsonl_judge_line(&doc, line, len, why) < 0)
		return NULL;
	json_t *value = json_loadb(line, len, JSON_DECODE_ANY, NULL);
	if (!value)
		die(EXIT_SOFTWARE, "out of memory");
	return value;
}

static void stdout_failed(void)
{
	if (errno == EPIPE)
		exit(0);	/* the reader has all it wanted, as with `| head -1` */
	die(EXIT_IOERR, "standard output: %s", strerror(errno));
}

void jsonl_print(const json_t *value)
{
	static struct buf line;
	buf_clear(&line);
	json_write_compact(&line, value);
	buf_putc(&line, '\n');
	jsonl_print_lines(line.data, line.len);
}

void jsonl_print_lines(const char *text, size_t len)
{
	static int widened;
	if (!widened) {
		widen_pipe(STDOUT_FILENO);
		widened = 1;
	}
	/* A movie without rows of a table writes nothing, from a buffer never filled. */
	if ((len && fwrite(text, 1, len, stdout) != len) || fflush(stdout) == EOF)
		stdout_failed();
}

void jsonl_finish(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		stdout_failed();
}
