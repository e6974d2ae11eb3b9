/* repo.c - the inputs of a build, read from one commit (libgit2) or from a directory. */
#include "vcs/vcs.h"
#include "appgen/buf.h"
#include "appgen/fs.h"
#include "appgen/hash.h"
#include <dirent.h>
#include <git2.h>
#include <sys/stat.h>

/*
 * No input file of a build is anywhere near this; the limit only keeps a
 * stray binary from being loaded into memory. The front end applies its
 * own, smaller limit to blueprints and reports it as a diagnostic.
 */
#define MAX_FILE ((size_t)64 << 20)

struct ag_repo {
	git_repository *git;
	bool started; /* holds a git_libgit2_init() reference */
};

/* A growing array of files, handed to the snapshot when complete. */
typedef struct file_list {
	ag_snapshot_file *v;
	size_t n, cap;
} file_list;

/* Set the message "<what>: <libgit2's message>" and return code. */
int ag_git_fail(int code, const char *fmt, ...)
{
	const git_error *e = git_error_last();
	ag_buf what = AG_BUF_INIT;
	va_list ap;

	va_start(ap, fmt);
	ag_buf_vprintf(&what, fmt, ap);
	va_end(ap);
	ag_error_set(code, "%s: %s", what.ptr, e && e->message ? e->message : "unknown libgit2 error");
	ag_buf_dispose(&what);
	return code;
}


static void file_dispose(ag_snapshot_file *f)
{
	free(f->path);
	free(f->data);
	memset(f, 0, sizeof(*f));
}

static void list_dispose(file_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		file_dispose(&l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Append a zeroed entry; the list owns whatever the caller puts in it, even on a later failure. */
static int list_push(ag_snapshot_file **out, file_list *l)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		ag_snapshot_file *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return ag_error_set(AG_ENOMEM, "out of memory");
		l->v = v;
		l->cap = cap;
	}
	*out = &l->v[l->n++];
	memset(*out, 0, sizeof(**out));
	return 0;
}

static int cmp_file(const void *a, const void *b)
{
	return strcmp(((const ag_snapshot_file *)a)->path, ((const ag_snapshot_file *)b)->path);
}

/* Bytewise by path. (qsort's base must not be NULL, even for no elements.) */
static void sort_files(file_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_file);
}

/* Same rule as ag_fs_list(dir, ".json", 0), which `appgen check <dir>` uses: no hidden files. */
static bool is_blueprint_name(const char *name)
{
	size_t len = strlen(name);
	return name[0] != '.' && len > 5 && !strcmp(name + len - 5, ".json");
}

static int set_path(ag_snapshot_file *f, const char *path)
{
	if (!(f->path = strdup(path)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	return 0;
}

static int too_large(const char *path, uintmax_t size)
{
	return ag_error_set(AG_EINVALID, "'%s' is %ju bytes; files over %zu MiB are not read", path, size,
		MAX_FILE >> 20);
}

/* ---- from a commit ------------------------------------------------------ */

int ag_repo_open(ag_repo **out, const char *path)
{
	ag_repo *r;
	int rc, error = 0;

	*out = NULL;
	if (!(r = calloc(1, sizeof(*r))))
		return ag_error_set(AG_ENOMEM, "out of memory");
	/* libgit2 is started only by what opens a repository: its start-up
	 * (TLS set-up) is most of a small `appgen check`. Counted per repo. */
	if (git_libgit2_init() < 0) {
		free(r);
		return ag_git_fail(AG_ERROR, "cannot start libgit2");
	}
	r->started = true;
	rc = git_repository_open_ext(&r->git, path, 0, NULL);
	if (rc == GIT_ENOTFOUND)
		error = ag_error_set(AG_ENOTFOUND, "no Git repository at or above '%s'", path);
	else if (rc < 0)
		error = ag_git_fail(AG_ERROR, "cannot open the repository at '%s'", path);
	if (error)
		goto done;
	*out = r;
	r = NULL;
done:
	ag_repo_free(r);
	return error;
}

git_repository *ag_repo_git(ag_repo *r)
{
	return r->git;
}

void ag_repo_free(ag_repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	if (r->started)
		git_libgit2_shutdown();
	free(r);
}

const char *ag_repo_workdir(const ag_repo *r)
{
	const char *w = git_repository_workdir(r->git);
	return w ? w : "";
}

bool ag_repo_is_shallow(const ag_repo *r)
{
	return git_repository_is_shallow(r->git) == 1;
}

/* 1 when the repository has no references at all (a fresh `git init`). */
static int has_no_refs(git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc;

	if (git_reference_iterator_new(&it, repo) < 0)
		return 0;
	rc = git_reference_next(&ref, it);
	git_reference_free(ref);
	git_reference_iterator_free(it);
	return rc == GIT_ITEROVER;
}

static int resolve_commit(git_commit **out, git_repository *repo, const char *rev)
{
	git_object *obj = NULL, *peeled = NULL;
	int rc, error = 0;

	*out = NULL;
	rc = git_revparse_single(&obj, repo, rev);
	if (rc == GIT_ENOTFOUND || rc == GIT_EUNBORNBRANCH || rc == GIT_EINVALIDSPEC || rc == GIT_EAMBIGUOUS) {
		if (git_repository_head_unborn(repo) == 1 && (!strcmp(rev, "HEAD") || has_no_refs(repo)))
			error = ag_error_set(AG_ENOTFOUND, "the repository has no commits yet");
		else if (rc == GIT_ENOTFOUND)
			error = ag_error_set(AG_ENOTFOUND, "unknown revision '%s'", rev);
		else
			error = ag_git_fail(AG_ENOTFOUND, "unknown revision '%s'", rev);
		goto done;
	}
	if (rc < 0) {
		error = ag_git_fail(AG_ERROR, "cannot resolve revision '%s'", rev);
		goto done;
	}
	rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
	if (rc == GIT_EINVALIDSPEC || rc == GIT_EPEEL || rc == GIT_ENOTFOUND) {
		error = ag_error_set(AG_ENOTFOUND, "revision '%s' is a %s, not a commit", rev,
			git_object_type2string(git_object_type(obj)));
		goto done;
	}
	if (rc < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read revision '%s'", rev);
		goto done;
	}
	*out = (git_commit *)peeled;
	peeled = NULL;
done:
	git_object_free(peeled);
	git_object_free(obj);
	return error;
}

int ag_repo_resolve(ag_repo *r, const char *rev, char out[41])
{
	git_commit *c = NULL;
	int error = resolve_commit(&c, r->git, rev ? rev : "HEAD");

	if (error == 0)
		git_oid_tostr(out, 41, git_commit_id(c));
	git_commit_free(c);
	return error;
}

/* A regular or executable file; symbolic links and submodules are not. */
static bool is_file_entry(const git_tree_entry *e)
{
	git_filemode_t mode = git_tree_entry_filemode(e);
	return git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
		(mode == GIT_FILEMODE_BLOB || mode == GIT_FILEMODE_BLOB_EXECUTABLE);
}

/* The bytes of blob f->blob into f->data (the size checked first). */
static int read_content(ag_snapshot_file *f, git_repository *repo, git_odb *odb)
{
	git_oid id;
	git_blob *blob = NULL;
	git_object_t type;
	size_t size;
	int error = 0;

	if (git_oid_fromstr(&id, f->blob) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read '%s'", f->path);
		goto done;
	}
	/* The header gives the size without inflating the object. */
	if (git_odb_read_header(&size, &type, odb, &id) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read '%s'", f->path);
		goto done;
	}
	if (size > MAX_FILE) {
		error = too_large(f->path, size);
		goto done;
	}
	if (git_blob_lookup(&blob, repo, &id) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read '%s'", f->path);
		goto done;
	}
	f->len = (size_t)git_blob_rawsize(blob);
	if (!(f->data = malloc(f->len + 1))) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	memcpy(f->data, git_blob_rawcontent(blob), f->len);
	f->data[f->len] = '\0';
done:
	git_blob_free(blob);
	return error;
}

/* Path, blob id and mode of entry e; its bytes too unless `lazy`. */
static int read_blob(ag_snapshot_file *f, git_repository *repo, git_odb *odb, const git_tree_entry *e,
	const char *path, bool lazy)
{
	int error;

	if ((error = set_path(f, path)) < 0)
		return error;
	git_oid_tostr(f->blob, sizeof(f->blob), git_tree_entry_id(e));
	f->mode = git_tree_entry_filemode(e) == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
	return lazy ? 0 : read_content(f, repo, odb);
}

int ag_repo_read_file(ag_repo *r, ag_snapshot_file *f)
{
	git_odb *odb = NULL;
	int error;

	if (f->data)
		return 0;
	if (git_repository_odb(&odb, r->git) < 0)
		return ag_git_fail(AG_ERROR, "cannot read '%s'", f->path);
	error = read_content(f, r->git, odb);
	git_odb_free(odb);
	return error;
}

/* The subtree `name` of `tree`, or NULL (and 0) when there is no such directory. */
static int subtree(git_tree **out, git_repository *repo, const git_tree *tree, const char *name)
{
	const git_tree_entry *e = git_tree_entry_byname(tree, name);

	*out = NULL;
	if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE)
		return 0;
	if (git_tree_lookup(out, repo, git_tree_entry_id(e)) < 0)
		return ag_git_fail(AG_ERROR, "cannot read the tree '%s'", name);
	return 0;
}

struct walk {
	git_repository *repo;
	git_odb *odb;
	file_list *list;
	ag_buf path;
	int error;
};

static int walk_cb(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	ag_snapshot_file *f;

	/* Trees are descended (0); links and submodules are skipped (0, nothing to descend). */
	if (!is_file_entry(e))
		return 0;
	ag_buf_clear(&w->path);
	ag_buf_printf(&w->path, ".appgen/%s%s", root, git_tree_entry_name(e));
	if (ag_buf_oom(&w->path))
		w->error = AG_ENOMEM;
	else if ((w->error = list_push(&f, w->list)) == 0)
		w->error = read_blob(f, w->repo, w->odb, e, w->path.ptr, false);
	return w->error < 0 ? -1 : 0;
}

int ag_repo_snapshot(ag_snapshot *out, ag_repo *r, const char *rev)
{
	return ag_repo_snapshot_lazy(out, r, rev, false);
}

int ag_repo_snapshot_lazy(ag_snapshot *out, ag_repo *r, const char *rev, bool lazy)
{
	git_repository *repo = r->git;
	ag_snapshot s;
	file_list bps = { 0 }, ovs = { 0 };
	struct walk w = { repo, NULL, &ovs, AG_BUF_INIT, 0 };
	git_commit *commit = NULL;
	git_tree *tree = NULL, *sub = NULL;
	git_odb *odb = NULL;
	const git_tree_entry *e;
	const char *summary;
	int error;

	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	if ((error = resolve_commit(&commit, repo, rev ? rev : "HEAD")) < 0)
		goto done;
	if (git_repository_odb(&odb, repo) < 0 || git_commit_tree(&tree, commit) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read commit '%s'", rev ? rev : "HEAD");
		goto done;
	}
	git_oid_tostr(s.commit, sizeof(s.commit), git_commit_id(commit));
	summary = git_commit_summary(commit);
	if (!(s.summary = strdup(summary ? summary : ""))) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	s.time = (int64_t)git_commit_time(commit);
	s.tz_offset = git_commit_time_offset(commit);

	if ((error = subtree(&sub, repo, tree, "blueprints")) < 0)
		goto done;
	for (size_t i = 0, n = sub ? git_tree_entrycount(sub) : 0; i < n; i++) {
		ag_buf path = AG_BUF_INIT;
		ag_snapshot_file *f;
		e = git_tree_entry_byindex(sub, i);
		if (!is_file_entry(e) || !is_blueprint_name(git_tree_entry_name(e)))
			continue;
		ag_buf_printf(&path, "blueprints/%s", git_tree_entry_name(e));
		if (ag_buf_oom(&path))
			error = AG_ENOMEM;
		else if ((error = list_push(&f, &bps)) == 0)
			error = read_blob(f, repo, odb, e, path.ptr, lazy);
		ag_buf_dispose(&path);
		if (error < 0)
			goto done;
	}
	git_tree_free(sub);
	sub = NULL;

	if ((e = git_tree_entry_byname(tree, "appgen.json")) && is_file_entry(e)) {
		if (!(s.config = calloc(1, sizeof(*s.config)))) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		if ((error = read_blob(s.config, repo, odb, e, "appgen.json", false)) < 0)
			goto done;
	}

	if ((error = subtree(&sub, repo, tree, ".appgen")) < 0)
		goto done;
	w.odb = odb;
	if (sub && git_tree_walk(sub, GIT_TREEWALK_PRE, walk_cb, &w) < 0) {
		error = w.error < 0 ? w.error : ag_git_fail(AG_ERROR, "cannot read the tree '.appgen'");
		goto done;
	}

	/* Git already orders entries this way; sorting makes it a property of this module, not of Git. */
	sort_files(&bps);
	sort_files(&ovs);
done:
	s.blueprints = bps.v;
	s.n_blueprints = bps.n;
	s.overrides = ovs.v;
	s.n_overrides = ovs.n;
	if (error < 0)
		ag_snapshot_dispose(&s);
	else
		*out = s;
	ag_buf_dispose(&w.path);
	git_tree_free(sub);
	git_tree_free(tree);
	git_odb_free(odb);
	git_commit_free(commit);
	return error;
}

/* ---- from a directory --------------------------------------------------- */

static int read_file(ag_snapshot_file *f, const char *full, const char *rel, const struct stat *st)
{
	ag_buf data = AG_BUF_INIT;
	size_t size;
	int error;

	if ((error = set_path(f, rel)) < 0)
		goto done;
	if ((uintmax_t)st->st_size > MAX_FILE) {
		error = too_large(rel, (uintmax_t)st->st_size);
		goto done;
	}
	if ((error = ag_fs_read(&data, full, MAX_FILE, &size)) < 0) {
		/* The file grew after lstat(). */
		if (error == AG_EINVALID)
			too_large(rel, size);
		goto done;
	}
	f->len = data.len;
	if (!(f->data = ag_buf_detach(&data))) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = ag_hash_hex(f->blob, f->data, f->len)) < 0)
		goto done;
	/* Git records a file as executable when its owner may execute it. */
	f->mode = (st->st_mode & S_IXUSR) ? 0755 : 0644;
done:
	ag_buf_dispose(&data);
	return error;
}

/*
 * lstat() `full`: 1 for a directory, 2 for a regular file, 0 for anything
 * else (symbolic links included) or nothing at all; AG_EIO on failure.
 */
static int stat_kind(struct stat *st, const char *full)
{
	if (lstat(full, st) < 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 0;
		return ag_error_os(AG_EIO, "cannot stat '%s'", full);
	}
	return S_ISDIR(st->st_mode) ? 1 : S_ISREG(st->st_mode) ? 2 : 0;
}

/*
 * Add the regular files of `root`/`rel` to `l`, with paths `rel`/name.
 * With `recurse`, descend into directories (never through links);
 * otherwise keep only blueprint names.
 */
static int walk_dir(file_list *l, const char *root, ag_buf *rel, bool recurse)
{
	ag_buf full = AG_BUF_INIT;
	char **names = NULL;
	struct stat st;
	int kind, error = 0;

	ag_buf_printf(&full, "%s/%s", root, rel->ptr);
	if (ag_buf_oom(&full)) {
		error = AG_ENOMEM;
		goto done;
	}
	if ((error = ag_fs_list(&names, full.ptr, "", AG_FS_LIST_HIDDEN)) < 0)
		goto done;
	for (char **p = names; *p; p++) {
		size_t rel_len = rel->len, full_len = full.len;
		ag_snapshot_file *f;

		if (!recurse && !is_blueprint_name(*p))
			continue;
		ag_buf_printf(rel, "/%s", *p);
		ag_buf_printf(&full, "/%s", *p);
		if (ag_buf_oom(rel) || ag_buf_oom(&full)) {
			error = AG_ENOMEM;
			goto done;
		}
		if ((kind = error = stat_kind(&st, full.ptr)) < 0)
			goto done;
		error = 0;
		if (kind == 1 && recurse)
			error = walk_dir(l, root, rel, true);
		else if (kind == 2 && (error = list_push(&f, l)) == 0)
			error = read_file(f, full.ptr, rel->ptr, &st);
		if (error < 0)
			goto done;
		ag_buf_truncate(rel, rel_len);
		ag_buf_truncate(&full, full_len);
	}
done:
	ag_fs_list_free(names);
	ag_buf_dispose(&full);
	return error;
}

/* Walk `root`/`top` if it is a directory (not a link to one); nothing if it is absent. */
static int walk_top(file_list *l, const char *root, const char *top, bool recurse)
{
	ag_buf rel = AG_BUF_INIT, full = AG_BUF_INIT;
	struct stat st;
	int error;

	ag_buf_puts(&rel, top);
	ag_buf_printf(&full, "%s/%s", root, top);
	if (ag_buf_oom(&rel) || ag_buf_oom(&full)) {
		error = AG_ENOMEM;
		goto done;
	}
	if ((error = stat_kind(&st, full.ptr)) == 1)
		error = walk_dir(l, root, &rel, recurse);
	else if (error > 0)
		error = 0;
done:
	ag_buf_dispose(&rel);
	ag_buf_dispose(&full);
	return error;
}

int ag_snapshot_from_dir(ag_snapshot *out, const char *dir)
{
	ag_snapshot s;
	file_list bps = { 0 }, ovs = { 0 };
	ag_buf full = AG_BUF_INIT;
	struct stat st;
	int error;

	memset(&s, 0, sizeof(s));
	memset(out, 0, sizeof(*out));
	memcpy(s.commit, "worktree", sizeof("worktree"));
	if (!(s.summary = strdup(""))) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = walk_top(&bps, dir, "blueprints", false)) < 0 ||
	    (error = walk_top(&ovs, dir, ".appgen", true)) < 0)
		goto done;

	ag_buf_printf(&full, "%s/appgen.json", dir);
	if (ag_buf_oom(&full)) {
		error = AG_ENOMEM;
		goto done;
	}
	if ((error = stat_kind(&st, full.ptr)) < 0)
		goto done;
	if (error == 2) {
		if (!(s.config = calloc(1, sizeof(*s.config)))) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		if ((error = read_file(s.config, full.ptr, "appgen.json", &st)) < 0)
			goto done;
	}
	error = 0;

	/* Directory entries were sorted one level at a time; "a/x" must still follow "a.b". */
	sort_files(&bps);
	sort_files(&ovs);
done:
	s.blueprints = bps.v;
	s.n_blueprints = bps.n;
	s.overrides = ovs.v;
	s.n_overrides = ovs.n;
	if (error < 0)
		ag_snapshot_dispose(&s);
	else
		*out = s;
	ag_buf_dispose(&full);
	return error;
}

void ag_snapshot_dispose(ag_snapshot *s)
{
	file_list l;

	if (!s)
		return;
	l = (file_list){ s->blueprints, s->n_blueprints, s->n_blueprints };
	list_dispose(&l);
	l = (file_list){ s->overrides, s->n_overrides, s->n_overrides };
	list_dispose(&l);
	if (s->config) {
		file_dispose(s->config);
		free(s->config);
	}
	free(s->summary);
	memset(s, 0, sizeof(*s));
}
