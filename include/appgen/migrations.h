/*
 * migrations.h - an app's migration history from its blueprint's Git
 * history: the versions before the head are read and compiled, and the
 * planner (plan.h) turns the sequence into app.versions for the emitters.
 */
#ifndef AG_MIGRATIONS_H
#define AG_MIGRATIONS_H

#include "history.h"
#include "ir.h"
#include "repo.h"

/* The versions of one blueprint before its head, oldest first. */
typedef struct ag_past {
	ag_snapshot_file *files; /* path, blob and bytes of each version */
	char (*labels)[32];      /* "commit 1a2b3c4": where each version comes from */
	size_t count;
} ag_past;

/*
 * Read the versions of `h` before the head (whose blob is `head_blob`):
 * every committed version, less the last one when it is the head itself.
 * A version too large to read counts as one that does not validate.
 */
int ag_past_read(ag_past *out, ag_repo *repo, const ag_history_file *h, const char *head_blob);
void ag_past_dispose(ag_past *p);

/*
 * Compile each past version and plan the migrations up to `head` (whose
 * source is `text`): sets head->versions (NULL when there is one
 * migration). A refused head plan is AG_EINVALID with its diagnostics in
 * `d`; skipped past versions are W903 warnings there.
 */
int ag_past_plan(ag_ir *head, const ag_past *past, const char *text, size_t len, ag_diags *d);

/*
 * appgen diff: the SQL of one migration of the app whose blueprint is
 * blueprints/<slug>.json, as a build at `rev_b` would write it.
 *   rev_a NULL: the newest migration of rev_b's history (byte for byte
 *     the last db/migrations file of the build's tree);
 *   rev_a set:  the migration straight from the blueprint at rev_a to the
 *     one at rev_b, numbered after rev_a's migrations.
 * `worktree` takes the work-tree file instead of rev_b's (rev_b unused).
 * On success *name is the file name ("0004_add_deals_notes.sql"; free
 * it) and `sql` its text; when the blueprint is the same at both ends,
 * *name is NULL and `sql` empty. AG_ENOTFOUND when the revision or the
 * blueprint does not exist (message set), AG_EINVALID with diagnostics
 * in `d` when a version does not validate or a step is refused.
 */
typedef struct ag_diff_opts {
	const char *repo;  /* default "." */
	const char *rev_a, *rev_b;
	bool worktree;
} ag_diff_opts;

int ag_diff_sql(ag_buf *sql, char **name, const ag_diff_opts *o, const char *slug, ag_diags *d);

#endif
