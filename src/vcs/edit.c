/* edit.c - appgen's own changes to a blueprint repository (edit.h). */
#include "appgen/edit.h"
#include "appgen/fs.h"
#include "appgen/json.h"
#include "vcs/vcs.h"
#include <unistd.h>

int ag_repo_init_here(const char *dir, bool *made)
{
	ag_repo *r = NULL;
	git_repository *g = NULL;

	*made = false;
	if (ag_repo_open(&r, dir) == 0) {
		ag_repo_free(r);
		return 0;
	}
	ag_error_clear();
	if (git_libgit2_init() < 0)
		return ag_git_fail(AG_ERROR, "cannot start libgit2");
	if (git_repository_init(&g, dir, 0) < 0) {
		int error = ag_git_fail(AG_ERROR, "cannot make a Git repository in '%s'", dir);
		git_libgit2_shutdown();
		return error;
	}
	git_repository_free(g);
	git_libgit2_shutdown();
	*made = true;
	return 0;
}

int ag_repo_read_head_file(ag_repo *r, const char *path, ag_buf *out)
{
	git_repository *g = ag_repo_git(r);
	git_object *obj = NULL;
	ag_buf spec = AG_BUF_INIT;
	int error = 0;

	ag_buf_printf(&spec, "HEAD:%s", path);
	if (ag_buf_oom(&spec))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (git_revparse_single(&obj, g, spec.ptr) < 0 || git_object_type(obj) != GIT_OBJECT_BLOB) {
		error = ag_error_set(AG_ENOTFOUND, "'%s' is not in the last commit", path);
	} else {
		const git_blob *b = (const git_blob *)obj;
		ag_buf_put(out, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
		if (ag_buf_oom(out))
			error = ag_error_set(AG_ENOMEM, "out of memory");
	}
	git_object_free(obj);
	ag_buf_dispose(&spec);
	return error;
}

/* The work tree's bytes of `path` are HEAD's (or both are absent). */
static int is_clean(ag_repo *r, const char *full, const char *path, bool *clean)
{
	ag_buf head = AG_BUF_INIT, disk = AG_BUF_INIT;
	size_t size;
	int error = ag_repo_read_head_file(r, path, &head), on_disk;

	if (error < 0 && error != AG_ENOTFOUND)
		return error;
	on_disk = ag_fs_read(&disk, full, (size_t)64 << 20, &size) == 0;
	ag_error_clear();
	*clean = (error == AG_ENOTFOUND && !on_disk) ||
		(error == 0 && on_disk && head.len == disk.len && memcmp(head.ptr, disk.ptr, head.len) == 0);
	ag_buf_dispose(&head);
	ag_buf_dispose(&disk);
	return 0;
}

/* The index entry of `path` is the blob of `tree` (or both are absent). */
static bool index_matches(git_index *index, git_tree *tree, const char *path)
{
	git_tree_entry *te = NULL;
	const git_index_entry *ie;
	bool same;

	/* re-read: another process may have staged since the repository opened */
	if (git_index_read(index, false) < 0)
		return false;
	ie = git_index_get_bypath(index, path, 0);
	if (git_tree_entry_bypath(&te, tree, path) < 0)
		te = NULL;
	same = (!ie && !te) || (ie && te && git_oid_equal(&ie->id, git_tree_entry_id(te)) &&
		ie->mode == (uint32_t)git_tree_entry_filemode(te));
	git_tree_entry_free(te);
	ag_error_clear();
	return same;
}

int ag_repo_commit_file(ag_repo *r, const char *path, const char *data, size_t len, const char *message,
	char out_commit[41])
{
	git_repository *g = ag_repo_git(r);
	git_reference *head = NULL;
	git_commit *parent = NULL;
	git_tree *tree = NULL, *base = NULL;
	git_index *index = NULL;
	git_signature *sig = NULL;
	git_tree_update upd;
	git_oid blob, tree_id, id;
	ag_buf full = AG_BUF_INIT;
	bool clean;
	int error = 0;

	if (git_repository_head(&head, g) < 0 || !git_reference_is_branch(head)) {
		error = ag_error_set(AG_EINVALID, "HEAD is not on a branch with commits: cannot commit");
		goto done;
	}
	if (git_signature_default(&sig, g) < 0) {
		error = ag_error_set(AG_ENOTFOUND, "no Git identity: set user.name and user.email "
			"(git config --global user.name ...)");
		goto done;
	}
	ag_buf_printf(&full, "%s%s", ag_repo_workdir(r), path);
	if (ag_buf_oom(&full)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if ((error = is_clean(r, full.ptr, path, &clean)) < 0)
		goto done;
	if (!clean) {
		error = ag_error_set(AG_EINVALID, "'%s' has uncommitted changes; commit or discard them first", path);
		goto done;
	}
	if (git_commit_lookup(&parent, g, git_reference_target(head)) < 0 || git_commit_tree(&base, parent) < 0 ||
		git_repository_index(&index, g) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read HEAD");
		goto done;
	}
	/* a staged change of the file would be lost when its entry is reset */
	if (!index_matches(index, base, path)) {
		error = ag_error_set(AG_EINVALID, "'%s' has staged changes; commit or unstage them first", path);
		goto done;
	}
	memset(&upd, 0, sizeof(upd));
	upd.path = path;
	if (data) {
		if (git_blob_create_from_buffer(&blob, g, data, len) < 0) {
			error = ag_git_fail(AG_ERROR, "cannot store '%s'", path);
			goto done;
		}
		upd.action = GIT_TREE_UPDATE_UPSERT;
		upd.id = blob;
		upd.filemode = GIT_FILEMODE_BLOB;
	} else {
		upd.action = GIT_TREE_UPDATE_REMOVE;
	}
	if (git_tree_create_updated(&tree_id, g, base, 1, &upd) < 0 || git_tree_lookup(&tree, g, &tree_id) < 0 ||
		git_commit_create(&id, g, "HEAD", sig, sig, NULL, message, tree, 1, (const git_commit **)&parent) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot commit '%s'", path);
		goto done;
	}
	/* The work tree and the index follow the commit for this one path. */
	if (data)
		error = ag_fs_write_atomic(full.ptr, data, len, 0644);
	else if (unlink(full.ptr) < 0 && errno != ENOENT)
		error = ag_error_os(AG_EIO, "cannot remove '%s'", full.ptr);
	if (!error && ((data ? git_index_add_bypath(index, path) : git_index_remove_bypath(index, path)) < 0 ||
		git_index_write(index) < 0))
		error = ag_git_fail(AG_ERROR, "committed, but cannot update the index for '%s'", path);
	if (out_commit)
		git_oid_tostr(out_commit, 41, &id);
done:
	git_index_free(index);
	git_signature_free(sig);
	git_tree_free(tree);
	git_tree_free(base);
	git_commit_free(parent);
	git_reference_free(head);
	ag_buf_dispose(&full);
	return error;
}

int ag_repo_hooks_dir(ag_repo *r, ag_buf *out)
{
	git_repository *g = ag_repo_git(r);
	git_buf b = { NULL, 0, 0 };
	git_config *cfg = NULL;
	int error = 0;

	if (git_repository_config_snapshot(&cfg, g) == 0 && git_config_get_path(&b, cfg, "core.hooksPath") == 0) {
		/* relative to the work tree, as git does */
		if (b.ptr[0] != '/')
			ag_buf_puts(out, ag_repo_workdir(r));
		ag_buf_puts(out, b.ptr);
	} else if (git_repository_item_path(&b, g, GIT_REPOSITORY_ITEM_HOOKS) == 0) {
		ag_buf_puts(out, b.ptr);
	} else {
		error = ag_git_fail(AG_ERROR, "cannot find the hooks directory");
	}
	git_buf_dispose(&b);
	git_config_free(cfg);
	ag_error_clear();
	if (!error && ag_buf_oom(out))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	return error;
}

int ag_repo_head(ag_repo *r, char commit[41], ag_buf *branch)
{
	git_repository *g = ag_repo_git(r);
	git_reference *head = NULL;
	git_oid id;
	int error = 0;

	commit[0] = '\0';
	if (git_reference_name_to_id(&id, g, "HEAD") < 0)
		return ag_error_set(AG_ENOTFOUND, "the repository has no commits yet");
	git_oid_tostr(commit, 41, &id);
	if (branch && git_repository_head(&head, g) == 0 && git_reference_is_branch(head))
		ag_buf_puts(branch, git_reference_shorthand(head));
	git_reference_free(head);
	if (branch && ag_buf_oom(branch))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	return error;
}

int ag_repo_new_commits(ag_repo *r, const char *from, const char *to, size_t max, char (**ids)[41],
	size_t *n)
{
	git_repository *g = ag_repo_git(r);
	git_oid stop, id;
	git_commit *c = NULL;
	char (*list)[41] = NULL;
	size_t count = 0, cap = 0;
	bool found = false, can_stop = from && *from && git_oid_fromstr(&stop, from) == 0;
	int error = 0;

	*ids = NULL;
	*n = 0;
	if (git_oid_fromstr(&id, to) < 0 || git_commit_lookup(&c, g, &id) < 0)
		return ag_git_fail(AG_ENOTFOUND, "unknown commit '%s'", to);
	while (c && can_stop) {
		git_commit *p = NULL;
		if (git_oid_equal(git_commit_id(c), &stop)) {
			found = true;
			break;
		}
		if (count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			char (*nl)[41] = realloc(list, ncap * sizeof(*nl));
			if (!nl) {
				error = ag_error_set(AG_ENOMEM, "out of memory");
				goto done;
			}
			list = nl;
			cap = ncap;
		}
		git_oid_tostr(list[count++], 41, git_commit_id(c));
		if (git_commit_parentcount(c) == 0 || git_commit_parent(&p, c, 0) < 0)
			p = NULL;
		git_commit_free(c);
		c = p;
	}
	if (!found) {
		/* not on the chain: just the tip */
		char (*one)[41] = realloc(list, sizeof(*one));
		if (!one) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		list = one;
		memcpy(list[0], to, 41);
		count = 1;
	}
	/* newest first -> oldest first, keeping the newest `max` */
	for (size_t a = 0, b = count; a + 1 < b; a++, b--) {
		char t[41];
		memcpy(t, list[a], 41);
		memcpy(list[a], list[b - 1], 41);
		memcpy(list[b - 1], t, 41);
	}
	if (max && count > max) {
		memmove(list, list + (count - max), max * sizeof(*list));
		count = max;
	}
	*ids = list;
	*n = count;
	list = NULL;
done:
	free(list);
	git_commit_free(c);
	return error;
}

/* ---- app.status in the text ---------------------------------------------- */

/* Byte offset of a 1-based line and code-point column. */
static size_t offset_of(const char *text, size_t len, uint32_t line, uint32_t col)
{
	size_t i = 0;

	for (uint32_t l = 1; l < line && i < len; i++)
		if (text[i] == '\n')
			l++;
	for (uint32_t c = 1; c < col && i < len; c++) {
		i++;
		while (i < len && ((unsigned char)text[i] & 0xC0) == 0x80)
			i++;
	}
	return i;
}

int ag_blueprint_set_status(ag_buf *out, const char *text, size_t len, const char *status, bool *changed)
{
	ag_json *doc = NULL;
	ag_diags d;
	const cJSON *app, *st;
	int error = 0;

	*changed = false;
	ag_diags_init(&d);
	if (ag_json_parse(&doc, "blueprint", text, len, &d) < 0) {
		error = ag_error_set(AG_EINVALID, "the blueprint is not valid JSON");
		goto done;
	}
	app = cJSON_GetObjectItemCaseSensitive(ag_json_root(doc), "app");
	if (!cJSON_IsObject(app) || !app->child) {
		error = ag_error_set(AG_EINVALID, "the blueprint has no \"app\" object (a backend-spec file? "
			"`appgen import` converts it to BlueprintV2)");
		goto done;
	}
	st = cJSON_GetObjectItemCaseSensitive(app, "status");
	if (!st && strcmp(status, AG_STATUS_DEFAULT) == 0) {
		/* no key is the default: nothing to write */
		ag_buf_put(out, text, len);
		goto done;
	}
	if (st) {
		const ag_json_loc *loc = ag_json_loc_of(doc, st);
		size_t start = offset_of(text, len, loc->value.line, loc->value.col), end = start + 1;
		if (!cJSON_IsString(st) || start >= len || text[start] != '"') {
			error = ag_error_set(AG_EINVALID, "app.status is not a string");
			goto done;
		}
		if (strcmp(st->valuestring, status) == 0) {
			ag_buf_put(out, text, len);
			goto done;
		}
		while (end < len && text[end] != '"')
			end += text[end] == '\\' ? 2 : 1;
		ag_buf_put(out, text, start);
		ag_buf_printf(out, "\"%s\"", status);
		ag_buf_put(out, text + end + 1, len - end - 1);
	} else {
		/* a new first member, indented like the next one */
		const ag_json_loc *first = ag_json_loc_of(doc, app->child);
		const ag_json_loc *obj = ag_json_loc_of(doc, app);
		size_t brace = offset_of(text, len, obj->value.line, obj->value.col);
		size_t key = offset_of(text, len, first->key.line, first->key.col), ls = key;
		while (ls > 0 && text[ls - 1] != '\n')
			ls--;
		ag_buf_put(out, text, brace + 1);
		if (first->key.line != obj->value.line) {
			ag_buf_putc(out, '\n');
			ag_buf_put(out, text + ls, key - ls); /* the indentation */
			ag_buf_printf(out, "\"status\": \"%s\",", status);
		} else {
			ag_buf_printf(out, " \"status\": \"%s\",", status);
		}
		ag_buf_put(out, text + brace + 1, len - brace - 1);
	}
	*changed = true;
done:
	if (!error && ag_buf_oom(out))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	ag_json_free(doc);
	ag_diags_dispose(&d);
	return error;
}
