/* A set of TMDB IDs, so a repeated ID is fetched and printed once. */
#ifndef TMDB_IDSET_H
#define TMDB_IDSET_H

#include <stdbool.h>
#include <stddef.h>

struct idset {
	long long *slots;	/* open addressing; 0 marks an empty slot (IDs are positive) */
	size_t cap;
	size_t count;
};

/* Adds id; returns true when it was new. Exits 70 when memory runs out. */
bool idset_add(struct idset *set, long long id);
bool idset_has(const struct idset *set, long long id);
void idset_free(struct idset *set);

#endif
