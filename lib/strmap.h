/* A hash map from strings to numbers (row positions), or a set of strings. */
#ifndef TMDB_STRMAP_H
#define TMDB_STRMAP_H

#include <stddef.h>

struct strmap_slot {
	char *key;		/* NULL: empty */
	size_t value;
};

struct strmap {
	struct strmap_slot *slots;	/* open addressing, linear probing */
	size_t cap;
	size_t count;
};

/* Returns 1 with *value set when key is in the map, else 0. value may be NULL. */
int strmap_get(const struct strmap *map, const char *key, size_t *value);
/* Sets key to value (copying key). Exits 70 when memory runs out. */
void strmap_put(struct strmap *map, const char *key, size_t value);
void strmap_free(struct strmap *map);
/* The map's hash of a key, for a set that keeps hashes alone (64 bits: FNV-1a). */
unsigned long long strmap_hash(const char *key);

#endif
