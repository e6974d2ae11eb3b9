/* test_write.c - atomic tree writes: swap, no rewrite of identical files,
 * explicit modes, crash leftovers. */
#include "test.h"
#include "appgen/buf.h"
#include "appgen/write.h"
#include <sys/stat.h>
#include <unistd.h>

void test_write_tree(void);
void test_write_file(void);
void test_files_paths(void);

static ino_t inode(const char *dir, const char *name)
{
	ag_buf p = AG_BUF_INIT;
	struct stat st;
	ino_t ino = 0;

	ag_buf_printf(&p, "%s/%s", dir, name);
	if (lstat(p.ptr, &st) == 0)
		ino = st.st_ino;
	ag_buf_dispose(&p);
	return ino;
}

static unsigned mode_of(const char *dir, const char *name)
{
	ag_buf p = AG_BUF_INIT;
	struct stat st;
	unsigned m = 0;

	ag_buf_printf(&p, "%s/%s", dir, name);
	if (lstat(p.ptr, &st) == 0)
		m = st.st_mode & 07777;
	ag_buf_dispose(&p);
	return m;
}

void test_write_tree(void)
{
	char tmpl[] = "/tmp/ag-write-XXXXXX";
	char *root = mkdtemp(tmpl);
	ag_buf dir = AG_BUF_INIT, stale = AG_BUF_INIT;
	ag_files f;
	ag_write_stats st;
	ino_t a1, b1;
	mode_t old_umask;

	CHECK(root != NULL);
	if (!root)
		return;
	ag_buf_printf(&dir, "%s/out/apps/crm", root);
	ag_files_init(&f);
	CHECK_INT(ag_files_add(&f, "README.md", "hello\n", 6, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(&f, "backend/app/main.py", "x = 1\n", 6, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(&f, "run.sh", "#!/bin/sh\n", 10, 0755, "t", false), 0);

	old_umask = umask(077); /* outputs must not depend on it */
	CHECK_INT(ag_write_tree(dir.ptr, &f, &st), 0);
	umask(old_umask);
	CHECK(st.changed);
	CHECK_INT(st.written, 3);
	CHECK_INT(mode_of(dir.ptr, "README.md"), 0644);
	CHECK_INT(mode_of(dir.ptr, "run.sh"), 0755);
	CHECK_INT(mode_of(dir.ptr, "backend"), 0755);
	a1 = inode(dir.ptr, "README.md");
	b1 = inode(dir.ptr, "backend/app/main.py");

	/* Same files again: nothing is touched. */
	CHECK_INT(ag_write_tree(dir.ptr, &f, &st), 0);
	CHECK(!st.changed);
	CHECK_INT(st.kept, 3);
	CHECK(inode(dir.ptr, "README.md") == a1);

	/* One file changes, one disappears: the rest is linked, not rewritten. */
	ag_files_dispose(&f);
	ag_files_init(&f);
	CHECK_INT(ag_files_add(&f, "README.md", "hello\n", 6, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(&f, "backend/app/main.py", "x = 2\n", 6, 0644, "t", false), 0);
	/* A crashed run left a staging directory behind. */
	ag_buf_printf(&stale, "%s/out/apps/.crm.new", root);
	CHECK_INT(ag_write_mkdirs(stale.ptr), 0);
	CHECK_INT(ag_write_tree(dir.ptr, &f, &st), 0);
	CHECK(st.changed);
	CHECK_INT(st.written, 1);
	CHECK_INT(st.kept, 1);
	CHECK_INT(st.removed, 1);
	CHECK(inode(dir.ptr, "README.md") == a1);
	CHECK(inode(dir.ptr, "backend/app/main.py") != b1);
	CHECK(inode(dir.ptr, "run.sh") == 0);
	CHECK(access(stale.ptr, F_OK) != 0);

	ag_files_dispose(&f);
	ag_write_rmtree(root);
	CHECK(access(root, F_OK) != 0);
	ag_buf_dispose(&dir);
	ag_buf_dispose(&stale);
}

void test_write_file(void)
{
	char tmpl[] = "/tmp/ag-wfile-XXXXXX";
	char *root = mkdtemp(tmpl);
	ag_buf p = AG_BUF_INIT;
	bool changed = false;
	ino_t i1;

	if (!root)
		return;
	ag_buf_printf(&p, "%s/build.json", root);
	CHECK_INT(ag_write_file(p.ptr, "{}\n", 3, 0644, &changed), 0);
	CHECK(changed);
	i1 = inode(root, "build.json");
	CHECK_INT(ag_write_file(p.ptr, "{}\n", 3, 0644, &changed), 0);
	CHECK(!changed);
	CHECK(inode(root, "build.json") == i1);
	CHECK_INT(ag_write_file(p.ptr, "[]\n", 3, 0644, &changed), 0);
	CHECK(changed);
	ag_write_rmtree(root);
	ag_buf_dispose(&p);
}

void test_files_paths(void)
{
	ag_files f;

	CHECK(ag_files_path_ok("a/b.txt"));
	CHECK(!ag_files_path_ok("../x"));
	CHECK(!ag_files_path_ok("a/../x"));
	CHECK(!ag_files_path_ok("/etc/passwd"));
	CHECK(!ag_files_path_ok("a//b"));
	CHECK(!ag_files_path_ok("a/./b"));
	CHECK(!ag_files_path_ok(""));
	CHECK(!ag_files_path_ok("a/"));
	/* UTF-8 names are fine; bytes that are not UTF-8 are not */
	CHECK(ag_files_path_ok("docs/caf\xc3\xa9.md"));
	CHECK(!ag_files_path_ok("docs/caf\xe9.md"));
	CHECK(!ag_files_path_ok("a/\xc0\xaf"));       /* overlong '/' */
	CHECK(!ag_files_path_ok("a/\xed\xa0\x80")); /* a surrogate */
	ag_files_init(&f);
	CHECK_INT(ag_files_add(&f, "b", "1", 1, 0644, "e1", false), 0);
	CHECK_INT(ag_files_add(&f, "a", "2", 1, 0644, "e1", false), 0);
	CHECK_INT(ag_files_add(&f, "b", "3", 1, 0644, "e2", false), AG_EINVALID);
	CHECK_INT(ag_files_add(&f, "b", "3", 1, 0644, "e2", true), 0);
	CHECK_STR(f.items[0].path, "a");
	CHECK_STR(ag_files_get(&f, "b")->data, "3");
	CHECK_INT(ag_strlist_add(&f.env, "SECRET_KEY"), 0);
	CHECK_INT(ag_strlist_add(&f.env, "DATABASE_URL"), 0);
	CHECK_INT(ag_strlist_add(&f.env, "SECRET_KEY"), 0);
	CHECK_INT(f.env.count, 2);
	CHECK_STR(f.env.items[0], "DATABASE_URL");
	ag_files_dispose(&f);
}
