/* hash.c - Git blob ids through libgit2, and a tiny FNV for name suffixes. */
#include "appgen/hash.h"
#include <git2.h>

int ag_hash_hex(char out[AG_HASH_HEXSZ + 1], const void *data, size_t len)
{
	git_oid oid;

	if (git_odb_hash(&oid, data, len, GIT_OBJECT_BLOB) < 0) {
		const git_error *e = git_error_last();
		return ag_error_set(AG_ERROR, "hashing failed: %s", e ? e->message : "?");
	}
	git_oid_tostr(out, AG_HASH_HEXSZ + 1, &oid);
	return 0;
}

uint32_t ag_hash_fnv32(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}
