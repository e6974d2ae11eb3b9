/*
 * build.h - one build: a snapshot of the blueprint repository in, app
 * trees and a report out.
 *
 * ag_build_run() reads the snapshot (a Git revision, or the work tree),
 * compiles every blueprint with the front end, applies the repository
 * rules, runs the emitters over each valid app and writes
 *   <out>/apps/<slug>/   the app tree (atomically; see write.h)
 *   <out>/dist/<slug>-v<N>.zip   with `zip`: the tree, deterministic
 *   artifact commits     with `push`, in <out>/.appgen/artifacts.git,
 *                        pushed to the remote of appgen.json
 *   <out>/build.json     the report
 * A file the repository commits under .appgen/ replaces the built-in
 * emitter or template of the same path (.appgen/lua/emitters/...,
 * .appgen/templates/...). A failing blueprint is reported and the others
 * still build. The report
 * holds every app's status, the stage it reached, its diagnostics and
 * timings; timings appear only in build.json, never in app trees.
 *
 * An app built before (the cache knows it) whose blueprint is gone is
 * reported "deleted" and its tree replaced by its teardown: db/teardown.sql
 * (DROP SCHEMA ... CASCADE) and DELETED.md; with push, that tree is its
 * last artifact.
 *
 * One build at a time per out dir: a build takes an exclusive lock on
 * <out>/.appgen/lock and a second one waits for it. A build killed at any
 * point (kill -9) leaves the previous outputs whole (write.h) and the
 * cache of the last complete build; the next build completes.
 *
 * Incremental (cache.h): an app whose inputs are those of its tree on disk
 * is neither parsed nor compiled nor written; it counts as succeeded and
 * is marked cached. The report says why each other app was rebuilt.
 * Blueprints are parsed in parallel too (`jobs` threads), then the
 * repository rules run over all apps, then the emitters.
 */
#ifndef AG_BUILD_H
#define AG_BUILD_H

#include "diag.h"

typedef struct ag_build_opts {
	const char *repo;  /* repository (or directory with --worktree); default "." */
	const char *rev;   /* NULL = HEAD */
	const char *out;   /* default "out" */
	bool worktree;     /* read uncommitted files instead of a commit */
	const char *const *apps; /* only these slugs (n_apps == 0: all) */
	size_t n_apps;
	unsigned shard_index, shard_count; /* 1-based index of count; 0/0 = all */
	unsigned jobs;     /* threads compiling and writing apps; 0 or 1 = one */
	bool force;        /* ignore the cache: build every selected app */
	bool zip;          /* also <out>/dist/<slug>-v<N>.zip (zip.h) */
	bool push;         /* commit each tree to its artifact branch and push (artifact.h) */
} ag_build_opts;

typedef enum { AG_APP_SUCCEEDED, AG_APP_FAILED, AG_APP_SKIPPED, AG_APP_DELETED } ag_app_status;

typedef struct ag_build_app {
	char *file;       /* blueprints/<name>.json */
	char *slug;       /* NULL when the blueprint did not get that far */
	char *db_schema;  /* set once the app is built */
	ag_app_status status;
	const char *stage; /* last stage reached: parse, validate, compile, write */
	unsigned version;
	char blob[41];
	size_t files, bytes, written;
	double ms_front, ms_compile, ms_write;
	size_t diag_count; /* diagnostics about this app's file */
	bool cached;        /* up to date: neither parsed nor written this time */
	bool zipped;        /* its zip is in <out>/dist/ */
	char artifact[41];  /* with push: the artifact commit of the tree */
	bool artifact_made, pushed; /* committed / pushed by this build */
	char *push_error;   /* why the commit or push failed (the commit stays pending) */
	const char *reason; /* why it was built (static text; see cache.h), NULL if cached */
} ag_build_app;

typedef struct ag_build_report {
	char commit[41];
	bool shallow;   /* the repository is a shallow clone: versions start where it does */
	ag_build_app *apps;
	size_t n_apps;
	size_t succeeded, failed, skipped;
	size_t cached; /* of the succeeded: up to date, not rebuilt */
	size_t deleted; /* apps built before whose blueprint is gone */
	size_t push_failed; /* apps whose artifact commit or push failed */
	double ms_total;
} ag_build_report;

/* Called after each app is done (for progress lines). */
typedef void (*ag_build_progress)(const ag_build_app *app, size_t index, size_t total, void *payload);

/*
 * The emitter and template sources of a build: the snapshot's .appgen/
 * overrides (payload: the ag_snapshot), else the built-in ones. An
 * ag_gen_source.
 */
int ag_build_source(const char **data, size_t *len, const char *name, void *payload);

/*
 * Run a build. Diagnostics of all apps go to `diags` (each app's slice is
 * recorded in its report entry). Returns 0 when the build ran (apps may
 * have failed: see the report), AG_ENOTFOUND when there is no repository
 * or revision, or another negative code for an environment failure.
 */
int ag_build_run(ag_build_report *report, const ag_build_opts *opts, ag_diags *diags,
	ag_build_progress progress, void *payload);

void ag_build_report_dispose(ag_build_report *r);

#endif
