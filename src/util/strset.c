/* strset.c - open-addressing string set. */
#include "appgen/strset.h"
#include "appgen/hash.h"

void ag_strset_init(ag_strset *s)
{
	memset(s, 0, sizeof(*s));
}

void ag_strset_dispose(ag_strset *s)
{
	free(s->slots);
	ag_strset_init(s);
}

static size_t find(const ag_strset *s, const char *str)
{
	size_t h = ag_hash_fnv32(str) & (s->cap - 1);

	while (s->slots[h] && strcmp(s->slots[h], str))
		h = (h + 1) & (s->cap - 1);
	return h;
}

bool ag_strset_has(const ag_strset *s, const char *str)
{
	return s->cap && s->slots[find(s, str)] != NULL;
}

int ag_strset_add(ag_strset *s, const char *str)
{
	size_t h;

	if ((s->count + 1) * 2 > s->cap) {
		ag_strset bigger = { NULL, 0, s->cap ? s->cap * 2 : 64 };
		if (!(bigger.slots = calloc(bigger.cap, sizeof(char *))))
			return ag_error_set(AG_ENOMEM, "out of memory");
		for (size_t i = 0; i < s->cap; i++)
			if (s->slots[i]) {
				bigger.slots[find(&bigger, s->slots[i])] = s->slots[i];
				bigger.count++;
			}
		free(s->slots);
		*s = bigger;
	}
	h = find(s, str);
	if (!s->slots[h]) {
		s->slots[h] = str;
		s->count++;
	}
	return 0;
}
