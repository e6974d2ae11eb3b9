/* artifact.c - commits of app trees in a staging repository, and pushes. */
#include "appgen/artifact.h"
#include "appgen/buf.h"
#include "appgen/json.h"
#include "vcs/vcs.h"
#include <time.h>

#define AUTHOR_NAME "appgen"
#define AUTHOR_EMAIL "appgen@appgen.invalid"

struct ag_artifacts {
	ag_repo *repo;
	const ag_artifact_config *config;
	bool prefetched; /* ag_artifact_prefetch fetched the branches choose_parent needs */
	int prefetch_error;
	char *prefetch_message; /* why that fetch failed */
	char *slim_path; /* the scratch directory of slim pushes (vcs.h) */
};

/* A push of up to this many branches goes from a slim repository. */
#define SLIM_MAX 32

/* ---- appgen.json ------------------------------------------------------ */

static const char *layout_names[] = { "", "branch-per-app", "repo-per-app" };

static int config_error(const ag_json *doc, ag_diags *d, const cJSON *node, const char *hint,
	const char *msg)
{
	ag_json_diag(doc, d, AG_SEV_ERROR, AG_D_BAD_CONFIG, ag_json_loc_of(doc, node)->value, hint, "%s", msg);
	return AG_EINVALID;
}

static int parse_artifacts(ag_artifact_config *c, const ag_json *doc, const cJSON *a, ag_diags *d)
{
	const cJSON *layout = cJSON_GetObjectItemCaseSensitive(a, "layout");
	const cJSON *remote = cJSON_GetObjectItemCaseSensitive(a, "remote");
	const cJSON *branch = cJSON_GetObjectItemCaseSensitive(a, "branch");
	const cJSON *k;
	ag_buf ref = AG_BUF_INIT;
	int valid = 0;

	if (!cJSON_IsObject(a))
		return config_error(doc, d, a, "e.g. {\"layout\": \"branch-per-app\", \"remote\": \"../artifacts.git\"}",
			"\"artifacts\" must be an object");
	cJSON_ArrayForEach(k, a)
		if (strcmp(k->string, "layout") && strcmp(k->string, "remote") && strcmp(k->string, "branch"))
			return config_error(doc, d, k, "the keys are layout, remote and branch",
				"unknown key in \"artifacts\"");
	if (!cJSON_IsString(layout) || (strcmp(layout->valuestring, layout_names[1]) &&
		strcmp(layout->valuestring, layout_names[2])))
		return config_error(doc, d, layout ? layout : a, NULL,
			"\"layout\" must be \"branch-per-app\" or \"repo-per-app\"");
	c->layout = strcmp(layout->valuestring, layout_names[1]) == 0 ? AG_ARTIFACT_BRANCH_PER_APP
		: AG_ARTIFACT_REPO_PER_APP;
	if (!cJSON_IsString(remote) || !*remote->valuestring)
		return config_error(doc, d, remote ? remote : a, "a path, file://, ssh or https URL",
			"\"remote\" must be a non-empty string");
	if ((c->layout == AG_ARTIFACT_REPO_PER_APP) != (strstr(remote->valuestring, "{slug}") != NULL))
		return config_error(doc, d, remote, NULL, c->layout == AG_ARTIFACT_REPO_PER_APP
			? "a repo-per-app \"remote\" needs {slug}, which becomes each app's slug"
			: "a branch-per-app \"remote\" is one repository: it cannot hold {slug}");
	if (branch && c->layout != AG_ARTIFACT_REPO_PER_APP)
		return config_error(doc, d, branch, "branch-per-app uses apps/<slug>",
			"\"branch\" is for the repo-per-app layout");
	if (branch) {
		if (cJSON_IsString(branch))
			ag_buf_printf(&ref, "refs/heads/%s", branch->valuestring);
		if (!ag_buf_oom(&ref) && ref.len)
			git_reference_name_is_valid(&valid, ref.ptr);
		ag_buf_dispose(&ref);
		if (!valid)
			return config_error(doc, d, branch, NULL, "\"branch\" must be a valid branch name");
	}
	c->remote = strdup(remote->valuestring);
	c->branch = strdup(branch ? branch->valuestring : "main");
	if (!c->remote || !c->branch)
		return ag_error_set(AG_ENOMEM, "out of memory");
	return 0;
}

int ag_artifact_config_parse(ag_artifact_config *c, const char *text, size_t len, const char *base,
	ag_diags *d)
{
	ag_json *doc = NULL;
	const cJSON *root, *a;
	int error;

	memset(c, 0, sizeof(*c));
	if (base && *base && !(c->base = strdup(base)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (!text)
		return 0;
	if ((error = ag_json_parse(&doc, "appgen.json", text, len, d)) < 0)
		return error;
	root = ag_json_root(doc);
	if (!cJSON_IsObject(root))
		error = config_error(doc, d, root, NULL, "appgen.json must hold an object");
	else if ((a = cJSON_GetObjectItemCaseSensitive(root, "artifacts")))
		error = parse_artifacts(c, doc, a, d);
	ag_json_free(doc);
	if (error < 0)
		ag_artifact_config_dispose(c);
	return error;
}

void ag_artifact_config_dispose(ag_artifact_config *c)
{
	free(c->remote);
	free(c->branch);
	free(c->base);
	memset(c, 0, sizeof(*c));
}

/* A local path that does not start at the root: no scheme ("x://"),
 * not scp-like ("host:path", a ':' before any '/'), not absolute. */
static bool relative_path(const char *url)
{
	const char *colon = strchr(url, ':'), *slash = strchr(url, '/');

	if (url[0] == '/' || strstr(url, "://"))
		return false;
	return !colon || (slash && slash < colon);
}

char *ag_artifact_url(const ag_artifact_config *c, const char *slug)
{
	ag_buf b = AG_BUF_INIT;
	const char *s = c->remote, *hit;

	if (c->base && relative_path(s))
		ag_buf_printf(&b, "%s/", c->base);
	while ((hit = strstr(s, "{slug}"))) {
		ag_buf_put(&b, s, (size_t)(hit - s));
		ag_buf_puts(&b, slug);
		s = hit + 6;
	}
	ag_buf_puts(&b, s);
	return ag_buf_oom(&b) ? (ag_buf_dispose(&b), NULL) : ag_buf_detach(&b);
}

/* ---- the staging repository ------------------------------------------ */

int ag_artifacts_open(ag_artifacts **out, const char *path, const ag_artifact_config *c)
{
	ag_artifacts *a = calloc(1, sizeof(*a));
	git_repository *g = NULL;
	ag_buf slim = AG_BUF_INIT;
	int error;

	*out = NULL;
	if (!a)
		return ag_error_set(AG_ENOMEM, "out of memory");
	a->config = c;
	/* ag_repo_open runs git_libgit2_init; a bare repository opens too */
	if (git_repository_open_bare(&g, path) < 0 && git_repository_init(&g, path, 1) < 0) {
		free(a);
		return ag_git_fail(AG_ERROR, "cannot make the staging repository '%s'", path);
	}
	git_repository_free(g);
	ag_buf_printf(&slim, "%s/appgen-push", path);
	if (ag_buf_oom(&slim)) {
		free(a);
		return ag_error_set(AG_ENOMEM, "out of memory");
	}
	a->slim_path = ag_buf_detach(&slim);
	if ((error = ag_repo_open(&a->repo, path)) < 0) {
		free(a->slim_path);
		free(a);
		return error;
	}
	*out = a;
	return 0;
}

void ag_artifacts_free(ag_artifacts *a)
{
	if (!a)
		return;
	ag_repo_free(a->repo);
	free(a->slim_path);
	free(a->prefetch_message);
	free(a);
}

static void ref_name(ag_buf *b, const char *prefix, const char *slug)
{
	ag_buf_clear(b);
	ag_buf_printf(b, "%s/apps/%s", prefix, slug);
}

/* The id a reference points at; false when there is no such reference. */
static bool ref_target(git_repository *g, const char *name, git_oid *out)
{
	return git_reference_name_to_id(out, g, name) == 0;
}

int ag_artifact_tip(ag_artifacts *a, const char *slug, char out[41])
{
	ag_buf name = AG_BUF_INIT;
	git_oid id;

	out[0] = '\0';
	ref_name(&name, "refs/heads", slug);
	if (ag_buf_oom(&name))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (ref_target(ag_repo_git(a->repo), name.ptr, &id))
		git_oid_tostr(out, 41, &id);
	ag_buf_dispose(&name);
	return 0;
}

/* The tree of files[from, to), whose paths all start with `prefix_len`
 * bytes of directory prefix. */
static int write_tree(git_oid *out, git_repository *g, const ag_files *files, size_t from, size_t to,
	size_t prefix_len)
{
	git_treebuilder *tb = NULL;
	ag_buf name = AG_BUF_INIT;
	int error = 0;

	if (git_treebuilder_new(&tb, g, NULL) < 0)
		return ag_git_fail(AG_ERROR, "cannot make a tree");
	for (size_t i = from; i < to && !error;) {
		const char *rest = files->items[i].path + prefix_len;
		const char *slash = strchr(rest, '/');
		git_oid id;
		ag_buf_clear(&name);
		if (!slash) {
			const ag_file *f = &files->items[i];
			ag_buf_puts(&name, rest);
			if (git_blob_create_from_buffer(&id, g, f->data, f->len) < 0 ||
				git_treebuilder_insert(NULL, tb, name.ptr, &id,
					f->mode == 0755 ? GIT_FILEMODE_BLOB_EXECUTABLE : GIT_FILEMODE_BLOB) < 0)
				error = ag_git_fail(AG_ERROR, "cannot store '%s'", f->path);
			i++;
			continue;
		}
		/* a directory: every following path with the same prefix */
		size_t dirlen = (size_t)(slash - rest), j = i;
		while (j < to && strncmp(files->items[j].path + prefix_len, rest, dirlen + 1) == 0)
			j++;
		ag_buf_put(&name, rest, dirlen);
		if (ag_buf_oom(&name))
			error = ag_error_set(AG_ENOMEM, "out of memory");
		else if ((error = write_tree(&id, g, files, i, j, prefix_len + dirlen + 1)) == 0 &&
			git_treebuilder_insert(NULL, tb, name.ptr, &id, GIT_FILEMODE_TREE) < 0)
			error = ag_git_fail(AG_ERROR, "cannot store the directory '%s'", name.ptr);
		i = j;
	}
	if (!error && git_treebuilder_write(out, tb) < 0)
		error = ag_git_fail(AG_ERROR, "cannot write a tree");
	git_treebuilder_free(tb);
	ag_buf_dispose(&name);
	return error;
}

/* ---- talking to the remote ------------------------------------------- */

typedef struct remote_ctx {
	int ssh_tries, token_tries;
	const char *missing; /* what the remote asked for that the environment lacks */
	char *rejected; /* a ref the remote refused, with its reason */
	/* a push of several refs: their remote names and refusals */
	char **refs, **refusals;
	size_t n_refs;
} remote_ctx;

/* ssh keys from the agent; https with the token from the environment. One
 * try each: a refused credential must not loop. */
static int credentials(git_credential **out, const char *url, const char *user, unsigned int allowed,
	void *payload)
{
	remote_ctx *ctx = payload;
	const char *token = getenv("APPGEN_GIT_TOKEN");

	(void)url;
	if (!token || !*token)
		token = getenv("GITHUB_TOKEN");
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && ctx->ssh_tries++ == 0) {
		const char *agent = getenv("SSH_AUTH_SOCK");
		if (!agent || !*agent)
			ctx->missing = "an ssh-agent (SSH_AUTH_SOCK is not set)";
		return git_credential_ssh_key_from_agent(out, user ? user : "git");
	}
	if ((allowed & GIT_CREDENTIAL_SSH_KEY) && !ctx->missing)
		ctx->missing = "a key the ssh-agent does not hold (it refused the agent's keys)";
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && (!token || !*token))
		ctx->missing = "a token (set APPGEN_GIT_TOKEN or GITHUB_TOKEN)";
	else if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && ctx->token_tries)
		ctx->missing = "another token (it refused the one in APPGEN_GIT_TOKEN or GITHUB_TOKEN)";
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && token && *token && ctx->token_tries++ == 0)
		return git_credential_userpass_plaintext_new(out, "x-access-token", token);
	return GIT_PASSTHROUGH;
}

/* After a failed fetch or push: libgit2's message, and what the remote
 * asked for that the environment does not have. */
static void explain_failure(const remote_ctx *ctx)
{
	const git_error *e = git_error_last();
	ag_buf b = AG_BUF_INIT;

	if (!ctx->missing)
		return;
	ag_buf_printf(&b, "%s; the remote wants %s", e && e->message ? e->message : "failed", ctx->missing);
	if (!ag_buf_oom(&b))
		git_error_set_str(e ? e->klass : GIT_ERROR_NET, b.ptr);
	ag_buf_dispose(&b);
}

static int update_reference(const char *refname, const char *status, void *payload)
{
	remote_ctx *ctx = payload;
	ag_buf b = AG_BUF_INIT;

	if (!status)
		return 0;
	for (size_t i = 0; i < ctx->n_refs; i++)
		if (strcmp(ctx->refs[i], refname) == 0 && !ctx->refusals[i])
			ctx->refusals[i] = strdup(status);
	if (!ctx->rejected) {
		ag_buf_printf(&b, "%s: %s", refname, status);
		ctx->rejected = ag_buf_oom(&b) ? NULL : ag_buf_detach(&b);
		ag_buf_dispose(&b);
	}
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* The local ref for an app's branch, and the remote's name for it. */
static int refspec(ag_buf *b, const ag_artifacts *a, const char *slug, bool fetch)
{
	ag_buf remote_ref = AG_BUF_INIT;

	if (a->config->layout == AG_ARTIFACT_REPO_PER_APP)
		ag_buf_printf(&remote_ref, "refs/heads/%s", a->config->branch);
	else
		ag_buf_printf(&remote_ref, "refs/heads/apps/%s", slug);
	ag_buf_clear(b);
	if (fetch)
		ag_buf_printf(b, "+%s:refs/fetched/apps/%s", remote_ref.ptr, slug);
	else
		ag_buf_printf(b, "refs/heads/apps/%s:%s", slug, remote_ref.ptr);
	ag_buf_dispose(&remote_ref);
	return ag_buf_oom(b) ? ag_error_set(AG_ENOMEM, "out of memory") : 0;
}

/* One fetch of `arr` from `url`; -1 with libgit2's error when it fails. */
static int fetch_once(git_repository *g, const char *url, git_strarray *arr)
{
	git_remote *remote = NULL;
	git_fetch_options fo;
	remote_ctx ctx = { 0, 0, NULL, NULL, NULL, NULL, 0 };
	int rc;

	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks.credentials = credentials;
	fo.callbacks.payload = &ctx;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	rc = git_remote_create_anonymous(&remote, g, url) < 0 ||
		git_remote_fetch(remote, arr, &fo, "appgen: fetch artifacts") < 0 ? -1 : 0;
	if (rc < 0)
		explain_failure(&ctx);
	git_remote_free(remote);
	return rc;
}

/* Fetch the remote's branch of an app into refs/fetched/apps/<slug> (a
 * remote without that branch leaves it absent). */
static int fetch_branch(ag_artifacts *a, const char *slug)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf spec = AG_BUF_INIT;
	char *url = ag_artifact_url(a->config, slug);
	char *specs[1];
	git_strarray arr = { specs, 1 };
	int error = 0;

	if (!url)
		return ag_error_set(AG_ENOMEM, "out of memory");
	if ((error = refspec(&spec, a, slug, true)) < 0)
		goto done;
	if (ag_buf_oom(&spec)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	specs[0] = spec.ptr;
	if (fetch_once(g, url, &arr) < 0)
		error = ag_git_fail(AG_ERROR, "cannot fetch the artifacts of %s from '%s'", slug, url);
done:
	ag_buf_dispose(&spec);
	free(url);
	return error;
}

static int set_ref(git_repository *g, const char *prefix, const char *slug, const git_oid *id, const char *why)
{
	ag_buf name = AG_BUF_INIT;
	git_reference *ref = NULL;
	int error = 0;

	ref_name(&name, prefix, slug);
	if (ag_buf_oom(&name))
		error = ag_error_set(AG_ENOMEM, "out of memory");
	else if (git_reference_create(&ref, g, name.ptr, id, 1, why) < 0)
		error = ag_git_fail(AG_ERROR, "cannot update %s", name.ptr);
	git_reference_free(ref);
	ag_buf_dispose(&name);
	return error;
}

/*
 * The parent of an app's next artifact commit: the staging branch's tip
 * when there is one. The remote is not asked: when it has moved on, the
 * push is refused and sync_branches builds on what it has then. Without
 * a staging branch (a fresh out dir), the remote's branch is fetched and
 * history continues from it; offline, or when it has none, the commit
 * is a root.
 */
static int choose_parent(ag_artifacts *a, const char *slug, git_oid *parent, bool *has_parent)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf name = AG_BUF_INIT;
	int error = 0;

	*has_parent = false;
	ref_name(&name, "refs/heads", slug);
	if (ag_buf_oom(&name))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (ref_target(g, name.ptr, parent)) {
		*has_parent = true;
		goto done;
	}
	/* ag_artifact_prefetch fetched every such branch at once, or this one now */
	if (!a->prefetched)
		error = fetch_branch(a, slug);
	else if ((error = a->prefetch_error) < 0)
		ag_error_set(error, "%s", a->prefetch_message ? a->prefetch_message : "cannot fetch");
	if (error < 0)
		goto done; /* nothing to build on, and the remote cannot say */
	ref_name(&name, "refs/fetched", slug);
	if (!ag_buf_oom(&name) && ref_target(g, name.ptr, parent)) {
		*has_parent = true;
		/* the remote has it: nothing is pending yet */
		if ((error = set_ref(g, "refs/pushed", slug, parent, "appgen: fetched")) == 0)
			error = set_ref(g, "refs/heads", slug, parent, "appgen: fetched");
	}
done:
	ag_buf_dispose(&name);
	return error;
}

/*
 * After a push refused because the remote moved (another machine
 * published, someone committed on the branch): the staging branch of
 * `slug`, whose tip is *tip, continues from the remote's tip, just
 * fetched into refs/fetched. Its tip's tree, message and signatures are
 * committed again on top of the remote's (nothing when the remote already
 * has that tree); a tip that already descends from the remote's stays.
 * *tip gets the branch's new tip.
 */
static int follow_remote(ag_artifacts *a, const char *slug, git_oid *tip)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf name = AG_BUF_INIT;
	git_commit *mine = NULL, *theirs = NULL;
	git_tree *tree = NULL;
	git_oid remote, id;
	int error = 0;

	ref_name(&name, "refs/fetched", slug);
	if (ag_buf_oom(&name))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (!ref_target(g, name.ptr, &remote))
		goto done; /* the remote has no such branch: the push creates it */
	if ((error = set_ref(g, "refs/pushed", slug, &remote, "appgen: fetched")) < 0 ||
		git_oid_equal(tip, &remote) || git_graph_descendant_of(g, tip, &remote) == 1)
		goto done;
	if (git_commit_lookup(&mine, g, tip) < 0 || git_commit_lookup(&theirs, g, &remote) < 0 ||
		git_commit_tree(&tree, mine) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot read the artifact commits of %s", slug);
		goto done;
	}
	if (git_oid_equal(git_commit_tree_id(theirs), git_tree_id(tree)))
		id = remote;
	else if (git_commit_create(&id, g, NULL, git_commit_author(mine), git_commit_committer(mine), NULL,
		git_commit_message(mine), tree, 1, (const git_commit **)&theirs) < 0) {
		error = ag_git_fail(AG_ERROR, "cannot commit the artifact of %s", slug);
		goto done;
	}
	if ((error = set_ref(g, "refs/heads", slug, &id, "appgen: on the remote's tip")) == 0)
		*tip = id;
done:
	git_tree_free(tree);
	git_commit_free(mine);
	git_commit_free(theirs);
	ag_buf_dispose(&name);
	return error;
}

/* One push of `arr` to `url`: 0, or libgit2's error code (and message);
 * GIT_ENONFASTFORWARD when the remote has moved past what is pushed. */
static int push_once(git_repository *g, const char *url, git_strarray *arr, remote_ctx *ctx)
{
	git_remote *remote = NULL;
	git_push_options po;
	int rc;

	git_push_options_init(&po, GIT_PUSH_OPTIONS_VERSION);
	po.callbacks.credentials = credentials;
	po.callbacks.push_update_reference = update_reference;
	po.callbacks.payload = ctx;
	if ((rc = git_remote_create_anonymous(&remote, g, url)) == 0)
		rc = git_remote_push(remote, arr, &po);
	if (rc < 0)
		explain_failure(ctx);
	git_remote_free(remote);
	return rc < 0 ? rc : 0;
}

/*
 * Fetch the remote's branches of apps slugs[which[0..m)] into
 * refs/fetched: one fetch for branch-per-app, one per app otherwise.
 * AG_ERROR when a fetch fails.
 */
static int fetch_apps(ag_artifacts *a, const char *const *slugs, const size_t *which, size_t m)
{
	git_repository *g = ag_repo_git(a->repo);
	char **specs = NULL, *url = NULL;
	git_strarray arr;
	int error = 0;

	if (a->config->layout != AG_ARTIFACT_BRANCH_PER_APP) {
		for (size_t j = 0; j < m && !error; j++)
			error = fetch_branch(a, slugs[which[j]]);
		return error;
	}
	specs = calloc(m, sizeof(*specs));
	url = ag_artifact_url(a->config, "");
	if (!specs || !url) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t j = 0; j < m && !error; j++) {
		ag_buf b = AG_BUF_INIT;
		if ((error = refspec(&b, a, slugs[which[j]], true)) == 0)
			specs[j] = ag_buf_detach(&b);
		ag_buf_dispose(&b);
	}
	if (error)
		goto done;
	arr.strings = specs;
	arr.count = m;
	if (fetch_once(g, url, &arr) < 0)
		error = ag_git_fail(AG_ERROR, "cannot fetch the artifact branches from '%s'", url);
done:
	for (size_t j = 0; specs && j < m; j++)
		free(specs[j]);
	free(specs);
	free(url);
	return error;
}

/* After a push the remote refused because it moved on: fetch what it has
 * and let each branch continue from it (follow_remote). */
static int sync_branches(ag_artifacts *a, const char *const *slugs, const size_t *which, git_oid *tips,
	size_t m)
{
	int error = fetch_apps(a, slugs, which, m);

	for (size_t j = 0; j < m && !error; j++)
		error = follow_remote(a, slugs[which[j]], &tips[j]);
	return error;
}

/* ---- commit and push -------------------------------------------------- */

int ag_artifact_commit(ag_artifacts *a, const ag_files *files, const ag_artifact_source *src,
	char out_commit[41], bool *made)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf name = AG_BUF_INIT, msg = AG_BUF_INIT;
	git_oid tree_id, parent_id, id;
	git_tree *tree = NULL;
	git_commit *parent = NULL;
	git_signature *sig = NULL;
	git_reference *ref = NULL;
	bool has_parent;
	int error;

	*made = false;
	out_commit[0] = '\0';
	ref_name(&name, "refs/heads", src->slug);
	if (ag_buf_oom(&name))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if ((error = choose_parent(a, src->slug, &parent_id, &has_parent)) < 0)
		goto done;
	if ((error = write_tree(&tree_id, g, files, 0, files->count, 0)) < 0)
		goto done;
	if (has_parent) {
		if (git_commit_lookup(&parent, g, &parent_id) < 0) {
			error = ag_git_fail(AG_ERROR, "cannot read the artifact commit of %s", src->slug);
			goto done;
		}
		if (git_oid_equal(git_commit_tree_id(parent), &tree_id)) {
			git_oid_tostr(out_commit, 41, &parent_id); /* no change, no commit */
			goto done;
		}
	}
	ag_buf_printf(&msg, "%s v%u\n\nBuilt by appgen from %s (%s, version %u).\n", src->slug, src->version,
		src->commit, src->file, src->version);
	if (ag_buf_oom(&msg)) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	if (git_tree_lookup(&tree, g, &tree_id) < 0 ||
		git_signature_new(&sig, AUTHOR_NAME, AUTHOR_EMAIL, (git_time_t)src->time, src->tz_offset) < 0 ||
		git_commit_create(&id, g, NULL, sig, sig, NULL, msg.ptr, tree, has_parent ? 1 : 0,
			(const git_commit **)&parent) < 0 ||
		git_reference_create(&ref, g, name.ptr, &id, 1, "appgen: artifact") < 0) {
		error = ag_git_fail(AG_ERROR, "cannot commit the artifact of %s", src->slug);
		goto done;
	}
	git_oid_tostr(out_commit, 41, &id);
	*made = true;
done:
	git_reference_free(ref);
	git_signature_free(sig);
	git_commit_free(parent);
	git_tree_free(tree);
	ag_buf_dispose(&name);
	ag_buf_dispose(&msg);
	return error;
}

/* The ids of an app's staging tip and of what the remote has; true when
 * something is pending. */
static bool pending(git_repository *g, const char *slug, git_oid *tip)
{
	ag_buf heads = AG_BUF_INIT, done_ref = AG_BUF_INIT;
	git_oid sent;
	bool p;

	ref_name(&heads, "refs/heads", slug);
	ref_name(&done_ref, "refs/pushed", slug);
	p = !ag_buf_oom(&heads) && !ag_buf_oom(&done_ref) && ref_target(g, heads.ptr, tip) &&
		!(ref_target(g, done_ref.ptr, &sent) && git_oid_equal(tip, &sent));
	ag_buf_dispose(&heads);
	ag_buf_dispose(&done_ref);
	return p;
}

int ag_artifact_push(ag_artifacts *a, const char *slug, unsigned attempts, unsigned delay_ms, bool *pushed)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf spec = AG_BUF_INIT;
	git_oid tip;
	char *url = NULL;
	bool synced = false;
	int error = 0;

	*pushed = false;
	if (!pending(g, slug, &tip))
		goto done;
	if (!(url = ag_artifact_url(a->config, slug)) || (error = refspec(&spec, a, slug, false)) < 0) {
		error = error ? error : ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	for (unsigned k = 0; k < (attempts ? attempts : 1); k++) {
		remote_ctx ctx = { 0, 0, NULL, NULL, NULL, NULL, 0 };
		char *specs[1] = { spec.ptr };
		git_strarray arr = { specs, 1 };
		size_t self = 0;
		int rc;
		if (k)
			sleep_ms(delay_ms << (k - 1));
		if ((rc = push_once(g, url, &arr, &ctx)) == GIT_ENONFASTFORWARD && !synced) {
			/* the remote moved on: continue from it, and push again */
			synced = true;
			free(ctx.rejected);
			if ((error = sync_branches(a, &slug, &self, &tip, 1)) < 0)
				break;
			k--; /* not an attempt: unsigned wrap-around is defined */
			continue;
		}
		if (rc < 0) {
			error = ag_git_fail(AG_ERROR, "cannot push the artifacts of %s to '%s'", slug, url);
		} else if (ctx.rejected) {
			/* the remote moved on: trying again will not help */
			error = ag_error_set(AG_ERROR, "the push of %s to '%s' was refused (%s)", slug, url, ctx.rejected);
			k = attempts;
		} else {
			error = set_ref(g, "refs/pushed", slug, &tip, "appgen: pushed");
			*pushed = error == 0;
			k = attempts;
		}
		free(ctx.rejected);
		if (!error)
			break;
	}
done:
	ag_buf_dispose(&spec);
	free(url);
	return error;
}

/* What a failed push said about its refs, forgotten before the next. */
static void forget_refusals(remote_ctx *ctx)
{
	for (size_t i = 0; i < ctx->n_refs; i++) {
		free(ctx->refusals[i]);
		ctx->refusals[i] = NULL;
	}
	free(ctx->rejected);
	ctx->rejected = NULL;
}

/*
 * A slim source for pushing the `m` pending branches slugs[which[j]] at
 * tips[j] (vcs.h). *out stays NULL when one cannot be made: the push then
 * goes from the staging repository. Only running out of memory fails.
 */
static int slim_prepare(ag_artifacts *a, ag_slim **out, const char *const *slugs, const size_t *which,
	const git_oid *tips, size_t m)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf name = AG_BUF_INIT, pushed = AG_BUF_INIT;
	ag_slim *s = NULL;
	int error = 0;

	*out = NULL;
	if ((error = ag_slim_open(&s, g, a->slim_path)) < 0)
		return error == AG_ENOMEM ? error : 0;
	for (size_t j = 0; j < m && !error; j++) {
		git_oid remote;
		bool has_remote;
		ref_name(&name, "refs/heads", slugs[which[j]]);
		ref_name(&pushed, "refs/pushed", slugs[which[j]]);
		if (ag_buf_oom(&name) || ag_buf_oom(&pushed)) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			break;
		}
		has_remote = ref_target(g, pushed.ptr, &remote);
		error = ag_slim_add(s, name.ptr, &tips[j], has_remote ? &remote : NULL);
	}
	if (error) {
		ag_slim_free(s);
		s = NULL;
		error = error == AG_ENOMEM ? error : 0;
	}
	*out = s;
	ag_buf_dispose(&name);
	ag_buf_dispose(&pushed);
	return error;
}

int ag_artifact_push_many(ag_artifacts *a, const char *const *slugs, size_t n, unsigned attempts,
	unsigned delay_ms, bool *pushed, char **errors)
{
	git_repository *g = ag_repo_git(a->repo);
	char **specs = NULL, **refs = NULL, **refusals = NULL;
	ag_slim *slim = NULL;
	size_t *which = NULL, m = 0;
	bool synced = false;
	git_oid *tips = NULL;
	char *url = NULL;
	int error = 0;

	for (size_t i = 0; i < n; i++) {
		pushed[i] = false;
		errors[i] = NULL;
	}
	if (a->config->layout != AG_ARTIFACT_BRANCH_PER_APP) {
		/* one repository per app: one push each */
		for (size_t i = 0; i < n; i++)
			if ((error = ag_artifact_push(a, slugs[i], attempts, delay_ms, &pushed[i])) < 0) {
				if (error == AG_ENOMEM)
					return error;
				errors[i] = strdup(ag_error_last());
			}
		return 0;
	}
	/* one repository: every pending branch in one push */
	specs = calloc(n + 1, sizeof(*specs));
	refs = calloc(n + 1, sizeof(*refs));
	refusals = calloc(n + 1, sizeof(*refusals));
	which = calloc(n + 1, sizeof(*which));
	tips = calloc(n + 1, sizeof(*tips));
	url = ag_artifact_url(a->config, "");
	if (!specs || !refs || !refusals || !which || !tips || !url) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		ag_buf b = AG_BUF_INIT;
		if (!pending(g, slugs[i], &tips[m]))
			continue;
		ag_buf_printf(&b, "refs/heads/apps/%s:refs/heads/apps/%s", slugs[i], slugs[i]);
		specs[m] = ag_buf_oom(&b) ? NULL : ag_buf_detach(&b);
		ag_buf_dispose(&b);
		ag_buf_printf(&b, "refs/heads/apps/%s", slugs[i]);
		refs[m] = ag_buf_oom(&b) ? NULL : ag_buf_detach(&b);
		ag_buf_dispose(&b);
		if (!specs[m] || !refs[m]) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		which[m++] = i;
	}
	if (m == 0)
		goto done;
	if (m <= SLIM_MAX && (error = slim_prepare(a, &slim, slugs, which, tips, m)) < 0)
		goto done;
	for (unsigned k = 0; k < (attempts ? attempts : 1); k++) {
		remote_ctx ctx = { 0, 0, NULL, NULL, refs, refusals, m };
		git_strarray arr = { specs, m };
		int e = 0, rc = -1;
		if (k)
			sleep_ms(delay_ms << (k - 1));
		if (slim)
			rc = push_once(ag_slim_git(slim), url, &arr, &ctx);
		if (rc < 0 && rc != GIT_ENONFASTFORWARD) {
			/* without a slim source, or when it lacked something */
			ag_slim_free(slim);
			slim = NULL;
			forget_refusals(&ctx);
			rc = push_once(g, url, &arr, &ctx);
		}
		free(ctx.rejected);
		ctx.rejected = NULL;
		if (rc == GIT_ENONFASTFORWARD && !synced) {
			/* a remote branch moved on: continue from it, and push again */
			synced = true;
			forget_refusals(&ctx);
			ag_slim_free(slim);
			slim = NULL;
			if ((error = sync_branches(a, slugs, which, tips, m)) == AG_ENOMEM ||
				(error == 0 && m <= SLIM_MAX && (error = slim_prepare(a, &slim, slugs, which, tips, m)) < 0))
				goto done;
			if (error == 0) {
				k--; /* not an attempt: unsigned wrap-around is defined */
				continue;
			}
			error = 0;
			e = AG_ERROR; /* the fetch failed: its message stands */
		} else if (rc < 0) {
			e = ag_git_fail(AG_ERROR, "cannot push the artifacts to '%s'", url);
		}
		if (e == 0) {
			for (size_t j = 0; j < m; j++) {
				size_t i = which[j];
				ag_buf b = AG_BUF_INIT;
				if (refusals[j]) {
					ag_buf_printf(&b, "the push of %s to '%s' was refused (%s)", slugs[i], url, refusals[j]);
					errors[i] = ag_buf_oom(&b) ? NULL : ag_buf_detach(&b);
				} else if (set_ref(g, "refs/pushed", slugs[i], &tips[j], "appgen: pushed") == 0) {
					pushed[i] = true;
				} else {
					errors[i] = strdup(ag_error_last());
				}
				ag_buf_dispose(&b);
			}
			goto done;
		}
	}
	/* every attempt failed: the commits wait for the next build */
	for (size_t j = 0; j < m; j++)
		errors[which[j]] = strdup(ag_error_last());
done:
	ag_slim_free(slim);
	for (size_t j = 0; specs && j < n; j++) {
		free(specs[j]);
		free(refs[j]);
		free(refusals[j]);
	}
	free(specs);
	free(refs);
	free(refusals);
	free(which);
	free(tips);
	free(url);
	return error;
}

int ag_artifact_prefetch(ag_artifacts *a, const char *const *slugs, size_t n)
{
	git_repository *g = ag_repo_git(a->repo);
	ag_buf name = AG_BUF_INIT;
	size_t *which = NULL, m = 0;
	int error = 0;

	if (a->config->layout != AG_ARTIFACT_BRANCH_PER_APP || n == 0)
		return 0;
	if (!(which = calloc(n, sizeof(*which))))
		return ag_error_set(AG_ENOMEM, "out of memory");
	/* only the apps without a staging branch ask the remote */
	for (size_t i = 0; i < n && !error; i++) {
		git_oid id;
		ref_name(&name, "refs/heads", slugs[i]);
		if (ag_buf_oom(&name))
			error = ag_error_set(AG_ENOMEM, "out of memory");
		else if (!ref_target(g, name.ptr, &id))
			which[m++] = i;
	}
	if (!error && m && (error = fetch_apps(a, slugs, which, m)) != AG_ENOMEM) {
		/* what choose_parent would have fetched, it now has (or knows it cannot) */
		a->prefetched = true;
		a->prefetch_error = error;
		a->prefetch_message = error < 0 ? strdup(ag_error_last()) : NULL;
		error = 0;
	}
	free(which);
	ag_buf_dispose(&name);
	return error;
}
