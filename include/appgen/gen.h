/*
 * gen.h - running emitters: a sandboxed Lua 5.4 state per worker.
 *
 * The generator loads `lua/emitters/_manifest.lua`, which returns the
 * ordered list of emitter module names, and runs each emitter over the IR.
 * An emitter is a Lua module returning a table with a function
 * `emit(app, ctx)`; it returns nothing and reports through ctx:
 *   ctx:file(path, text [, mode])   a generated file
 *   ctx:dep(spec) ctx:env(name) ctx:gap(text)
 *   ctx:template(name, vars)        render templates/<name> (returns text)
 * `app` is the IR (ag_ir_to_json's shape) as read-only Lua tables.
 *
 * Sandbox: only base (without dofile, loadfile, print, collectgarbage's
 * control options, rawset on IR tables), table, string, math (without
 * random) and utf8; no io, os, package, debug, coroutine. pairs() walks
 * plain tables in sorted key order (Lua's hash seed is per state) and the
 * IR in its own order; `load` takes text chunks
 * only; `require` resolves names through the ag_gen_source callback (the
 * embedded lua/ tree, or a repository override under .appgen/). Every run
 * has an instruction budget, a memory cap and a cap on the subject size
 * of string pattern functions; hitting one is a diagnostic naming the
 * emitter, never a crash. The `ag` library gives escapers per target
 * (ag.sql.ident, ag.sql.lit, ag.py.ident, ag.py.str, ag.ts.str, ag.html,
 * ag.attr, ag.json), case conversion, pluralization, Markdown -> HTML
 * (cmark, safe mode) and ag.hash.
 *
 * Emitters are pure: the same IR gives the same files. A gen object is
 * not thread-safe; make one per worker.
 */
#ifndef AG_GEN_H
#define AG_GEN_H

#include "diag.h"
#include "files.h"
#include "ir.h"

/* Looks up a source file by its path in the repository layout
 * ("lua/emitters/db/schema.lua", "templates/db/0001.sql.tpl").
 * Sets *data / *len (borrowed, must outlive the gen) and returns 0, or
 * returns AG_ENOTFOUND. */
typedef int (*ag_gen_source)(const char **data, size_t *len, const char *name, void *payload);

/* No instruction budget (appgen's own emitters: no count hook at all). */
#define AG_GEN_UNLIMITED UINT64_MAX

typedef struct ag_gen_limits {
	uint64_t instructions; /* per emitter run; 0 = default (200 million) */
	size_t memory;         /* bytes for the whole state; 0 = default (256 MiB) */
	size_t pattern_subject; /* longest string given to find/match/gmatch/gsub; 0 = 4 MiB */
} ag_gen_limits;

typedef struct ag_gen ag_gen;

int ag_gen_new(ag_gen **out, ag_gen_source source, void *payload, const ag_gen_limits *limits);
void ag_gen_free(ag_gen *g);

/*
 * Run every emitter of the manifest over `ir`, adding to `files`. An
 * emitter error (Lua error, budget, memory) becomes a diagnostic with code
 * E701/E702/E703 naming the emitter, and the function returns AG_EINVALID.
 */
int ag_gen_run(ag_gen *g, const ag_ir *ir, ag_files *files, ag_diags *diags);

/* ag_gen_run with the IR's JSON (ag_ir_to_json(ir)) made by the caller,
 * which can use it again (e.g. to write blueprint.json); it is left as it
 * was given. */
int ag_gen_run_json(ag_gen *g, const ag_ir *ir, cJSON *json, ag_files *files, ag_diags *diags);

/* The built-in sources (lua/ and templates/ compiled into the binary). */
int ag_gen_builtin_source(const char **data, size_t *len, const char *name, void *payload);

#endif
