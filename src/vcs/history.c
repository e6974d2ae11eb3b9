/* history.c - blueprint versions from the first-parent chain (history.h). */
#include "appgen/history.h"
#include "appgen/buf.h"
#include "appgen/front.h"
#include "appgen/fs.h"
#include "appgen/write.h"
#include "vcs/vcs.h"
#include <cjson/cJSON.h>

/* Index of `path` in h->files, or where it would go (*found false). */
static size_t find(const ag_history *h, const char *path, bool *found)
{
	size_t lo = 0, hi = h->count;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(h->files[mid].path, path);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* The file record for `path` (made if new); NULL when out of memory. */
static ag_history_file *file_of(ag_history *h, const char *path)
{
	bool found;
	size_t lo = find(h, path, &found);

	if (found)
		return &h->files[lo];
	if (h->count == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		ag_history_file *p = realloc(h->files, cap * sizeof(*p));
		if (!p)
			return NULL;
		h->files = p;
		h->cap = cap;
	}
	memmove(&h->files[lo + 1], &h->files[lo], (h->count - lo) * sizeof(*h->files));
	memset(&h->files[lo], 0, sizeof(*h->files));
	if (!(h->files[lo].path = strdup(path))) {
		memmove(&h->files[lo], &h->files[lo + 1], (h->count - lo) * sizeof(*h->files));
		return NULL;
	}
	h->count++;
	return &h->files[lo];
}

/* Record a version of `name` made by `commit` (newest first while walking). */
static int add_version(ag_history *h, const char *name, const git_oid *blob, const git_commit *commit)
{
	char path[300];
	ag_history_file *f;
	ag_version *v;

	if (snprintf(path, sizeof(path), "blueprints/%s", name) >= (int)sizeof(path))
		return 0; /* no blueprint has such a name (see repo.c) */
	if (!(f = file_of(h, path)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 4;
		ag_version *p = realloc(f->versions, cap * sizeof(*p));
		if (!p)
			return ag_error_set(AG_ENOMEM, "out of memory");
		f->versions = p;
		f->cap = cap;
	}
	v = &f->versions[f->count++];
	git_oid_tostr(v->commit, sizeof(v->commit), git_commit_id(commit));
	git_oid_tostr(v->blob, sizeof(v->blob), blob);
	v->time = (int64_t)git_commit_time(commit);
	v->tz_offset = git_commit_time_offset(commit);
	return 0;
}

static bool is_json_file(const git_tree_entry *e)
{
	const char *name = git_tree_entry_name(e);
	size_t n = strlen(name);
	git_filemode_t m = git_tree_entry_filemode(e);

	return (m == GIT_FILEMODE_BLOB || m == GIT_FILEMODE_BLOB_EXECUTABLE) && n > 5 &&
		strcmp(name + n - 5, ".json") == 0 && name[0] != '.';
}

/* The blueprints/ tree of a commit, or NULL (0) when it has none. */
static int blueprints_tree(git_tree **out, git_repository *repo, const git_commit *c)
{
	git_tree *root = NULL;
	const git_tree_entry *e;
	int error = 0;

	*out = NULL;
	if (git_commit_tree(&root, c) < 0)
		return ag_git_fail(AG_ERROR, "cannot read a commit's tree");
	e = git_tree_entry_byname(root, "blueprints");
	if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE && git_tree_lookup(out, repo, git_tree_entry_id(e)) < 0)
		error = ag_git_fail(AG_ERROR, "cannot read the tree 'blueprints'");
	git_tree_free(root);
	return error;
}

/*
 * The files of `now` that differ from `before` (NULL = empty) are versions
 * made by `commit`. Both trees are sorted by name: one merge pass.
 */
static int diff_trees(ag_history *h, const git_tree *now, const git_tree *before, const git_commit *commit)
{
	size_t i = 0, j = 0, n = now ? git_tree_entrycount(now) : 0, m = before ? git_tree_entrycount(before) : 0;
	int error = 0;

	while (i < n && !error) {
		const git_tree_entry *a = git_tree_entry_byindex(now, i);
		const git_tree_entry *b = j < m ? git_tree_entry_byindex(before, j) : NULL;
		int c = b ? strcmp(git_tree_entry_name(a), git_tree_entry_name(b)) : -1;
		if (c > 0) {
			j++; /* gone from `now`: a deletion is no version */
			continue;
		}
		if (is_json_file(a) && (c < 0 || !is_json_file(b) ||
			!git_oid_equal(git_tree_entry_id(a), git_tree_entry_id(b))))
			error = add_version(h, git_tree_entry_name(a), git_tree_entry_id(a), commit);
		i++;
		if (c == 0)
			j++;
	}
	return error;
}

/* Put base's versions of every file before h's (h holds the newer ones). */
static int prepend(ag_history *h, const ag_history *base)
{
	for (size_t i = 0; i < base->count; i++) {
		const ag_history_file *b = &base->files[i];
		ag_history_file *f;
		ag_version *v;

		if (b->count == 0)
			continue;
		if (!(f = file_of(h, b->path)))
			return ag_error_set(AG_ENOMEM, "out of memory");
		if (!(v = malloc((b->count + f->count) * sizeof(*v))))
			return ag_error_set(AG_ENOMEM, "out of memory");
		memcpy(v, b->versions, b->count * sizeof(*v));
		if (f->count)
			memcpy(v + b->count, f->versions, f->count * sizeof(*v));
		free(f->versions);
		f->versions = v;
		f->count = f->cap = b->count + f->count;
	}
	return 0;
}

int ag_history_walk(ag_history *h, ag_repo *r, const char *rev)
{
	return ag_history_walk_from(h, r, rev, NULL, NULL);
}

int ag_history_walk_from(ag_history *h, ag_repo *r, const char *rev, const ag_history *base,
	const char *base_commit)
{
	git_oid stop;
	bool stopped = false, can_stop;
	git_repository *repo = ag_repo_git(r);
	git_object *obj = NULL;
	git_commit *c = NULL, *parent = NULL;
	git_tree *now = NULL, *before = NULL;
	int error = 0;

	memset(h, 0, sizeof(*h));
	can_stop = base && base_commit && git_oid_fromstr(&stop, base_commit) == 0;
	if (git_revparse_single(&obj, repo, rev ? rev : "HEAD") < 0 ||
		git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		error = ag_git_fail(AG_ENOTFOUND, "unknown revision '%s'", rev ? rev : "HEAD");
		goto done;
	}
	if ((error = blueprints_tree(&now, repo, c)) < 0)
		goto done;
	while (c) {
		int rc;
		if (can_stop && git_oid_equal(git_commit_id(c), &stop)) {
			stopped = true; /* base has the rest */
			break;
		}
		rc = git_commit_parentcount(c) ? git_commit_parent(&parent, c, 0) : GIT_ENOTFOUND;
		if (rc < 0 && rc != GIT_ENOTFOUND) {
			error = ag_git_fail(AG_ERROR, "cannot read the parent of a commit");
			goto done;
		}
		if (rc == GIT_ENOTFOUND)
			parent = NULL; /* the root commit, or the edge of a shallow clone */
		if (parent && (error = blueprints_tree(&before, repo, parent)) < 0)
			goto done;
		if (!(now && before && git_oid_equal(git_tree_id(now), git_tree_id(before))) &&
			(error = diff_trees(h, now, before, c)) < 0)
			goto done;
		git_tree_free(now);
		now = before;
		before = NULL;
		git_commit_free(c);
		c = parent;
		parent = NULL;
	}
	/* newest first -> oldest first */
	for (size_t i = 0; i < h->count; i++) {
		ag_history_file *f = &h->files[i];
		for (size_t a = 0, b = f->count; a + 1 < b; a++, b--) {
			ag_version t = f->versions[a];
			f->versions[a] = f->versions[b - 1];
			f->versions[b - 1] = t;
		}
	}
	if (stopped)
		error = prepend(h, base);
done:
	git_tree_free(now);
	git_tree_free(before);
	git_commit_free(parent);
	git_commit_free(c);
	git_object_free(obj);
	if (error < 0)
		ag_history_dispose(h);
	return error;
}

const ag_history_file *ag_history_get(const ag_history *h, const char *path)
{
	bool found;
	size_t i = find(h, path, &found);

	return found ? &h->files[i] : NULL;
}

void ag_history_dispose(ag_history *h)
{
	for (size_t i = 0; i < h->count; i++) {
		free(h->files[i].path);
		free(h->files[i].versions);
	}
	free(h->files);
	memset(h, 0, sizeof(*h));
}

/* ---- on disk ------------------------------------------------------------ */

int ag_history_save(const ag_history *h, const char *commit, const char *path)
{
	ag_buf b = AG_BUF_INIT;
	int error;

	/* Written by hand: one line per version keeps it small and fast. */
	ag_buf_puts(&b, "{\"format\": 1, \"commit\": ");
	ag_buf_put_json_str(&b, commit);
	ag_buf_puts(&b, ", \"files\": {");
	for (size_t i = 0; i < h->count; i++) {
		const ag_history_file *f = &h->files[i];
		ag_buf_puts(&b, i ? ",\n" : "\n");
		ag_buf_put_json_str(&b, f->path);
		ag_buf_puts(&b, ": [");
		for (size_t k = 0; k < f->count; k++) {
			const ag_version *v = &f->versions[k];
			ag_buf_printf(&b, "%s[\"%s\", \"%s\", %lld, %d]", k ? ", " : "", v->commit, v->blob,
				(long long)v->time, v->tz_offset);
		}
		ag_buf_putc(&b, ']');
	}
	ag_buf_puts(&b, "\n}}\n");
	error = ag_buf_oom(&b) ? ag_error_set(AG_ENOMEM, "out of memory")
		: ag_write_file(path, b.ptr, b.len, 0644, NULL);
	ag_buf_dispose(&b);
	return error;
}

static bool is_hex40(const cJSON *s)
{
	if (!cJSON_IsString(s) || strlen(s->valuestring) != 40)
		return false;
	for (const char *p = s->valuestring; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return false;
	return true;
}

/* One file's versions from JSON; false when malformed. */
static bool load_file(ag_history *h, const cJSON *list, int *error)
{
	ag_history_file *f;
	const cJSON *v;

	if (!cJSON_IsArray(list) || !list->string)
		return false;
	if (!(f = file_of(h, list->string))) {
		*error = ag_error_set(AG_ENOMEM, "out of memory");
		return false;
	}
	cJSON_ArrayForEach(v, list) {
		const cJSON *c = cJSON_GetArrayItem(v, 0), *b = cJSON_GetArrayItem(v, 1);
		const cJSON *t = cJSON_GetArrayItem(v, 2), *z = cJSON_GetArrayItem(v, 3);
		ag_version *x;
		if (!is_hex40(c) || !is_hex40(b) || !cJSON_IsNumber(t) || !cJSON_IsNumber(z))
			return false;
		if (f->count == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 4;
			ag_version *p = realloc(f->versions, cap * sizeof(*p));
			if (!p) {
				*error = ag_error_set(AG_ENOMEM, "out of memory");
				return false;
			}
			f->versions = p;
			f->cap = cap;
		}
		x = &f->versions[f->count++];
		memcpy(x->commit, c->valuestring, 41);
		memcpy(x->blob, b->valuestring, 41);
		x->time = (int64_t)t->valuedouble;
		x->tz_offset = (int)z->valuedouble;
	}
	return true;
}

int ag_history_load(ag_history *h, char commit[41], const char *path)
{
	ag_buf text = AG_BUF_INIT;
	cJSON *root = NULL;
	const cJSON *files, *c, *f;
	size_t size;
	int error = 0;

	memset(h, 0, sizeof(*h));
	commit[0] = '\0';
	if (ag_fs_read(&text, path, (size_t)256 << 20, &size) < 0) {
		ag_error_clear(); /* none yet */
		goto done;
	}
	root = cJSON_ParseWithLength(text.ptr ? text.ptr : "", text.len);
	c = cJSON_GetObjectItemCaseSensitive(root, "commit");
	files = cJSON_GetObjectItemCaseSensitive(root, "files");
	if (!is_hex40(c) || !cJSON_IsObject(files))
		goto done;
	cJSON_ArrayForEach(f, files) {
		if (!load_file(h, f, &error)) {
			ag_history_dispose(h); /* damaged: walk everything */
			goto done;
		}
	}
	memcpy(commit, c->valuestring, 41);
done:
	cJSON_Delete(root);
	ag_buf_dispose(&text);
	return error;
}
