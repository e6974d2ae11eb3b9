/* test_repo.c - snapshots of real Git repositories made with the git CLI. */
#include "test.h"
#include "appgen/buf.h"
#include "appgen/fs.h"
#include "appgen/repo.h"
#include <limits.h>
#include <unistd.h>

void test_repo_snapshot_revs(void);
void test_repo_snapshot_errors(void);
void test_repo_open_subdir(void);
void test_repo_links_skipped(void);
void test_repo_snapshot_from_dir(void);
void test_repo_large_files(void);

/* Every git command runs with fixed identities and dates and without the user's configuration. */
#define GIT_ENV \
	"export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null " \
	"GIT_AUTHOR_NAME=Tester GIT_AUTHOR_EMAIL=t@example.com " \
	"GIT_COMMITTER_NAME=Tester GIT_COMMITTER_EMAIL=t@example.com " \
	"GIT_AUTHOR_DATE='1700000000 +0130' GIT_COMMITTER_DATE='1700000000 +0130'; "

/* A fresh directory under /tmp (no quotes in the name, so it can go into shell commands). */
static bool make_tmp(char dir[64])
{
	memcpy(dir, "/tmp/ag-repo-XXXXXX", sizeof("/tmp/ag-repo-XXXXXX"));
	return mkdtemp(dir) != NULL;
}

/* Run a shell command in `dir`; its exit status (0 = success). */
static int sh(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int sh(const char *dir, const char *fmt, ...)
{
	ag_buf cmd = AG_BUF_INIT;
	va_list ap;
	int rc;

	ag_buf_printf(&cmd, GIT_ENV "cd '%s' && { ", dir);
	va_start(ap, fmt);
	ag_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	ag_buf_puts(&cmd, "; } >/dev/null");
	rc = ag_buf_oom(&cmd) ? -1 : system(cmd.ptr);
	ag_buf_dispose(&cmd);
	return rc;
}

/* The first line a shell command prints in `dir`. */
static void sh_out(ag_buf *out, const char *dir, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void sh_out(ag_buf *out, const char *dir, const char *fmt, ...)
{
	ag_buf cmd = AG_BUF_INIT;
	char chunk[256];
	va_list ap;
	FILE *p;
	size_t n;

	ag_buf_clear(out);
	ag_buf_printf(&cmd, GIT_ENV "cd '%s' && ", dir);
	va_start(ap, fmt);
	ag_buf_vprintf(&cmd, fmt, ap);
	va_end(ap);
	if (!ag_buf_oom(&cmd) && (p = popen(cmd.ptr, "r"))) {
		while ((n = fread(chunk, 1, sizeof(chunk), p)) > 0)
			ag_buf_put(out, chunk, n);
		pclose(p);
	}
	if (strchr(out->ptr, '\n'))
		ag_buf_truncate(out, (size_t)(strchr(out->ptr, '\n') - out->ptr));
	ag_buf_dispose(&cmd);
}

/* Write `text` to `dir`/`rel`, creating the parent directories. */
static void put(const char *dir, const char *rel, const char *text)
{
	ag_buf path = AG_BUF_INIT;

	ag_buf_printf(&path, "%s/%s", dir, rel);
	CHECK(sh(dir, "mkdir -p \"$(dirname '%s')\"", rel) == 0);
	CHECK(ag_fs_write_atomic(path.ptr, text, strlen(text), 0644) == 0);
	ag_buf_dispose(&path);
}

static void rm_tmp(const char *dir)
{
	ag_buf cmd = AG_BUF_INIT;

	ag_buf_printf(&cmd, "rm -rf '%s'", dir);
	CHECK(system(cmd.ptr) == 0);
	ag_buf_dispose(&cmd);
}

/* A snapshot file's blob id must be the one Git gives `spec` (e.g. HEAD:blueprints/a.json). */
static void check_blob(const char *dir, const ag_snapshot_file *f, const char *spec)
{
	ag_buf id = AG_BUF_INIT;

	sh_out(&id, dir, "git rev-parse '%s'", spec);
	CHECK_INT(id.len, 40);
	CHECK_STR(f->blob, id.ptr);
	ag_buf_dispose(&id);
}

static const char *path_at(const ag_snapshot_file *v, size_t n, size_t i)
{
	return i < n ? v[i].path : "(missing)";
}

/* Two commits; the second changes a.json and adds b.json. Things outside the inputs are ignored. */
static void make_history(const char *dir)
{
	CHECK(sh(dir, "git -c init.defaultBranch=main init -q") == 0);
	put(dir, "blueprints/a.json", "{\"v\":1}\n");
	put(dir, "blueprints/notes.txt", "not a blueprint\n");
	put(dir, "blueprints/.hidden.json", "{}\n");
	put(dir, "blueprints/sub/x.json", "{\"nested\":true}\n");
	put(dir, "src/blueprints/y.json", "{}\n");
	put(dir, "README.md", "# readme\n");
	put(dir, "appgen.json", "{\"targets\":[\"db\"]}\n");
	put(dir, ".appgen/templates/backend/main.py.tpl", "print('hi')\n");
	put(dir, ".appgen/emitters/db.lua", "return {}\n");
	/* Path order, not per-directory order: ".appgen/a.b" < ".appgen/a/x" because '.' < '/'. */
	put(dir, ".appgen/a.b", "ab\n");
	put(dir, ".appgen/a/x", "ax\n");
	CHECK(sh(dir, "chmod +x .appgen/emitters/db.lua && git add -A && "
		      "git commit -q -m 'first commit' -m 'the body'") == 0);
	put(dir, "blueprints/a.json", "{\"v\":2}\n");
	put(dir, "blueprints/b.json", "{\"b\":true}\n");
	CHECK(sh(dir, "git add -A && GIT_COMMITTER_DATE='1700003600 -0500' git commit -q -m second") == 0);
}

void test_repo_snapshot_revs(void)
{
	char dir[64], real[PATH_MAX];
	ag_buf want = AG_BUF_INIT;
	ag_repo *r = NULL;
	ag_snapshot s;

	if (!make_tmp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	make_history(dir);
	CHECK_INT(ag_repo_open(&r, dir), 0);
	if (!r)
		goto done;
	CHECK(realpath(dir, real) != NULL);
	ag_buf_printf(&want, "%s/", real);
	CHECK_STR(ag_repo_workdir(r), want.ptr);

	/* HEAD (rev NULL) */
	CHECK_INT(ag_repo_snapshot(&s, r, NULL), 0);
	sh_out(&want, dir, "git rev-parse HEAD");
	CHECK_STR(s.commit, want.ptr);
	CHECK_STR(s.summary, "second");
	CHECK_INT(s.time, 1700003600);
	CHECK_INT(s.tz_offset, -300);
	CHECK_INT(s.n_blueprints, 2);
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 0), "blueprints/a.json");
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 1), "blueprints/b.json");
	if (s.n_blueprints == 2) {
		CHECK_STR(s.blueprints[0].data, "{\"v\":2}\n");
		CHECK_INT(s.blueprints[0].len, 8);
		CHECK_INT(s.blueprints[0].mode, 0644);
		check_blob(dir, &s.blueprints[0], "HEAD:blueprints/a.json");
		CHECK_STR(s.blueprints[1].data, "{\"b\":true}\n");
		check_blob(dir, &s.blueprints[1], "HEAD:blueprints/b.json");
	}
	CHECK(s.config != NULL);
	if (s.config) {
		CHECK_STR(s.config->path, "appgen.json");
		CHECK_STR(s.config->data, "{\"targets\":[\"db\"]}\n");
		check_blob(dir, s.config, "HEAD:appgen.json");
	}
	CHECK_INT(s.n_overrides, 4);
	CHECK_STR(path_at(s.overrides, s.n_overrides, 0), ".appgen/a.b");
	CHECK_STR(path_at(s.overrides, s.n_overrides, 1), ".appgen/a/x");
	CHECK_STR(path_at(s.overrides, s.n_overrides, 2), ".appgen/emitters/db.lua");
	CHECK_STR(path_at(s.overrides, s.n_overrides, 3), ".appgen/templates/backend/main.py.tpl");
	if (s.n_overrides == 4) {
		CHECK_INT(s.overrides[2].mode, 0755);
		CHECK_INT(s.overrides[3].mode, 0644);
		CHECK_STR(s.overrides[3].data, "print('hi')\n");
		check_blob(dir, &s.overrides[3], "HEAD:.appgen/templates/backend/main.py.tpl");
	}
	ag_snapshot_dispose(&s);
	CHECK(s.blueprints == NULL && s.summary == NULL && s.config == NULL);

	/* HEAD~1 */
	CHECK_INT(ag_repo_snapshot(&s, r, "HEAD~1"), 0);
	sh_out(&want, dir, "git rev-parse HEAD~1");
	CHECK_STR(s.commit, want.ptr);
	CHECK_STR(s.summary, "first commit");
	CHECK_INT(s.time, 1700000000);
	CHECK_INT(s.tz_offset, 90);
	CHECK_INT(s.n_blueprints, 1);
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 0), "blueprints/a.json");
	if (s.n_blueprints == 1) {
		CHECK_STR(s.blueprints[0].data, "{\"v\":1}\n");
		check_blob(dir, &s.blueprints[0], "HEAD~1:blueprints/a.json");
	}
	CHECK_INT(s.n_overrides, 4);
	ag_snapshot_dispose(&s);

	/* A full commit id and a branch name are revisions too. */
	CHECK_INT(ag_repo_snapshot(&s, r, want.ptr), 0);
	CHECK_STR(s.summary, "first commit");
	ag_snapshot_dispose(&s);
	CHECK_INT(ag_repo_snapshot(&s, r, "main"), 0);
	CHECK_STR(s.summary, "second");
	ag_snapshot_dispose(&s);
done:
	ag_repo_free(r);
	ag_buf_dispose(&want);
	rm_tmp(dir);
}

void test_repo_snapshot_errors(void)
{
	char dir[64], plain[64];
	ag_repo *r = NULL;
	ag_snapshot s;

	if (!make_tmp(dir) || !make_tmp(plain)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* An empty repository: no commits, whatever the revision. */
	CHECK(sh(dir, "git -c init.defaultBranch=main init -q") == 0);
	CHECK_INT(ag_repo_open(&r, dir), 0);
	if (r) {
		CHECK_INT(ag_repo_snapshot(&s, r, NULL), AG_ENOTFOUND);
		CHECK_STR(ag_error_last(), "the repository has no commits yet");
		CHECK(s.summary == NULL && s.n_blueprints == 0);
		ag_snapshot_dispose(&s);
		CHECK_INT(ag_repo_snapshot(&s, r, "main"), AG_ENOTFOUND);
		CHECK_STR(ag_error_last(), "the repository has no commits yet");
	}
	ag_repo_free(r);
	r = NULL;

	put(dir, "blueprints/a.json", "{}\n");
	CHECK(sh(dir, "git add -A && git commit -q -m one") == 0);
	CHECK_INT(ag_repo_open(&r, dir), 0);
	if (r) {
		CHECK_INT(ag_repo_snapshot(&s, r, "nope"), AG_ENOTFOUND);
		CHECK_STR(ag_error_last(), "unknown revision 'nope'");
		CHECK_INT(ag_repo_snapshot(&s, r, "HEAD~5"), AG_ENOTFOUND);
		CHECK(strstr(ag_error_last(), "unknown revision 'HEAD~5'") != NULL);
		CHECK_INT(ag_repo_snapshot(&s, r, "HEAD:blueprints"), AG_ENOTFOUND);
		CHECK_STR(ag_error_last(), "revision 'HEAD:blueprints' is a tree, not a commit");
		CHECK_INT(ag_repo_snapshot(&s, r, "HEAD"), 0);
		CHECK_INT(s.n_blueprints, 1);
		ag_snapshot_dispose(&s);
	}
	ag_repo_free(r);
	r = NULL;

	/* Not a repository at all. */
	CHECK_INT(ag_repo_open(&r, plain), AG_ENOTFOUND);
	CHECK(r == NULL);
	CHECK(strstr(ag_error_last(), "no Git repository at or above '/tmp/ag-repo-") != NULL);
	rm_tmp(dir);
	rm_tmp(plain);
}

void test_repo_open_subdir(void)
{
	char dir[64], real[PATH_MAX];
	ag_buf sub = AG_BUF_INIT, want = AG_BUF_INIT;
	ag_repo *r = NULL;
	ag_snapshot s;

	if (!make_tmp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	make_history(dir);
	ag_buf_printf(&sub, "%s/blueprints/sub", dir);
	CHECK_INT(ag_repo_open(&r, sub.ptr), 0);
	if (r) {
		CHECK(realpath(dir, real) != NULL);
		ag_buf_printf(&want, "%s/", real);
		CHECK_STR(ag_repo_workdir(r), want.ptr);
		CHECK_INT(ag_repo_snapshot(&s, r, NULL), 0);
		CHECK_INT(s.n_blueprints, 2);
		ag_snapshot_dispose(&s);
	}
	ag_repo_free(r);
	ag_buf_dispose(&sub);
	ag_buf_dispose(&want);
	rm_tmp(dir);
}

void test_repo_links_skipped(void)
{
	char dir[64];
	ag_repo *r = NULL;
	ag_snapshot s;

	if (!make_tmp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	CHECK(sh(dir, "git -c init.defaultBranch=main init -q") == 0);
	put(dir, "blueprints/a.json", "{}\n");
	put(dir, ".appgen/real.tpl", "real\n");
	put(dir, "secret.json", "{\"secret\":1}\n");
	put(dir, "outside/f.txt", "outside\n");
	CHECK(sh(dir, "git add -A && git commit -q -m one") == 0);
	/* Links to files and directories, and submodules (gitlinks), under every input path. */
	CHECK(sh(dir, "ln -s ../secret.json blueprints/link.json && ln -s ../secret.json .appgen/link.tpl && "
		      "ln -s ../outside .appgen/dirlink && ln -s secret.json appgen.json && "
		      "ln -s ../outside blueprints/dirlink.json && git add -A && "
		      "git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),blueprints/mod.json && "
		      "git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),.appgen/mod && "
		      "git commit -q -m links") == 0);

	CHECK_INT(ag_repo_open(&r, dir), 0);
	if (r) {
		CHECK_INT(ag_repo_snapshot(&s, r, NULL), 0);
		CHECK_STR(s.summary, "links");
		CHECK_INT(s.n_blueprints, 1);
		CHECK_STR(path_at(s.blueprints, s.n_blueprints, 0), "blueprints/a.json");
		CHECK_INT(s.n_overrides, 1);
		CHECK_STR(path_at(s.overrides, s.n_overrides, 0), ".appgen/real.tpl");
		CHECK(s.config == NULL);
		ag_snapshot_dispose(&s);
	}
	ag_repo_free(r);

	CHECK_INT(ag_snapshot_from_dir(&s, dir), 0);
	CHECK_INT(s.n_blueprints, 1);
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 0), "blueprints/a.json");
	CHECK_INT(s.n_overrides, 1);
	CHECK_STR(path_at(s.overrides, s.n_overrides, 0), ".appgen/real.tpl");
	CHECK(s.config == NULL);
	ag_snapshot_dispose(&s);

	/* A blueprints/ that is itself a link is not followed either. */
	CHECK(sh(dir, "mv blueprints bp && ln -s bp blueprints && mv .appgen ag && ln -s ag .appgen") == 0);
	CHECK_INT(ag_snapshot_from_dir(&s, dir), 0);
	CHECK_INT(s.n_blueprints, 0);
	CHECK_INT(s.n_overrides, 0);
	ag_snapshot_dispose(&s);
	rm_tmp(dir);
}

void test_repo_snapshot_from_dir(void)
{
	char dir[64], plain[64];
	ag_buf want = AG_BUF_INIT;
	ag_snapshot s;

	if (!make_tmp(dir) || !make_tmp(plain)) {
		CHECK(!"mkdtemp");
		return;
	}
	make_history(dir);
	/* Uncommitted: a changed, an untracked, and a changed override. */
	put(dir, "blueprints/a.json", "{\"v\":3}\n");
	put(dir, "blueprints/c.json", "{\"c\":1}\n");
	put(dir, ".appgen/templates/backend/main.py.tpl", "print('changed')\n");

	CHECK_INT(ag_snapshot_from_dir(&s, dir), 0);
	CHECK_STR(s.commit, "worktree");
	CHECK_STR(s.summary, "");
	CHECK_INT(s.time, 0);
	CHECK_INT(s.tz_offset, 0);
	CHECK_INT(s.n_blueprints, 3);
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 0), "blueprints/a.json");
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 1), "blueprints/b.json");
	CHECK_STR(path_at(s.blueprints, s.n_blueprints, 2), "blueprints/c.json");
	if (s.n_blueprints == 3) {
		CHECK_STR(s.blueprints[0].data, "{\"v\":3}\n");
		CHECK_INT(s.blueprints[0].len, 8);
		CHECK_INT(s.blueprints[0].mode, 0644);
		for (size_t i = 0; i < 3; i++) {
			sh_out(&want, dir, "git hash-object '%s'", s.blueprints[i].path);
			CHECK_STR(s.blueprints[i].blob, want.ptr);
		}
		/* b.json is unchanged: the same id as in the commit. */
		check_blob(dir, &s.blueprints[1], "HEAD:blueprints/b.json");
	}
	CHECK(s.config != NULL);
	if (s.config) {
		CHECK_STR(s.config->path, "appgen.json");
		check_blob(dir, s.config, "HEAD:appgen.json");
	}
	CHECK_INT(s.n_overrides, 4);
	CHECK_STR(path_at(s.overrides, s.n_overrides, 0), ".appgen/a.b");
	CHECK_STR(path_at(s.overrides, s.n_overrides, 1), ".appgen/a/x");
	CHECK_STR(path_at(s.overrides, s.n_overrides, 2), ".appgen/emitters/db.lua");
	CHECK_STR(path_at(s.overrides, s.n_overrides, 3), ".appgen/templates/backend/main.py.tpl");
	if (s.n_overrides == 4) {
		CHECK_INT(s.overrides[2].mode, 0755);
		CHECK_STR(s.overrides[3].data, "print('changed')\n");
		sh_out(&want, dir, "git hash-object '%s'", s.overrides[3].path);
		CHECK_STR(s.overrides[3].blob, want.ptr);
	}
	ag_snapshot_dispose(&s);

	/* Not a repository, no blueprints/: an empty snapshot, not an error. */
	CHECK_INT(ag_snapshot_from_dir(&s, plain), 0);
	CHECK_STR(s.commit, "worktree");
	CHECK_INT(s.n_blueprints, 0);
	CHECK_INT(s.n_overrides, 0);
	CHECK(s.config == NULL);
	ag_snapshot_dispose(&s);
	/* An empty file has the empty blob's id. */
	put(plain, "appgen.json", "");
	CHECK_INT(ag_snapshot_from_dir(&s, plain), 0);
	CHECK(s.config != NULL);
	if (s.config) {
		CHECK_STR(s.config->data, "");
		CHECK_INT(s.config->len, 0);
		CHECK_STR(s.config->blob, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
	}
	ag_snapshot_dispose(&s);
	ag_buf_dispose(&want);
	rm_tmp(dir);
	rm_tmp(plain);
}

void test_repo_large_files(void)
{
	char dir[64];
	ag_repo *r = NULL;
	ag_snapshot s;

	if (!make_tmp(dir)) {
		CHECK(!"mkdtemp");
		return;
	}
	/* 64 MiB + 1 of zeros: a tiny object on disk, but more than a snapshot loads. */
	CHECK(sh(dir, "git -c init.defaultBranch=main init -q && "
		      "head -c 67108865 /dev/zero > big && "
		      "git update-index --add --cacheinfo 100644,$(git hash-object -w big),.appgen/big.bin && "
		      "rm big && git commit -q -m big") == 0);
	CHECK_INT(ag_repo_open(&r, dir), 0);
	if (r) {
		CHECK_INT(ag_repo_snapshot(&s, r, NULL), AG_EINVALID);
		CHECK(strstr(ag_error_last(), "'.appgen/big.bin' is 67108865 bytes") != NULL);
		CHECK(s.summary == NULL && s.n_overrides == 0);
		ag_snapshot_dispose(&s);
	}
	ag_repo_free(r);

	CHECK(sh(dir, "mkdir -p blueprints && truncate -s 67108865 blueprints/big.json") == 0);
	CHECK_INT(ag_snapshot_from_dir(&s, dir), AG_EINVALID);
	CHECK(strstr(ag_error_last(), "'blueprints/big.json' is 67108865 bytes") != NULL);
	ag_snapshot_dispose(&s);
	rm_tmp(dir);
}
