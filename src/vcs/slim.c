/*
 * slim.c - a push source that holds only what a push needs.
 *
 * libgit2's push hides every tip the remote advertises that it finds
 * locally, and reads every tree of each one to mark its objects as
 * already there. An artifact repository with 1,000 app branches makes
 * that most of the cost of pushing one app. The slim repository is a
 * scratch Git directory whose object database lives in memory and holds,
 * per pushed branch:
 *
 *   - every commit object the tip descends from (merge bases are found
 *     through them);
 *   - the trees of the commit the remote has, which the push marks as
 *     already sent (their blobs are never read);
 *   - the trees and blobs of the commits after it, which are sent.
 *
 * So only the pushed branches' remote tips are found, whatever else the
 * remote advertises. A missing object fails the push; the caller then
 * pushes from the staging repository, which has everything.
 */
#include "appgen/buf.h"
#include "vcs/vcs.h"
#include <git2/sys/mempack.h>
#include <git2/sys/odb_backend.h>
#include <git2/sys/repository.h>
#include <stdlib.h>

struct ag_slim {
	git_repository *from, *git;
	git_odb *from_odb, *odb;
	char **refs; /* written in the scratch directory, removed on free */
	size_t n_refs, cap_refs;
};

/* References an interrupted push left behind (their objects were in
 * memory only): removed, so the scratch directory never points at
 * nothing for long. */
static void forget_refs(git_repository *g)
{
	git_reference_iterator *it = NULL;
	git_reference *ref;

	if (git_reference_iterator_new(&it, g) < 0)
		return;
	while (git_reference_next(&ref, it) == 0) {
		git_reference_delete(ref);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
}

int ag_slim_open(ag_slim **out, git_repository *from, const char *path)
{
	ag_slim *s = calloc(1, sizeof(*s));
	git_odb_backend *mem = NULL;

	*out = NULL;
	if (!s)
		return ag_error_set(AG_ENOMEM, "out of memory");
	s->from = from;
	if ((git_repository_open_bare(&s->git, path) < 0 && git_repository_init(&s->git, path, 1) < 0) ||
		git_repository_odb(&s->from_odb, from) < 0 || git_odb_new(&s->odb) < 0 ||
		git_mempack_new(&mem) < 0) {
		ag_slim_free(s);
		return ag_git_fail(AG_ERROR, "cannot make the push repository '%s'", path);
	}
	if (git_odb_add_backend(s->odb, mem, 1) < 0) {
		mem->free(mem);
		ag_slim_free(s);
		return ag_git_fail(AG_ERROR, "cannot make the push repository '%s'", path);
	}
	if (git_repository_set_odb(s->git, s->odb) < 0) {
		ag_slim_free(s);
		return ag_git_fail(AG_ERROR, "cannot make the push repository '%s'", path);
	}
	forget_refs(s->git);
	*out = s;
	return 0;
}

void ag_slim_free(ag_slim *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_refs; i++) {
		git_reference *ref = NULL;
		if (git_reference_lookup(&ref, s->git, s->refs[i]) == 0)
			git_reference_delete(ref);
		git_reference_free(ref);
		free(s->refs[i]);
	}
	free(s->refs);
	git_repository_free(s->git);
	git_odb_free(s->odb);
	git_odb_free(s->from_odb);
	free(s);
}

git_repository *ag_slim_git(ag_slim *s)
{
	return s->git;
}

/* One object, copied from the staging repository unless already here. */
static int copy(ag_slim *s, const git_oid *id)
{
	git_odb_object *o = NULL;
	git_oid written;
	int error = 0;

	if (git_odb_exists(s->odb, id))
		return 0;
	if (git_odb_read(&o, s->from_odb, id) < 0 ||
		git_odb_write(&written, s->odb, git_odb_object_data(o), git_odb_object_size(o),
			git_odb_object_type(o)) < 0)
		error = -1;
	git_odb_object_free(o);
	return error;
}

/* A tree and its subtrees, with their blobs when `blobs`. */
static int copy_tree(ag_slim *s, const git_oid *id, bool blobs)
{
	git_tree *tree = NULL;
	int error = 0;

	if (copy(s, id) < 0 || git_tree_lookup(&tree, s->git, id) < 0)
		return -1;
	for (size_t i = 0, n = git_tree_entrycount(tree); i < n && !error; i++) {
		const git_tree_entry *e = git_tree_entry_byindex(tree, i);
		if (git_tree_entry_type(e) == GIT_OBJECT_TREE)
			error = copy_tree(s, git_tree_entry_id(e), blobs);
		else if (blobs && git_tree_entry_type(e) == GIT_OBJECT_BLOB)
			error = copy(s, git_tree_entry_id(e));
	}
	git_tree_free(tree);
	return error;
}

/* Every commit of a walk; with `trees`, their trees (and blobs). */
static int copy_walk(ag_slim *s, git_revwalk *w, bool trees)
{
	git_oid id;
	int rc;

	while ((rc = git_revwalk_next(&id, w)) == 0) {
		git_commit *c = NULL;
		if (copy(s, &id) < 0)
			return -1;
		if (!trees)
			continue;
		rc = git_commit_lookup(&c, s->git, &id) < 0 ? -1 : copy_tree(s, git_commit_tree_id(c), true);
		git_commit_free(c);
		if (rc < 0)
			return -1;
	}
	return rc == GIT_ITEROVER ? 0 : -1;
}

int ag_slim_add(ag_slim *s, const char *refname, const git_oid *tip, const git_oid *remote)
{
	git_revwalk *w = NULL;
	git_reference *ref = NULL;
	git_commit *c = NULL;
	char *name = NULL;
	int rc = -1;

	if (s->n_refs == s->cap_refs) {
		size_t cap = s->cap_refs ? 2 * s->cap_refs : 8;
		char **refs = realloc(s->refs, cap * sizeof(*refs));
		if (!refs)
			return ag_error_set(AG_ENOMEM, "out of memory");
		s->refs = refs;
		s->cap_refs = cap;
	}
	if (!(name = strdup(refname)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	/* the commits to send, whole */
	if (git_revwalk_new(&w, s->from) < 0 || git_revwalk_push(w, tip) < 0 ||
		(remote && git_revwalk_hide(w, remote) < 0) || copy_walk(s, w, true) < 0)
		goto done;
	/* the remote's commit: its trees, and the commit objects of its history */
	if (remote) {
		git_revwalk_reset(w);
		if (git_revwalk_push(w, remote) < 0 || copy_walk(s, w, false) < 0 ||
			git_commit_lookup(&c, s->git, remote) < 0 || copy_tree(s, git_commit_tree_id(c), false) < 0)
			goto done;
	}
	if (git_reference_create(&ref, s->git, refname, tip, 1, NULL) < 0)
		goto done;
	s->refs[s->n_refs++] = name;
	name = NULL;
	rc = 0;
done:
	if (rc < 0)
		rc = ag_git_fail(AG_ERROR, "cannot prepare the push of %s", refname);
	git_reference_free(ref);
	git_commit_free(c);
	git_revwalk_free(w);
	free(name);
	return rc;
}
