/* A growable byte buffer, always NUL-terminated for convenience. */
#ifndef TMDB_BUF_H
#define TMDB_BUF_H

#include <stdarg.h>
#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

/* Appending cannot fail: running out of memory ends the program as lib/xalloc.h does
 * ("out of memory", exit 70). */
void buf_append(struct buf *b, const void *bytes, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Drops what came after the first len bytes. */
void buf_truncate(struct buf *b, size_t len);
void buf_clear(struct buf *b);
void buf_free(struct buf *b);

#endif
