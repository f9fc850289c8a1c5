#include "xalloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

_Noreturn void xalloc_failed(void)
{
	die(EXIT_SOFTWARE, "out of memory");
}

static void *checked(void *p)
{
	if (!p)
		xalloc_failed();
	return p;
}

/* Never asks for 0 bytes, which may return NULL without failing. */
void *xmalloc(size_t size) { return checked(malloc(size ? size : 1)); }
void *xcalloc(size_t count, size_t size) { return checked(calloc(count ? count : 1, size ? size : 1)); }
char *xstrdup(const char *text) { return checked(strdup(text)); }

void *xreallocarray(void *old, size_t count, size_t size)
{
	if (size && count > SIZE_MAX / size)
		xalloc_failed();
	size_t bytes = count * size;
	return checked(realloc(old, bytes ? bytes : 1));
}

void *xgrow(void *items, size_t *cap, size_t count, size_t size)
{
	if (count < *cap)
		return items;
	*cap = *cap ? 2 * *cap : 8;
	return xreallocarray(items, *cap, size);
}
