#include "idset.h"

#include <stdlib.h>

#include "xalloc.h"

static size_t slot_of(const struct idset *set, long long id)
{
	unsigned long long h = (unsigned long long)id * 0x9E3779B97F4A7C15ULL;
	size_t i = (size_t)(h >> 20) & (set->cap - 1);
	while (set->slots[i] && set->slots[i] != id)
		i = (i + 1) & (set->cap - 1);
	return i;
}

static void idset_grow(struct idset *set)
{
	struct idset bigger = {.cap = set->cap ? set->cap * 2 : 64};
	bigger.slots = xcalloc(bigger.cap, sizeof *bigger.slots);
	for (size_t i = 0; i < set->cap; i++)
		if (set->slots[i])
			bigger.slots[slot_of(&bigger, set->slots[i])] = set->slots[i];
	bigger.count = set->count;
	free(set->slots);
	*set = bigger;
}

bool idset_add(struct idset *set, long long id)
{
	if ((set->count + 1) * 2 > set->cap)
		idset_grow(set);
	size_t i = slot_of(set, id);
	if (set->slots[i])
		return false;
	set->slots[i] = id;
	set->count++;
	return true;
}

bool idset_has(const struct idset *set, long long id)
{
	return set->cap && set->slots[slot_of(set, id)] == id;
}

void idset_free(struct idset *set)
{
	free(set->slots);
	*set = (struct idset){0};
}
