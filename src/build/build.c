/* build.c - snapshot -> front end -> emitters -> app trees + build.json. */
#include "appgen/build.h"
#include "appgen/artifact.h"
#include "appgen/cache.h"
#include "appgen/files.h"
#include "appgen/fs.h"
#include "appgen/front.h"
#include "appgen/gen.h"
#include "appgen/hash.h"
#include "appgen/history.h"
#include "appgen/migrations.h"
#include "appgen/repo.h"
#include "appgen/write.h"
#include "appgen/zip.h"
#include <pthread.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void ag_build_report_dispose(ag_build_report *r)
{
	for (size_t i = 0; i < r->n_apps; i++) {
		free(r->apps[i].file);
		free(r->apps[i].slug);
		free(r->apps[i].db_schema);
		free(r->apps[i].push_error);
	}
	free(r->apps);
	memset(r, 0, sizeof(*r));
}

/*
 * The snapshot of the build and the history of its blueprints. From a
 * commit, the blueprints' bytes are left unread (*repo stays open to read
 * them: ag_repo_read_file). With --worktree in a Git repository the
 * history is HEAD's (none while HEAD is unborn); outside one there is none.
 */
/*
 * The history of `rev`, continuing the one the last build saved in
 * <out>/.appgen/history.json (a walk of only the new commits), and saved
 * for the next build.
 */
static int walk_history(ag_history *hist, ag_repo *repo, const char *rev, const ag_build_opts *o)
{
	ag_history base;
	ag_buf path = AG_BUF_INIT, dir = AG_BUF_INIT;
	char base_commit[41], commit[41];
	int error;

	memset(&base, 0, sizeof(base));
	ag_buf_printf(&dir, "%s/.appgen", o->out ? o->out : "out");
	ag_buf_printf(&path, "%s/history.json", dir.ptr);
	if (ag_buf_oom(&path) || ag_buf_oom(&dir)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	base_commit[0] = '\0';
	if (!o->force && (error = ag_history_load(&base, base_commit, path.ptr)) < 0)
		goto done;
	if ((error = ag_history_walk_from(hist, repo, rev, &base, base_commit)) < 0)
		goto done;
	if ((error = ag_repo_resolve(repo, rev, commit)) == 0 && strcmp(commit, base_commit) != 0 &&
		(error = ag_write_mkdirs(dir.ptr)) == 0)
		error = ag_history_save(hist, commit, path.ptr);
done:
	ag_history_dispose(&base);
	ag_buf_dispose(&path);
	ag_buf_dispose(&dir);
	return error;
}

static int load_snapshot(ag_snapshot *snap, ag_history *hist, ag_repo **repo, const ag_build_opts *o)
{
	const char *path = o->repo ? o->repo : ".";
	int error;

	*repo = NULL;
	memset(hist, 0, sizeof(*hist));
	if (o->worktree) {
		/* The work tree of the repository if there is one, else the
		 * directory itself: --worktree needs no Git. */
		if (ag_repo_open(repo, path) == 0 && *ag_repo_workdir(*repo)) {
			if ((error = ag_snapshot_from_dir(snap, ag_repo_workdir(*repo))) == 0 &&
				(error = walk_history(hist, *repo, "HEAD", o)) == AG_ENOTFOUND)
				error = 0; /* no commit yet */
		} else {
			error = ag_snapshot_from_dir(snap, path);
		}
		ag_repo_free(*repo);
		*repo = NULL;
		ag_error_clear();
		return error;
	}
	if ((error = ag_repo_open(repo, path)) < 0)
		return error;
	if ((error = ag_repo_snapshot_lazy(snap, *repo, o->rev, true)) < 0)
		return error;
	return walk_history(hist, *repo, snap->commit, o);
}

/*
 * The version of a blueprint and a hash of its version list (the cache's
 * "history" input). A work-tree file whose bytes are not the last
 * committed version's is one version more.
 */
static int version_of(const ag_history *hist, const ag_snapshot_file *f, unsigned *version,
	char key[AG_HASH_HEXSZ + 1])
{
	const ag_history_file *h = ag_history_get(hist, f->path);
	size_t n = h ? h->count : 0;
	ag_buf b = AG_BUF_INIT;
	int error;

	for (size_t k = 0; k < n; k++)
		ag_buf_printf(&b, "%s\n", h->versions[k].blob);
	if (n == 0 || strcmp(h->versions[n - 1].blob, f->blob) != 0) {
		ag_buf_printf(&b, "%s\n", f->blob);
		n++;
	}
	*version = (unsigned)n;
	error = ag_buf_oom(&b) ? ag_error_set(AG_ENOMEM, "out of memory") : ag_hash_hex(key, b.ptr, b.len);
	ag_buf_dispose(&b);
	return error;
}

/*
 * Emitter and template sources: a file the repository commits under
 * .appgen/ (".appgen/templates/db/x.tpl", ".appgen/lua/emitters/db/y.lua")
 * replaces the built-in file of the same path; everything else is built in.
 */
int ag_build_source(const char **data, size_t *len, const char *name, void *payload)
{
	const ag_snapshot *snap = payload;
	static const char prefix[] = ".appgen/";

	for (size_t i = 0; i < snap->n_overrides; i++) {
		const ag_snapshot_file *f = &snap->overrides[i];
		if (strncmp(f->path, prefix, sizeof(prefix) - 1) == 0 && strcmp(f->path + sizeof(prefix) - 1, name) == 0) {
			*data = f->data;
			*len = f->len;
			return 0;
		}
	}
	return ag_gen_builtin_source(data, len, name, NULL);
}

static bool selected(const ag_build_opts *o, const char *slug)
{
	if (o->n_apps) {
		bool found = false;
		for (size_t i = 0; i < o->n_apps; i++)
			found |= strcmp(o->apps[i], slug) == 0;
		if (!found)
			return false;
	}
	if (o->shard_count > 1)
		return ag_hash_fnv32(slug) % o->shard_count == o->shard_index - 1;
	return true;
}

/* The files of one app: the emitters' output plus the normalized IR.
 * AG_EINVALID when an emitter failed (diagnostics say which). */
static int compile_app(ag_files *files, ag_gen *gen, const ag_ir *ir, ag_diags *d)
{
	ag_buf b = AG_BUF_INIT;
	cJSON *j = ag_ir_to_json(ir);
	int error;

	if (!j)
		return ag_error_set(AG_ENOMEM, "out of memory");
	/* one JSON of the IR: for the emitters, then as blueprint.json */
	if ((error = ag_gen_run_json(gen, ir, j, files, d)) == 0) {
		ag_json_write(&b, j);
		error = ag_buf_oom(&b) ? AG_ENOMEM
			: ag_files_add(files, "blueprint.json", b.ptr, b.len, 0644, "appgen", false);
	}
	cJSON_Delete(j);
	ag_buf_dispose(&b);
	return error;
}

/* Diagnostics are attributed to an app by the file they are about. */
static size_t count_diags(const ag_diags *d, const char *file)
{
	size_t n = 0;
	for (size_t k = 0; k < d->count; k++)
		n += strcmp(d->items[k].file, file) == 0;
	return n;
}

static cJSON *diag_json(const ag_diag *x)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "file", x->file);
	cJSON_AddNumberToObject(o, "line", x->span.line);
	cJSON_AddNumberToObject(o, "column", x->span.col);
	cJSON_AddStringToObject(o, "severity", x->severity == AG_SEV_ERROR ? "error" : "warning");
	cJSON_AddStringToObject(o, "code", ag_diag_code_id(x->code));
	cJSON_AddStringToObject(o, "message", x->message);
	if (x->hint)
		cJSON_AddStringToObject(o, "hint", x->hint);
	return o;
}

static int write_report(const ag_build_report *r, const ag_diags *d, const char *out, const char *summary)
{
	static const char *const status[] = { "succeeded", "failed", "skipped", "deleted" };
	cJSON *root = cJSON_CreateObject(), *apps, *t;
	ag_buf path = AG_BUF_INIT, text = AG_BUF_INIT;
	int error;

	cJSON_AddStringToObject(root, "appgen", AG_VERSION);
	cJSON_AddStringToObject(root, "sourceCommit", r->commit);
	cJSON_AddStringToObject(root, "sourceSummary", summary ? summary : "");
	apps = cJSON_AddArrayToObject(root, "apps");
	for (size_t i = 0; i < r->n_apps; i++) {
		const ag_build_app *a = &r->apps[i];
		cJSON *o = cJSON_CreateObject(), *ds, *tm;
		cJSON_AddStringToObject(o, "slug", a->slug ? a->slug : "");
		cJSON_AddStringToObject(o, "file", a->file);
		cJSON_AddStringToObject(o, "status", status[a->status]);
		cJSON_AddStringToObject(o, "stage", a->stage);
		cJSON_AddNumberToObject(o, "version", a->version);
		cJSON_AddStringToObject(o, "blueprintHash", a->blob);
		cJSON_AddStringToObject(o, "sourceCommit", r->commit);
		cJSON_AddNumberToObject(o, "files", (double)a->files);
		cJSON_AddNumberToObject(o, "bytes", (double)a->bytes);
		cJSON_AddNumberToObject(o, "written", (double)a->written);
		cJSON_AddBoolToObject(o, "cached", a->cached);
		if (a->artifact[0]) {
			cJSON_AddStringToObject(o, "artifact", a->artifact);
			cJSON_AddBoolToObject(o, "artifactCommitted", a->artifact_made);
			cJSON_AddBoolToObject(o, "pushed", a->pushed);
		}
		if (a->push_error)
			cJSON_AddStringToObject(o, "pushError", a->push_error);
		if (a->zipped) {
			ag_buf z = AG_BUF_INIT;
			ag_buf_printf(&z, "dist/%s-v%u.zip", a->slug, a->version);
			cJSON_AddStringToObject(o, "zip", ag_buf_oom(&z) ? "" : z.ptr);
			ag_buf_dispose(&z);
		}
		if (a->reason && a->status != AG_APP_SKIPPED)
			cJSON_AddStringToObject(o, "rebuilt", a->reason);
		ds = cJSON_AddArrayToObject(o, "diagnostics");
		for (size_t k = 0; k < d->count; k++)
			if (strcmp(d->items[k].file, a->file) == 0)
				cJSON_AddItemToArray(ds, diag_json(&d->items[k]));
		tm = cJSON_AddObjectToObject(o, "timings_ms");
		cJSON_AddNumberToObject(tm, "front", a->ms_front);
		cJSON_AddNumberToObject(tm, "compile", a->ms_compile);
		cJSON_AddNumberToObject(tm, "write", a->ms_write);
		cJSON_AddItemToArray(apps, o);
	}
	t = cJSON_AddObjectToObject(root, "totals");
	cJSON_AddNumberToObject(t, "apps", (double)r->n_apps);
	cJSON_AddNumberToObject(t, "succeeded", (double)r->succeeded);
	cJSON_AddNumberToObject(t, "failed", (double)r->failed);
	cJSON_AddNumberToObject(t, "skipped", (double)r->skipped);
	cJSON_AddNumberToObject(t, "cached", (double)r->cached);
	cJSON_AddNumberToObject(t, "deleted", (double)r->deleted);
	cJSON_AddNumberToObject(t, "pushFailed", (double)r->push_failed);
	cJSON_AddNumberToObject(t, "ms", r->ms_total);
	ag_json_write(&text, root);
	cJSON_Delete(root);
	ag_buf_printf(&path, "%s/build.json", out);
	if (ag_buf_oom(&text) || ag_buf_oom(&path))
		error = AG_ENOMEM;
	else if ((error = ag_write_mkdirs(out)) == 0)
		error = ag_write_file(path.ptr, text.ptr, text.len, 0644, NULL);
	ag_buf_dispose(&text);
	ag_buf_dispose(&path);
	return error;
}

/*
 * The compile + write stage runs on a pool of `jobs` threads. Each worker
 * has its own generator (a Lua state is single-threaded) and writes each
 * app's diagnostics to that app's own list; the lists are appended to the
 * build's in app order afterwards, so the output does not depend on which
 * thread finished first. Only the progress lines come in completion order.
 */
typedef struct pool pool;
struct pool {
	int (*job)(pool *p, size_t i, ag_gen **gen); /* the stage each app goes through */
	const bool *todo;   /* [n_apps]: the apps this stage works on */
	ag_build_report *r;
	ag_ir **irs;
	ag_past *past;      /* [n_apps] the versions before the head */
	ag_snapshot *snap;
	const ag_gen_limits *limits;
	const char *out;
	bool zip;           /* --zip: out/dist/<slug>-v<N>.zip too */
	ag_diags *front;    /* the build's list: front-end diagnostics so far */
	ag_diags *per_app;  /* [n_apps] emitter diagnostics */
	ag_build_progress progress;
	void *payload;
	size_t total, done;
	size_t next;        /* next app index to take */
	int error;          /* first environment failure */
	pthread_mutex_t lock;
};

/* Parse, validate and normalize blueprint i (diagnostics to its own list). */
static int front_one(pool *p, size_t i, ag_gen **gen)
{
	const ag_snapshot_file *f = &p->snap->blueprints[i];
	ag_build_app *a = &p->r->apps[i];
	ag_diags *d = &p->per_app[i];
	double t = now_ms();
	int error;

	(void)gen;
	a->stage = "parse";
	error = ag_front_compile(&p->irs[i], f->path, f->data, f->len, d);
	if (error < 0 && error != AG_EINVALID)
		return error;
	if (p->irs[i]) {
		a->stage = "validate";
		if (!(a->slug = strdup(p->irs[i]->slug)))
			return ag_error_set(AG_ENOMEM, "out of memory");
		p->irs[i]->version = a->version;
		/* the migrations from the versions before this one */
		error = p->past[i].count ? ag_past_plan(p->irs[i], &p->past[i], f->data, f->len, d) : 0;
		if (error == AG_EINVALID)
			a->status = AG_APP_FAILED; /* a refused migration; the IR stays for the repository rules */
		else if (error < 0)
			return error;
	} else {
		/* A blueprint that does not parse never gets a slug. */
		bool parsed = false;
		for (size_t k = 0; k < d->count; k++)
			parsed |= d->items[k].code >= AG_D_UNKNOWN_KEY;
		a->stage = parsed ? "validate" : "parse";
		a->status = AG_APP_FAILED;
	}
	a->ms_front = now_ms() - t;
	return 0;
}

/* <out>/dist/<slug>-v<N>.zip */
static void zip_path(ag_buf *b, const char *out, const char *slug, unsigned version)
{
	ag_buf_printf(b, "%s/dist/%s-v%u.zip", out, slug, version);
}

static bool zip_present(const char *out, const char *slug, unsigned version)
{
	ag_buf b = AG_BUF_INIT;
	struct stat st;
	bool ok;

	zip_path(&b, out, slug, version);
	ok = !ag_buf_oom(&b) && stat(b.ptr, &st) == 0 && S_ISREG(st.st_mode);
	ag_buf_dispose(&b);
	return ok;
}

/* Compile and write app i. 0, or a negative environment error. */
static int build_one(pool *p, size_t i, ag_gen **gen)
{
	ag_build_app *a = &p->r->apps[i];
	ag_diags *d = &p->per_app[i];
	ag_files files;
	ag_write_stats ws;
	ag_buf dir = AG_BUF_INIT;
	double t;
	int error;

	if (!*gen && (error = ag_gen_new(gen, ag_build_source, p->snap, p->limits)) < 0)
		return error;
	ag_files_init(&files);
	t = now_ms();
	a->stage = "compile";
	error = compile_app(&files, *gen, p->irs[i], d);
	a->ms_compile = now_ms() - t;
	if (error == AG_EINVALID) {
		/* An emitter failed: this app fails, its last tree stays. */
		a->status = AG_APP_FAILED;
		error = 0;
	} else if (error == 0) {
		t = now_ms();
		a->stage = "write";
		ag_buf_printf(&dir, "%s/apps/%s", p->out, a->slug);
		error = ag_buf_oom(&dir) ? AG_ENOMEM : ag_write_tree(dir.ptr, &files, &ws);
		a->ms_write = now_ms() - t;
		a->files = files.count;
		a->bytes = ws.bytes;
		a->written = ws.written;
		if (error == 0 && p->zip) {
			/* <slug>-v<N>.zip holds the tree under <slug>-v<N>/ */
			ag_buf root = AG_BUF_INIT;
			a->stage = "pack";
			ag_buf_clear(&dir);
			zip_path(&dir, p->out, a->slug, a->version);
			ag_buf_printf(&root, "%s-v%u", a->slug, a->version);
			error = ag_buf_oom(&dir) || ag_buf_oom(&root) ? ag_error_set(AG_ENOMEM, "out of memory")
				: ag_zip_write(dir.ptr, &files, root.ptr, NULL);
			a->zipped = error == 0;
			ag_buf_dispose(&root);
		}
		if (error == 0)
			a->status = AG_APP_SUCCEEDED;
	}
	ag_buf_dispose(&dir);
	ag_files_dispose(&files);
	/* Done with the IR: the build keeps only what the cache records. */
	if (!error && !(a->db_schema = strdup(p->irs[i]->db_schema)))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	ag_ir_free(p->irs[i]);
	p->irs[i] = NULL;
	return error;
}

static void *worker(void *arg)
{
	pool *p = arg;
	ag_gen *gen = NULL;

	for (;;) {
		size_t i;
		int error;

		pthread_mutex_lock(&p->lock);
		while (p->next < p->r->n_apps && !p->todo[p->next])
			p->next++;
		i = p->next++;
		pthread_mutex_unlock(&p->lock);
		if (i >= p->r->n_apps)
			break;
		error = p->job(p, i, &gen);
		pthread_mutex_lock(&p->lock);
		if (error < 0 && !p->error) {
			p->error = error;
			p->next = p->r->n_apps; /* stop handing out work */
		}
		if (!error && p->progress) {
			ag_build_app *a = &p->r->apps[i];
			a->diag_count = count_diags(p->front, a->file) + p->per_app[i].count;
			p->progress(a, ++p->done, p->total, p->payload);
		}
		pthread_mutex_unlock(&p->lock);
	}
	ag_gen_free(gen);
	return NULL;
}

/* Moves every diagnostic of `from` to the end of `to`. */
static void diags_append(ag_diags *to, const ag_diags *from)
{
	for (size_t k = 0; k < from->count; k++) {
		const ag_diag *x = &from->items[k];
		ag_diags_add(to, x->severity, x->code, x->file, x->span, x->source,
			x->source ? strlen(x->source) : 0, x->hint, "%s", x->message);
	}
}

static int pool_run(pool *p, unsigned jobs)
{
	pthread_t threads[64];
	size_t started = 0, n = p->r->n_apps;
	int error = 0;

	if (jobs == 0)
		jobs = 1;
	if (jobs > AG_ARRAY_SIZE(threads))
		jobs = AG_ARRAY_SIZE(threads);
	p->next = p->done = 0;
	p->error = 0;
	if (!(p->per_app = calloc(n + 1, sizeof(*p->per_app))))
		return ag_error_set(AG_ENOMEM, "out of memory");
	pthread_mutex_init(&p->lock, NULL);
	if (jobs == 1) {
		worker(p);
	} else {
		for (; started < jobs; started++)
			if (pthread_create(&threads[started], NULL, worker, p) != 0)
				break;
		if (started == 0)
			worker(p); /* no threads to be had: do the work here */
		for (size_t k = 0; k < started; k++)
			pthread_join(threads[k], NULL);
	}
	pthread_mutex_destroy(&p->lock);
	/* Diagnostics in app order, whichever thread finished first. */
	for (size_t i = 0; i < n; i++) {
		diags_append(p->front, &p->per_app[i]);
		ag_diags_dispose(&p->per_app[i]);
	}
	free(p->per_app);
	p->per_app = NULL;
	if (p->error)
		error = p->error;
	else if (p->front->oom)
		error = ag_error_set(AG_ENOMEM, "out of memory");
	return error;
}

/* Hash of the repository's overrides (paths and blob ids), "" for none. */
static int overrides_hash(char out[AG_HASH_HEXSZ + 1], const ag_snapshot *snap)
{
	ag_buf b = AG_BUF_INIT;
	int error = 0;

	out[0] = '\0';
	if (snap->n_overrides == 0)
		return 0;
	for (size_t i = 0; i < snap->n_overrides; i++)
		ag_buf_printf(&b, "%s %s\n", snap->overrides[i].path, snap->overrides[i].blob);
	error = ag_buf_oom(&b) ? ag_error_set(AG_ENOMEM, "out of memory") : ag_hash_hex(out, b.ptr, b.len);
	ag_buf_dispose(&b);
	return error;
}

/*
 * Stand-ins for apps the cache lets the build skip: the repository rules
 * need every app's file, slug and schema, not a parsed blueprint.
 */
static ag_ir *stub_ir(const ag_build_app *a, const ag_cache_app *c)
{
	ag_ir *ir = calloc(1, sizeof(*ir));

	if (ir) {
		ir->file = a->file;
		ir->slug = c->slug;
		ir->db_schema = c->db_schema;
	}
	return ir;
}

/*
 * Report app `c` deleted and replace its tree with its teardown: the
 * db/teardown.sql it had (else one made here from its schema name) and
 * DELETED.md. r->apps has room (see ag_build_run).
 */
static int mark_deleted(ag_build_report *r, const ag_cache_app *c, const char *out)
{
	ag_build_app *a = &r->apps[r->n_apps];
	ag_buf dir = AG_BUF_INIT, old = AG_BUF_INIT, sql = AG_BUF_INIT, md = AG_BUF_INIT;
	ag_files files;
	ag_write_stats ws;
	size_t size;
	int error = 0;

	memset(a, 0, sizeof(*a));
	r->n_apps++;
	r->deleted++;
	a->status = AG_APP_DELETED;
	a->stage = "write";
	a->version = c->version;
	if (!(a->file = strdup(c->file)) || !(a->slug = strdup(c->slug)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	ag_files_init(&files);
	ag_buf_printf(&dir, "%s/apps/%s", out, c->slug);
	ag_buf_printf(&old, "%s/db/teardown.sql", dir.ptr);
	if (ag_buf_oom(&old) || ag_fs_read(&sql, old.ptr, (size_t)1 << 20, &size) < 0) {
		/* no tree to take it from: the same statement, made here */
		ag_buf_clear(&sql);
		ag_buf_puts(&sql, "-- teardown of a deleted app (appgen)\nDROP SCHEMA \"");
		for (const char *p = c->db_schema; *p; p++) {
			if (*p == '"')
				ag_buf_putc(&sql, '"'); /* doubled inside a quoted identifier */
			ag_buf_putc(&sql, *p);
		}
		ag_buf_puts(&sql, "\" CASCADE;\n");
	}
	ag_error_clear();
	ag_buf_printf(&md, "# %s (deleted)\n\nThe blueprint %s was removed. To remove the app's data, run\n"
		"`db/teardown.sql` as its database role:\n\n    psql -v ON_ERROR_STOP=1 -f db/teardown.sql\n",
		c->slug, c->file);
	if (ag_buf_oom(&dir) || ag_buf_oom(&sql) || ag_buf_oom(&md))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	else if ((error = ag_files_add(&files, "db/teardown.sql", sql.ptr, sql.len, 0644, "appgen", false)) == 0 &&
		(error = ag_files_add(&files, "DELETED.md", md.ptr, md.len, 0644, "appgen", false)) == 0 &&
		(error = ag_write_tree(dir.ptr, &files, &ws)) == 0) {
		a->files = files.count;
		a->bytes = ws.bytes;
		a->written = ws.written;
	}
	ag_files_dispose(&files);
	ag_buf_dispose(&dir);
	ag_buf_dispose(&old);
	ag_buf_dispose(&sql);
	ag_buf_dispose(&md);
	return error;
}

/* Push attempts and the first delay (doubling), APPGEN_PUSH_DELAY_MS to override. */
#define PUSH_ATTEMPTS 3
#define PUSH_DELAY_MS 1000

/*
 * Commit every built app's tree to its artifact branch (apps the cache
 * skipped only when their tree is not the branch's tip yet) and push what
 * is pending. A failure is the app's (stage "push"); the others go on.
 */
static int publish(ag_build_report *r, ag_cache *cache, const ag_snapshot *snap, const ag_build_opts *o,
	const ag_artifact_config *cfg)
{
	const char *out = o->out ? o->out : "out";
	const char *env = getenv("APPGEN_PUSH_DELAY_MS");
	unsigned delay = env && *env ? (unsigned)strtoul(env, NULL, 10) : PUSH_DELAY_MS;
	ag_artifacts *arts = NULL;
	ag_buf path = AG_BUF_INIT;
	const char **slugs = NULL;
	size_t *index = NULL, n = 0, todo = 0;
	bool *pushed = NULL;
	char **errors = NULL;
	int error = 0;

	ag_buf_printf(&path, "%s/.appgen/artifacts.git", out);
	if (ag_buf_oom(&path)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ag_artifacts_open(&arts, path.ptr, cfg)) < 0)
		goto done;
	slugs = calloc(r->n_apps + 1, sizeof(*slugs));
	index = calloc(r->n_apps + 1, sizeof(*index));
	pushed = calloc(r->n_apps + 1, sizeof(*pushed));
	errors = calloc(r->n_apps + 1, sizeof(*errors));
	if (!slugs || !index || !pushed || !errors) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	/* 0. the apps to publish: an up-to-date app whose cache records its
	 * artifact was committed and pushed by an earlier build */
	for (size_t i = 0; i < r->n_apps; i++) {
		ag_build_app *a = &r->apps[i];
		const ag_cache_app *c = ag_cache_get(cache, a->file);
		if (a->status != AG_APP_SUCCEEDED && a->status != AG_APP_DELETED)
			continue;
		a->stage = "push";
		if (a->cached && c && c->artifact[0]) {
			memcpy(a->artifact, c->artifact, sizeof(a->artifact));
			continue;
		}
		slugs[n] = a->slug;
		index[n++] = i;
	}
	if ((error = ag_artifact_prefetch(arts, slugs, n)) < 0)
		goto done;
	/* 1. commit every tree that is not its branch's tip yet */
	todo = n;
	n = 0;
	for (size_t k = 0; k < todo; k++) {
		ag_build_app *a = &r->apps[index[k]];
		const ag_cache_app *c = ag_cache_get(cache, a->file);
		ag_files files;
		int e;

		ag_files_init(&files);
		if ((e = ag_artifact_tip(arts, a->slug, a->artifact)) == 0 &&
			!(a->cached && c && c->artifact[0] && strcmp(c->artifact, a->artifact) == 0)) {
			ag_buf_clear(&path);
			ag_buf_printf(&path, "%s/apps/%s", out, a->slug);
			e = ag_buf_oom(&path) ? ag_error_set(AG_ENOMEM, "out of memory") : ag_files_load_dir(&files, path.ptr);
			if (e == 0)
				e = ag_artifact_commit(arts, &files, &(ag_artifact_source){ a->slug, a->file, a->version,
					snap->commit, snap->time, snap->tz_offset }, a->artifact, &a->artifact_made);
		}
		ag_files_dispose(&files);
		if (e == AG_ENOMEM) {
			error = e;
			goto done;
		}
		if (e < 0) {
			/* nothing committed: the next build tries again */
			a->push_error = strdup(ag_error_last());
			r->push_failed++;
			continue;
		}
		slugs[n] = a->slug;
		index[n++] = index[k];
	}
	/* 2. push what is pending, all at once where the layout allows */
	if ((error = ag_artifact_push_many(arts, slugs, n, PUSH_ATTEMPTS, delay, pushed, errors)) < 0)
		goto done;
	/* 3. what each app got; the cache remembers published trees */
	for (size_t k = 0; k < n; k++) {
		ag_build_app *a = &r->apps[index[k]];
		const ag_cache_app *c = ag_cache_get(cache, a->file);
		a->pushed = pushed[k];
		/* a push the remote refused moves the branch onto its tip */
		if ((error = ag_artifact_tip(arts, a->slug, a->artifact)) < 0)
			goto done;
		if (errors[k]) {
			/* the commit stays in the staging repository, and the
			 * cache forgets the artifact so the next build pushes it */
			a->push_error = errors[k];
			errors[k] = NULL;
			r->push_failed++;
			if (c && c->artifact[0] && (error = ag_cache_put(cache, a->file, &(ag_cache_inputs){ c->appgen,
				c->emitters, c->config, c->blueprint, c->history }, &(ag_cache_built){ c->slug, c->db_schema,
				c->version, c->files, c->bytes, NULL })) < 0)
				goto done;
		} else if (c && a->artifact[0] && (error = ag_cache_put(cache, a->file, &(ag_cache_inputs){ c->appgen,
			c->emitters, c->config, c->blueprint, c->history }, &(ag_cache_built){ c->slug, c->db_schema,
			c->version, c->files, c->bytes, a->artifact })) < 0) {
			goto done;
		}
	}
done:
	for (size_t k = 0; errors && k < n; k++)
		free(errors[k]);
	free(slugs);
	free(index);
	free(pushed);
	free(errors);
	ag_artifacts_free(arts);
	ag_buf_dispose(&path);
	return error;
}

/* With --push: the artifact repositories appgen.json configures. */
static int push_config(ag_artifact_config *cfg, const ag_snapshot *snap, ag_repo *repo, ag_diags *d)
{
	const char *base = repo && *ag_repo_workdir(repo) ? ag_repo_workdir(repo) : NULL;
	int error = ag_artifact_config_parse(cfg, snap->config ? snap->config->data : NULL,
		snap->config ? snap->config->len : 0, base, d);

	if (error == AG_EINVALID)
		return ag_error_set(AG_EINVALID, "appgen.json is not valid");
	if (error == 0 && cfg->layout == AG_ARTIFACT_NONE)
		return ag_error_set(AG_ENOTFOUND, "--push needs \"artifacts\" in appgen.json (e.g. {\"artifacts\": "
			"{\"layout\": \"branch-per-app\", \"remote\": \"../artifacts.git\"}})");
	return error;
}

/*
 * One build at a time per out dir: an exclusive lock on <out>/.appgen/lock
 * (flock: released by the kernel when the process dies, even by kill -9).
 * A second build waits for the first. Returns the descriptor, or < 0.
 */
static int lock_out(const char *out, int *fd)
{
	ag_buf dir = AG_BUF_INIT, path = AG_BUF_INIT;
	int error = 0;

	*fd = -1;
	ag_buf_printf(&dir, "%s/.appgen", out);
	ag_buf_printf(&path, "%s/lock", dir.ptr);
	if (ag_buf_oom(&dir) || ag_buf_oom(&path))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	else if ((error = ag_write_mkdirs(dir.ptr)) == 0 &&
		(*fd = open(path.ptr, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0)
		error = ag_error_os(AG_EIO, "cannot open '%s'", path.ptr);
	while (!error && flock(*fd, LOCK_EX) < 0)
		if (errno != EINTR)
			error = ag_error_os(AG_EIO, "cannot lock '%s'", path.ptr);
	if (error && *fd >= 0) {
		close(*fd);
		*fd = -1;
	}
	ag_buf_dispose(&dir);
	ag_buf_dispose(&path);
	return error;
}

int ag_build_run(ag_build_report *r, const ag_build_opts *o, ag_diags *d, ag_build_progress progress,
	void *payload)
{
	const char *out = o->out ? o->out : "out";
	ag_snapshot snap;
	ag_artifact_config artifacts;
	ag_history hist;
	char (*history)[AG_HASH_HEXSZ + 1] = NULL;
	ag_past *past = NULL;
	ag_repo *repo = NULL;
	ag_cache cache;
	ag_cache_inputs now;
	ag_gen_limits limits;
	char emitters[AG_HASH_HEXSZ + 1];
	ag_ir **irs = NULL, **stubs = NULL;
	const ag_ir **valid = NULL;
	bool *todo = NULL;
	size_t n_valid = 0, n = 0;
	pool p;
	double t0 = now_ms();
	int error, lock_fd = -1;

	memset(r, 0, sizeof(*r));
	memset(&snap, 0, sizeof(snap));
	memset(&hist, 0, sizeof(hist));
	memset(&artifacts, 0, sizeof(artifacts));
	memset(&cache, 0, sizeof(cache));
	memset(&p, 0, sizeof(p));
	if ((error = lock_out(out, &lock_fd)) < 0)
		return error;
	if ((error = load_snapshot(&snap, &hist, &repo, o)) < 0 ||
		(o->push && (error = push_config(&artifacts, &snap, repo, d)) < 0))
		goto done;
	memcpy(r->commit, snap.commit, sizeof(r->commit));
	r->shallow = repo && ag_repo_is_shallow(repo);
	n = snap.n_blueprints;
	r->apps = calloc(n + 1, sizeof(*r->apps));
	irs = calloc(n + 1, sizeof(*irs));
	stubs = calloc(n + 1, sizeof(*stubs));
	valid = calloc(n + 1, sizeof(*valid));
	todo = calloc(n + 1, sizeof(*todo));
	history = calloc(n + 1, sizeof(*history));
	past = calloc(n + 1, sizeof(*past));
	if (!r->apps || !irs || !stubs || !valid || !todo || !history || !past) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	r->n_apps = n;
	if ((error = overrides_hash(emitters, &snap)) < 0 || (!o->force && (error = ag_cache_load(&cache, out)) < 0))
		goto done;
	/* room for the apps the cache knows whose blueprints are gone */
	{
		ag_build_app *more = realloc(r->apps, (n + cache.count + 1) * sizeof(*more));
		if (!more) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		r->apps = more;
		memset(r->apps + n, 0, (cache.count + 1) * sizeof(*more));
	}
	now = (ag_cache_inputs){ ag_build_id, emitters, snap.config ? snap.config->blob : "", NULL, "" };
	/* The instruction budget bounds the repository's own emitters and
	 * templates; appgen's built-in ones are part of appgen, like its C. */
	memset(&limits, 0, sizeof(limits));
	if (snap.n_overrides == 0)
		limits.instructions = AG_GEN_UNLIMITED;

	/* What the cache has: an app whose inputs are unchanged is not parsed. */
	for (size_t i = 0; i < n; i++) {
		const ag_snapshot_file *f = &snap.blueprints[i];
		ag_build_app *a = &r->apps[i];
		const ag_cache_app *c;

		if (!(a->file = strdup(f->path))) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		memcpy(a->blob, f->blob, sizeof(a->blob));
		if ((error = version_of(&hist, f, &a->version, history[i])) < 0)
			goto done;
		now.blueprint = f->blob;
		now.history = history[i];
		a->reason = o->force ? "--force" : ag_cache_why(&cache, out, f->path, &now);
		if (!a->reason && (c = ag_cache_get(&cache, f->path)) && o->zip && !zip_present(out, c->slug, c->version))
			a->reason = "zip missing";
		if (a->reason || !(c = ag_cache_get(&cache, f->path))) {
			todo[i] = true;
			if (repo && ((error = ag_repo_read_file(repo, &snap.blueprints[i])) < 0 ||
				(error = ag_past_read(&past[i], repo, ag_history_get(&hist, f->path), f->blob)) < 0))
				goto done;
			continue;
		}
		a->cached = true;
		a->zipped = o->zip;
		a->stage = o->zip ? "pack" : "write";
		a->files = c->files;
		a->bytes = c->bytes;
		if (!(a->slug = strdup(c->slug)) || !(stubs[i] = stub_ir(a, c))) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
	}

	/* Front end of the others, in parallel. */
	p.r = r;
	p.irs = irs;
	p.past = past;
	p.snap = &snap;
	p.limits = &limits;
	p.out = out;
	p.zip = o->zip;
	p.front = d;
	p.job = front_one;
	p.todo = todo;
	if ((error = pool_run(&p, o->jobs)) < 0)
		goto done;

	/* The repository rules need every app: parsed ones and cached ones. */
	for (size_t i = 0; i < n; i++)
		if (irs[i] || stubs[i])
			valid[n_valid++] = irs[i] ? irs[i] : stubs[i];
	{
		size_t before = d->count;
		ag_front_check_repo(valid, n_valid, d);
		/* A repository rule fails the app it is reported on. */
		for (size_t k = before; k < d->count; k++)
			for (size_t i = 0; i < n; i++)
				if (strcmp(d->items[k].file, r->apps[i].file) == 0) {
					r->apps[i].status = AG_APP_FAILED;
					r->apps[i].cached = false;
				}
	}

	/* Selection first: the progress total is known before any work. */
	for (size_t i = 0; i < n; i++) {
		ag_build_app *a = &r->apps[i];
		todo[i] = false;
		if (a->status == AG_APP_FAILED)
			r->failed++;
		else if (!selected(o, a->slug)) {
			a->status = AG_APP_SKIPPED;
			a->cached = false;
			r->skipped++;
		} else if (a->cached) {
			a->status = AG_APP_SUCCEEDED;
			r->succeeded++;
			r->cached++;
		} else {
			todo[i] = true;
			p.total++;
		}
	}
	p.job = build_one;
	p.progress = progress;
	p.payload = payload;
	if ((error = pool_run(&p, o->jobs)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++) {
		ag_build_app *a = &r->apps[i];
		if (!todo[i])
			;
		else if (a->status == AG_APP_SUCCEEDED)
			r->succeeded++;
		else if (a->status == AG_APP_FAILED)
			r->failed++;
		a->diag_count = count_diags(d, a->file);
		now.blueprint = a->blob;
		now.history = history[i];
		if (todo[i] && a->status == AG_APP_SUCCEEDED &&
			(error = ag_cache_put(&cache, a->file, &now, &(ag_cache_built){ a->slug,
				a->db_schema, a->version, a->files, a->bytes, NULL })) < 0)
			goto done;
	}
	/* Apps built before whose blueprint is gone (both lists sorted by path). */
	for (size_t k = 0, i = 0; k < cache.count; k++) {
		while (i < n && strcmp(r->apps[i].file, cache.apps[k].file) < 0)
			i++;
		if ((i == n || strcmp(r->apps[i].file, cache.apps[k].file) != 0) && selected(o, cache.apps[k].slug) &&
			(error = mark_deleted(r, &cache.apps[k], out)) < 0)
			goto done;
	}
	if (o->push && (error = publish(r, &cache, &snap, o, &artifacts)) < 0)
		goto done;

	if ((error = ag_cache_save(&cache, out)) < 0)
		goto done;
	r->ms_total = now_ms() - t0;
	error = write_report(r, d, out, snap.summary);
done:
	for (size_t i = 0; i < n; i++) {
		if (irs)
			ag_ir_free(irs[i]);
		if (stubs)
			free(stubs[i]);
	}
	free(irs);
	free(stubs);
	free(valid);
	free(todo);
	free(history);
	for (size_t i = 0; past && i < n; i++)
		ag_past_dispose(&past[i]);
	free(past);
	ag_history_dispose(&hist);
	ag_artifact_config_dispose(&artifacts);
	ag_repo_free(repo);
	ag_cache_dispose(&cache);
	ag_snapshot_dispose(&snap);
	if (lock_fd >= 0)
		close(lock_fd); /* releases the lock */
	return error;
}
