/*
 * cache.h - what the last build produced from which inputs, so the next
 * build skips an app whose inputs have not changed (DESIGN §5).
 *
 * An app's outputs are a function of its inputs:
 *   appgen     the identity of the appgen build (version + sources, which
 *              include the built-in emitters and templates)
 *   emitters   the repository's overrides under .appgen/ (names + blob ids)
 *   config     appgen.json's blob id ("" without one)
 *   blueprint  the blueprint's blob id at the build's revision
 *   history    a hash of the app's version list (the blob ids of every
 *              version, oldest first): migrations depend on all of them
 * The cache records those inputs per blueprint file in
 * <out>/.appgen/cache.json, with the app's slug and database schema (so
 * a build can apply the repository rules to an app it does not parse),
 * written atomically at the end of each build; an app is rebuilt when one
 * of them differs, when it has no record, or when its tree is gone from
 * <out>/apps/. A missing, unreadable or foreign cache file is an empty
 * cache (everything is rebuilt), never an error: the cache can only skip
 * work, not change what a build produces.
 */
#ifndef AG_CACHE_H
#define AG_CACHE_H

#include "common.h"

/* This appgen's identity (tools/build_id.sh): a hash of its sources. */
extern const char ag_build_id[];

typedef struct ag_cache_inputs {
	const char *appgen, *emitters, *config, *blueprint, *history;
} ag_cache_inputs;

typedef struct ag_cache_app {
	char *file; /* blueprints/<name>.json: the key */
	char *slug, *db_schema;
	char *appgen, *emitters, *config, *blueprint, *history;
	unsigned version;
	size_t files, bytes;
	char artifact[41]; /* the artifact commit of this tree ("" if none) */
} ag_cache_app;

typedef struct ag_cache {
	ag_cache_app *apps; /* sorted by file */
	size_t count, cap;
} ag_cache;

/* Read <out>/.appgen/cache.json (an absent or bad file gives an empty
 * cache). 0 or AG_ENOMEM. */
int ag_cache_load(ag_cache *c, const char *out);

/* Write it (temp file + rename; unchanged bytes are not rewritten). */
int ag_cache_save(const ag_cache *c, const char *out);

/*
 * Why the app of blueprint `file` must be built with inputs `now`: a short
 * reason ("not built before", "blueprint changed", ...; static text), or
 * NULL when the tree under <out>/apps/<slug> is the output of exactly
 * these inputs.
 */
const char *ag_cache_why(const ag_cache *c, const char *out, const char *file,
	const ag_cache_inputs *now);

/* The record of `file`, or NULL. */
const ag_cache_app *ag_cache_get(const ag_cache *c, const char *file);

/* What the app of `file` was built from (the record is added or replaced).
 * 0 or AG_ENOMEM. */
typedef struct ag_cache_built {
	const char *slug, *db_schema;
	unsigned version;
	size_t files, bytes;
	const char *artifact; /* NULL or "" if none */
} ag_cache_built;
int ag_cache_put(ag_cache *c, const char *file, const ag_cache_inputs *in, const ag_cache_built *b);

/* Forget `file` (its blueprint is gone). */
void ag_cache_remove(ag_cache *c, const char *file);

void ag_cache_dispose(ag_cache *c);

#endif
