/* diff.c - appgen diff: one migration of one app, rendered as a build would. */
#include "appgen/build.h"
#include "appgen/front.h"
#include "appgen/gen.h"
#include "appgen/migrations.h"
#include <string.h>

static ag_snapshot_file *find_file(ag_snapshot *snap, const char *path)
{
	for (size_t i = 0; i < snap->n_blueprints; i++)
		if (strcmp(snap->blueprints[i].path, path) == 0)
			return &snap->blueprints[i];
	return NULL;
}

/* The history of `rev` (none for an unborn HEAD). */
static int walk(ag_history *h, ag_repo *repo, const char *rev)
{
	int error = ag_history_walk(h, repo, rev);
	if (error == AG_ENOTFOUND && strcmp(rev, "HEAD") == 0) {
		ag_error_clear();
		return 0;
	}
	return error;
}

/* The newest db/migrations/NNNN_*.sql of a generated tree. */
static const ag_file *last_migration(const ag_files *files)
{
	static const char dir[] = "db/migrations/";
	const ag_file *best = NULL;

	for (size_t i = 0; i < files->count; i++) {
		const ag_file *f = &files->items[i];
		size_t n = strlen(f->path);
		if (strncmp(f->path, dir, sizeof(dir) - 1) != 0 || n < 4 || strcmp(f->path + n - 4, ".sql") != 0)
			continue;
		if (!best || strcmp(f->path, best->path) > 0)
			best = f;
	}
	return best;
}

int ag_diff_sql(ag_buf *sql, char **name, const ag_diff_opts *o, const char *slug, ag_diags *d)
{
	ag_repo *repo = NULL;
	ag_snapshot snap;
	ag_history hist_b, hist_a;
	ag_past past;
	ag_ir *ir = NULL;
	ag_gen *gen = NULL;
	ag_files files;
	ag_gen_limits limits;
	ag_buf path = AG_BUF_INIT;
	const ag_history_file *hb, *ha = NULL;
	ag_snapshot_file *f;
	const ag_file *m;
	const char *rev_b = o->rev_b ? o->rev_b : "HEAD";
	int error;

	*name = NULL;
	memset(&snap, 0, sizeof(snap));
	memset(&hist_a, 0, sizeof(hist_a));
	memset(&hist_b, 0, sizeof(hist_b));
	memset(&past, 0, sizeof(past));
	ag_files_init(&files);
	ag_buf_printf(&path, "blueprints/%s.json", slug);
	if (ag_buf_oom(&path)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ag_repo_open(&repo, o->repo ? o->repo : ".")) < 0)
		goto done;
	if (o->worktree) {
		if (!*ag_repo_workdir(repo)) {
			error = ag_error_set(AG_ENOTFOUND, "a bare repository has no work tree");
			goto done;
		}
		error = ag_snapshot_from_dir(&snap, ag_repo_workdir(repo));
		rev_b = "HEAD";
	} else {
		error = ag_repo_snapshot_lazy(&snap, repo, rev_b, true);
	}
	if (error < 0 || (error = walk(&hist_b, repo, rev_b)) < 0)
		goto done;
	if (!(f = find_file(&snap, path.ptr))) {
		error = ag_error_set(AG_ENOTFOUND, "there is no %s %s%s", path.ptr, o->worktree ? "in the work tree" : "at ",
			o->worktree ? "" : rev_b);
		goto done;
	}
	if ((error = ag_repo_read_file(repo, f)) < 0)
		goto done;
	hb = ag_history_get(&hist_b, f->path);

	if (o->rev_a) {
		if ((error = walk(&hist_a, repo, o->rev_a)) < 0)
			goto done;
		ha = ag_history_get(&hist_a, f->path);
		if (ha && ha->count && strcmp(ha->versions[ha->count - 1].blob, f->blob) == 0)
			goto done; /* the same blueprint: no migration */
		error = ag_past_read(&past, repo, ha, "");
	} else {
		error = ag_past_read(&past, repo, hb, f->blob);
	}
	if (error < 0)
		goto done;

	if ((error = ag_front_compile(&ir, f->path, f->data, f->len, d)) < 0)
		goto done;
	ir->version = (unsigned)(hb ? hb->count : 0);
	if (!hb || !hb->count || strcmp(hb->versions[hb->count - 1].blob, f->blob) != 0)
		ir->version++;
	if ((error = ag_past_plan(ir, &past, f->data, f->len, d)) < 0)
		goto done;

	memset(&limits, 0, sizeof(limits));
	if (snap.n_overrides == 0)
		limits.instructions = AG_GEN_UNLIMITED;
	if ((error = ag_gen_new(&gen, ag_build_source, &snap, &limits)) < 0 ||
		(error = ag_gen_run(gen, ir, &files, d)) < 0)
		goto done;
	if (!(m = last_migration(&files))) {
		error = ag_error_set(AG_ERROR, "the emitters wrote no db/migrations/*.sql");
		goto done;
	}
	ag_buf_put(sql, m->data, m->len);
	if (!(*name = strdup(strrchr(m->path, '/') + 1)) || ag_buf_oom(sql))
		error = ag_error_set(AG_ENOMEM, "out of memory");
done:
	ag_gen_free(gen);
	ag_files_dispose(&files);
	ag_ir_free(ir);
	ag_past_dispose(&past);
	ag_history_dispose(&hist_a);
	ag_history_dispose(&hist_b);
	ag_snapshot_dispose(&snap);
	ag_repo_free(repo);
	ag_buf_dispose(&path);
	return error;
}
