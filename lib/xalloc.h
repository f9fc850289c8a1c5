/* Allocation that cannot fail quietly: running out of memory ends the program (exit 70). */
#ifndef TMDB_XALLOC_H
#define TMDB_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
/* Resizes to count elements of size bytes, checking the multiplication. */
void *xreallocarray(void *old, size_t count, size_t size);
char *xstrdup(const char *text);

/* Ends the program as every allocation here does when memory runs out: "out of memory"
 * on standard error, exit 70. For allocators of their own (lib/buf.c). */
_Noreturn void xalloc_failed(void);

/* Returns items, grown (doubling) when it has no room for element number count + 1. */
void *xgrow(void *items, size_t *cap, size_t count, size_t size);

#endif
