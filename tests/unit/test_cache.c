/* test_cache.c - the build cache: records, reasons, the file on disk. */
#include "appgen/buf.h"
#include "appgen/cache.h"
#include "appgen/fs.h"
#include "appgen/write.h"
#include "test.h"
#include <sys/stat.h>
#include <unistd.h>

void test_cache_records(void);
void test_cache_why(void);
void test_cache_file(void);

static const ag_cache_inputs base = { "ag1", "ov1", "cfg1", "blob1", "hist1" };

void test_cache_records(void)
{
	ag_cache c;

	memset(&c, 0, sizeof(c));
	CHECK_INT(ag_cache_put(&c, "zeta", &base, &(ag_cache_built){ "zeta", "s_zeta", 1, 10, 100, NULL }), 0);
	CHECK_INT(ag_cache_put(&c, "alpha", &base, &(ag_cache_built){ "alpha", "s_alpha", 2, 20, 200, NULL }), 0);
	CHECK_INT(ag_cache_put(&c, "mid", &base, &(ag_cache_built){ "mid", "s_mid", 3, 30, 300, NULL }), 0);
	CHECK_INT(c.count, 3);
	/* kept sorted by slug */
	CHECK_STR(c.apps[0].slug, "alpha");
	CHECK_STR(c.apps[1].slug, "mid");
	CHECK_STR(c.apps[2].slug, "zeta");
	/* replacing keeps one record */
	CHECK_INT(ag_cache_put(&c, "mid", &(ag_cache_inputs){ "ag2", "ov1", "", "b", "h" }, &(ag_cache_built){ "mid", "s_mid", 4, 1, 2, NULL }), 0);
	CHECK_INT(c.count, 3);
	CHECK_STR(ag_cache_get(&c, "mid")->appgen, "ag2");
	CHECK_STR(ag_cache_get(&c, "mid")->config, "");
	CHECK_INT(ag_cache_get(&c, "mid")->version, 4);
	ag_cache_remove(&c, "alpha");
	ag_cache_remove(&c, "nope");
	CHECK_INT(c.count, 2);
	CHECK(ag_cache_get(&c, "alpha") == NULL);
	CHECK_STR(c.apps[0].slug, "mid");
	ag_cache_dispose(&c);
	CHECK_INT(c.count, 0);
}

void test_cache_why(void)
{
	char tmpl[] = "/tmp/ag-cache-XXXXXX";
	char *root = mkdtemp(tmpl);
	ag_buf dir = AG_BUF_INIT;
	ag_cache c;
	ag_cache_inputs now = base;

	CHECK(root != NULL);
	if (!root)
		return;
	memset(&c, 0, sizeof(c));
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "not built before");
	CHECK_INT(ag_cache_put(&c, "crm", &base, &(ag_cache_built){ "crm", "s_crm", 1, 1, 1, NULL }), 0);
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "output missing");
	ag_buf_printf(&dir, "%s/apps/crm", root);
	CHECK_INT(ag_write_mkdirs(dir.ptr), 0);
	CHECK(ag_cache_why(&c, root, "crm", &now) == NULL);
	now.blueprint = "blob2";
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "blueprint changed");
	now = base;
	now.history = "hist2";
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "version history changed");
	now = base;
	now.emitters = "ov2";
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "emitters or templates changed");
	now = base;
	now.config = NULL; /* no appgen.json is "" */
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "appgen.json changed");
	now = base;
	now.appgen = "ag2";
	CHECK_STR(ag_cache_why(&c, root, "crm", &now), "appgen changed");
	ag_cache_dispose(&c);
	rmdir(dir.ptr);
	ag_buf_clear(&dir);
	ag_buf_printf(&dir, "%s/apps", root);
	rmdir(dir.ptr);
	rmdir(root);
	ag_buf_dispose(&dir);
}

void test_cache_file(void)
{
	char tmpl[] = "/tmp/ag-cache-XXXXXX";
	char *root = mkdtemp(tmpl);
	ag_buf path = AG_BUF_INIT, text = AG_BUF_INIT;
	ag_cache c, d;
	size_t size;
	struct stat st1, st2;

	CHECK(root != NULL);
	if (!root)
		return;
	/* no file yet: an empty cache, not an error */
	CHECK_INT(ag_cache_load(&c, root), 0);
	CHECK_INT(c.count, 0);
	CHECK_INT(ag_cache_put(&c, "b-app", &base, &(ag_cache_built){ "b-app", "s_b_app", 7, 53, 714114, NULL }), 0);
	CHECK_INT(ag_cache_put(&c, "a-app", &(ag_cache_inputs){ "x", "y", NULL, "z", "w" }, &(ag_cache_built){ "a-app", "s_a_app", 1, 2, 3, NULL }), 0);
	CHECK_INT(ag_cache_save(&c, root), 0);
	CHECK_INT(ag_cache_load(&d, root), 0);
	CHECK_INT(d.count, 2);
	CHECK_STR(d.apps[0].slug, "a-app");
	CHECK_STR(d.apps[0].config, "");
	CHECK_STR(d.apps[1].history, "hist1");
	CHECK_STR(d.apps[1].slug, "b-app");
	CHECK_STR(d.apps[1].db_schema, "s_b_app");
	CHECK_INT(d.apps[1].version, 7);
	CHECK_INT(d.apps[1].files, 53);
	CHECK_INT(d.apps[1].bytes, 714114);
	ag_cache_dispose(&d);

	/* the same records are not rewritten */
	ag_buf_printf(&path, "%s/.appgen/cache.json", root);
	CHECK_INT(stat(path.ptr, &st1), 0);
	CHECK_INT(ag_cache_save(&c, root), 0);
	CHECK_INT(stat(path.ptr, &st2), 0);
	CHECK_INT(st1.st_ino, st2.st_ino);
	CHECK_INT(ag_fs_read(&text, path.ptr, 1 << 20, &size), 0);
	CHECK(text.ptr && strstr(text.ptr, "\"b-app\"") != NULL);

	/* a damaged or foreign file is an empty cache */
	CHECK_INT(ag_fs_write_atomic(path.ptr, "{\"format\": 1, \"apps\": {\"x\": {\"appgen\": 1}}}", 44, 0644), 0);
	CHECK_INT(ag_cache_load(&d, root), 0);
	CHECK_INT(d.count, 0);
	ag_cache_dispose(&d);
	CHECK_INT(ag_fs_write_atomic(path.ptr, "not json", 8, 0644), 0);
	CHECK_INT(ag_cache_load(&d, root), 0);
	CHECK_INT(d.count, 0);
	ag_cache_dispose(&d);
	CHECK_INT(ag_fs_write_atomic(path.ptr, "{\"format\": 2, \"apps\": {}}", 25, 0644), 0);
	CHECK_INT(ag_cache_load(&d, root), 0);
	CHECK_INT(d.count, 0);
	ag_cache_dispose(&d);

	ag_cache_dispose(&c);
	unlink(path.ptr);
	ag_buf_clear(&path);
	ag_buf_printf(&path, "%s/.appgen", root);
	rmdir(path.ptr);
	rmdir(root);
	ag_buf_dispose(&path);
	ag_buf_dispose(&text);
}
