/*
 * vcs.h - private to src/vcs: what the Git modules share.
 */
#ifndef AG_VCS_VCS_H
#define AG_VCS_VCS_H

#include "appgen/repo.h"
#include <git2.h>

/* The libgit2 repository behind an ag_repo. */
git_repository *ag_repo_git(ag_repo *r);

/* ag_error_set with libgit2's last message appended. */
int ag_git_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * A slim push source (slim.c): a scratch Git directory at `path` (made
 * when missing) whose objects live in memory. ag_slim_add copies from
 * `from` what pushing `tip` to a remote that has `remote` (NULL: nothing)
 * needs, and points `refname` at `tip`. Push from ag_slim_git; a missing
 * object fails that push, and the caller pushes from `from` instead.
 * ag_slim_free removes the references it wrote.
 */
typedef struct ag_slim ag_slim;
int ag_slim_open(ag_slim **out, git_repository *from, const char *path);
int ag_slim_add(ag_slim *s, const char *refname, const git_oid *tip, const git_oid *remote);
git_repository *ag_slim_git(ag_slim *s);
void ag_slim_free(ag_slim *s);

#endif
