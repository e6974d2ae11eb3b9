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

#endif
