/*
 * edit.h - changes appgen makes to a blueprint repository itself (init,
 * start/stop/delete, hook install, watch), through libgit2.
 */
#ifndef AG_EDIT_H
#define AG_EDIT_H

#include "buf.h"
#include "repo.h"

/* `git init` of `dir` unless it is inside a repository already (*made says
 * which). */
int ag_repo_init_here(const char *dir, bool *made);

/*
 * Commit one file change on the current branch: `data` (len bytes) as the
 * new content of `path` (relative to the work tree), or its removal when
 * data is NULL. The work-tree file (temp file + rename) and its index
 * entry are updated; the commit's tree is HEAD's with only that path
 * changed, so other staged or unstaged changes are neither committed nor
 * lost. Author and committer are the user's configured identity.
 * Refuses (AG_EINVALID, message set) a file whose work-tree bytes or
 * index entry are not HEAD's, a detached or unborn HEAD; AG_ENOTFOUND when no identity is
 * configured. out_commit (may be NULL) gets the new commit id.
 */
int ag_repo_commit_file(ag_repo *r, const char *path, const char *data, size_t len, const char *message,
	char out_commit[41]);

/* The bytes of `path` at HEAD into `out` (AG_ENOTFOUND when absent). */
int ag_repo_read_head_file(ag_repo *r, const char *path, ag_buf *out);

/* The directory hooks run from (core.hooksPath, else .git/hooks). */
int ag_repo_hooks_dir(ag_repo *r, ag_buf *out);

/* HEAD's commit id and the branch it is on ("" when detached). */
int ag_repo_head(ag_repo *r, char commit[41], ag_buf *branch);

/*
 * The commits on the first-parent chain of `to` after `from`, oldest
 * first, at most `max` (the newest ones). When `from` is not on the chain
 * (a rewind, a force-push, or "" for none) the list is just `to`.
 * *ids is a malloc'd array of n ids.
 */
int ag_repo_new_commits(ag_repo *r, const char *from, const char *to, size_t max, char (**ids)[41],
	size_t *n);

/* app.status when the blueprint has no such key (the schema's default). */
#define AG_STATUS_DEFAULT "running"

/*
 * app.status in a blueprint's text set to `status`, the rest of the text
 * untouched: the value replaced where the key is, or the key added as the
 * app object's first member (indented like the next one). *changed is
 * false when it already was (an absent key counts as AG_STATUS_DEFAULT);
 * `out` then holds the text unchanged.
 */
int ag_blueprint_set_status(ag_buf *out, const char *text, size_t len, const char *status, bool *changed);

#endif
