#include "strmap.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

/* FNV-1a: short, and spreads the similar keys of one table well enough. */
unsigned long long strmap_hash(const char *key)
{
	uint64_t h = 14695981039346656037u;
	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211u;
	return h;
}

static size_t hash(const char *key)
{
	return (size_t)strmap_hash(key);
}

static struct strmap_slot *find_slot(const struct strmap *map, const char *key)
{
	size_t i = hash(key) & (map->cap - 1);
	while (map->slots[i].key && strcmp(map->slots[i].key, key) != 0)
		i = (i + 1) & (map->cap - 1);
	return &map->slots[i];
}

int strmap_get(const struct strmap *map, const char *key, size_t *value)
{
	if (!map->cap)
		return 0;
	const struct strmap_slot *slot = find_slot(map, key);
	if (!slot->key)
		return 0;
	if (value)
		*value = slot->value;
	return 1;
}

/* Keeps the map at most half full, so probes stay short. */
static void grow(struct strmap *map)
{
	struct strmap old = *map;
	map->cap = old.cap ? old.cap * 2 : 64;
	map->slots = xcalloc(map->cap, sizeof *map->slots);
	for (size_t i = 0; i < old.cap; i++)
		if (old.slots[i].key)
			*find_slot(map, old.slots[i].key) = old.slots[i];
	free(old.slots);
}

void strmap_put(struct strmap *map, const char *key, size_t value)
{
	if (2 * (map->count + 1) > map->cap)
		grow(map);
	struct strmap_slot *slot = find_slot(map, key);
	if (!slot->key) {
		slot->key = xstrdup(key);
		map->count++;
	}
	slot->value = value;
}

void strmap_free(struct strmap *map)
{
	for (size_t i = 0; i < map->cap; i++)
		free(map->slots[i].key);
	free(map->slots);
	*map = (struct strmap){0};
}
