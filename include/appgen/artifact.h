/*
 * artifact.h - app trees committed to artifact repositories (DESIGN §4
 * "Artifact repositories").
 *
 * appgen.json configures them:
 *   "artifacts": {"layout": "branch-per-app", "remote": "<url>"}
 *       one repository, one branch apps/<slug> per app;
 *   "artifacts": {"layout": "repo-per-app", "remote": "<url with {slug}>",
 *                 "branch": "main"}
 *       one repository per app, the tree on `branch` (default main).
 * A remote is a path (a relative one is relative to the blueprint
 * repository's directory, so clones elsewhere find their own), file://,
 * ssh (ssh://, or user@host:path; the key
 * comes from the ssh agent) or https (the token from APPGEN_GIT_TOKEN,
 * else GITHUB_TOKEN, as the password of user x-access-token; never logged
 * or stored).
 *
 * Commits are made in a local bare staging repository (the build uses
 * <out>/.appgen/artifacts.git), always on refs/heads/apps/<slug>, so a
 * failed push loses nothing: the next push sends what is pending.
 * refs/pushed/apps/<slug> remembers what the remote last accepted.
 *
 * A commit is reproducible: its tree is the app tree (modes 100644 /
 * 100755), its parent the branch's previous artifact commit, its author
 * and committer "appgen <appgen@appgen.invalid>" at the source commit's
 * time and offset, its message
 *   "<slug> v<N>\n\nBuilt by appgen from <source commit> (<file>, version <N>).\n"
 * So two runs anywhere give the same commit ids. A tree equal to the
 * parent's makes no commit.
 */
#ifndef AG_ARTIFACT_H
#define AG_ARTIFACT_H

#include "diag.h"
#include "files.h"

typedef enum { AG_ARTIFACT_NONE, AG_ARTIFACT_BRANCH_PER_APP, AG_ARTIFACT_REPO_PER_APP } ag_artifact_layout;

typedef struct ag_artifact_config {
	ag_artifact_layout layout;
	char *remote; /* as written; repo-per-app: with {slug} */
	char *branch; /* repo-per-app: the branch in each app's repository */
	char *base;   /* the directory relative paths start from (NULL: the current one) */
} ag_artifact_config;

/*
 * The "artifacts" object of appgen.json (`text`, `len` bytes; NULL = no
 * appgen.json). Problems are located diagnostics (E801) and AG_EINVALID;
 * no "artifacts" key is layout NONE.
 */
int ag_artifact_config_parse(ag_artifact_config *c, const char *text, size_t len, const char *base,
	ag_diags *d);
void ag_artifact_config_dispose(ag_artifact_config *c);

/* The remote URL of an app (repo-per-app: {slug} replaced). Caller frees. */
char *ag_artifact_url(const ag_artifact_config *c, const char *slug);

typedef struct ag_artifacts ag_artifacts;

/* Open (or create) the bare staging repository at `path`. */
int ag_artifacts_open(ag_artifacts **out, const char *path, const ag_artifact_config *c);
void ag_artifacts_free(ag_artifacts *a);

/* Where an app's tree came from. */
typedef struct ag_artifact_source {
	const char *slug, *file;
	unsigned version;
	const char *commit; /* source commit id */
	int64_t time;       /* its committer time and offset */
	int tz_offset;
} ag_artifact_source;

/*
 * Commit `files` as the next artifact of src->slug, on the staging
 * branch's tip. Without a staging branch (a fresh out dir) the remote's
 * branch is fetched and the commit builds on its tip, so history
 * continues; offline, or when the remote has none, it is a root. A remote
 * that moved on since (another machine published) is found by the push,
 * which then commits the tree again on the remote's tip.
 * out_commit gets the branch's tip after the call; *made says whether a
 * commit was made (false: the tree was already the tip's).
 */
int ag_artifact_commit(ag_artifacts *a, const ag_files *files, const ag_artifact_source *src,
	char out_commit[41], bool *made);

/*
 * Before the commits of a build (branch-per-app): fetch the remote's
 * branches of those of these apps that have no staging branch, in one
 * fetch, which the commits then use instead of fetching each. A fetch
 * that fails is remembered. Only AG_ENOMEM is returned.
 */
int ag_artifact_prefetch(ag_artifacts *a, const char *const *slugs, size_t n);

/* The tip of an app's staging branch ("" when none). */
int ag_artifact_tip(ag_artifacts *a, const char *slug, char out[41]);

/*
 * Push what is pending for `slug` (nothing when the remote already has the
 * tip). Retried `attempts` times with doubling delays from `delay_ms`.
 * When the remote has moved on, its branch is fetched once and the
 * pending tree committed again on its tip, then pushed (the staging tip
 * changes: read it again with ag_artifact_tip). *pushed says whether
 * anything was sent. A rejection or a network failure is AG_ERROR with a
 * message; the commit stays.
 */
int ag_artifact_push(ag_artifacts *a, const char *slug, unsigned attempts, unsigned delay_ms,
	bool *pushed);

/*
 * Push what is pending for each of `n` apps: branch-per-app in one push
 * of every pending branch, repo-per-app one push per app. pushed[i] says
 * whether app i's branch was sent; errors[i] (malloc'd, caller frees) why
 * it was not (refused, or every attempt failed). Returns 0, or AG_ENOMEM.
 */
int ag_artifact_push_many(ag_artifacts *a, const char *const *slugs, size_t n, unsigned attempts,
	unsigned delay_ms, bool *pushed, char **errors);

#endif
