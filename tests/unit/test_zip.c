/* test_zip.c - deterministic zips: bytes, entries, attributes, safety. */
#include "appgen/buf.h"
#include "appgen/zip.h"
#include "test.h"
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

void test_zip_entries(void);
void test_zip_deterministic(void);
void test_zip_unsafe(void);

static void sample(ag_files *f)
{
	ag_files_init(f);
	CHECK_INT(ag_files_add(f, "README.md", "# hi\n", 5, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "db/migrate.sh", "#!/bin/sh\n", 10, 0755, "t", false), 0);
	CHECK_INT(ag_files_add(f, "backend/app/main.py", "x = 1\n", 6, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "empty.txt", "", 0, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "docs/caf\xc3\xa9.md", "\xc3\xa9\n", 3, 0644, "t", false), 0);
}

void test_zip_entries(void)
{
	ag_files f;
	ag_buf z = AG_BUF_INIT;
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	static const char *const names[] = { "crm-v1/README.md", "crm-v1/backend/app/main.py",
		"crm-v1/db/migrate.sh", "crm-v1/docs/caf\xc3\xa9.md", "crm-v1/empty.txt" };

	sample(&f);
	CHECK_INT(ag_zip_build(&z, &f, "crm-v1"), 0);
	zip_error_init(&ze);
	src = zip_source_buffer_create(z.ptr, z.len, 0, &ze);
	za = src ? zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze) : NULL;
	CHECK(za != NULL);
	if (za) {
		CHECK_INT(zip_get_num_entries(za, 0), 5);
		for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0) && i < 5; i++) {
			zip_stat_t st;
			zip_uint8_t os;
			zip_uint32_t attr;
			char buf[32];
			zip_file_t *zf;
			zip_int64_t n;
			CHECK_STR(zip_get_name(za, (zip_uint64_t)i, 0), names[i]);
			CHECK_INT(zip_stat_index(za, (zip_uint64_t)i, 0, &st), 0);
			CHECK_INT(st.comp_method, ZIP_CM_DEFLATE);
			CHECK_INT(zip_file_get_external_attributes(za, (zip_uint64_t)i, 0, &os, &attr), 0);
			CHECK_INT(os, ZIP_OPSYS_UNIX);
			CHECK_INT(attr >> 16, strstr(names[i], ".sh") ? 0100755 : 0100644);
			CHECK_INT(zip_file_extra_fields_count(za, (zip_uint64_t)i, ZIP_FL_CENTRAL | ZIP_FL_LOCAL), 0);
			zf = zip_fopen_index(za, (zip_uint64_t)i, 0);
			n = zf ? zip_fread(zf, buf, sizeof(buf)) : -1;
			CHECK_INT(n, (zip_int64_t)st.size);
			if (zf)
				zip_fclose(zf);
		}
		{
			int clen = -1;
			zip_get_archive_comment(za, &clen, 0);
			CHECK_INT(clen, 0);
		}
		/* every local and central header: DOS time 00:00:00, date 1980-01-01 */
		{
			int headers = 0;
			for (size_t k = 0; k + 16 < z.len; k++) {
				const unsigned char *h = (const unsigned char *)z.ptr + k;
				size_t at = 0;
				if (!memcmp(h, "PK\3\4", 4))
					at = 10;
				else if (!memcmp(h, "PK\1\2", 4))
					at = 12;
				if (!at)
					continue;
				headers++;
				CHECK_INT(h[at] | h[at + 1] << 8, 0);
				CHECK_INT(h[at + 2] | h[at + 3] << 8, 0x21);
			}
			CHECK_INT(headers, 10);
		}
		zip_discard(za);
	} else if (src) {
		zip_source_free(src);
	}
	zip_error_fini(&ze);
	ag_buf_dispose(&z);
	ag_files_dispose(&f);
}

static bool read_all(ag_buf *b, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	if (!fp)
		return false;
	while ((n = fread(chunk, 1, sizeof(chunk), fp)) > 0)
		ag_buf_put(b, chunk, n);
	fclose(fp);
	return !ag_buf_oom(b);
}

void test_zip_deterministic(void)
{
	char tmpl[] = "/tmp/ag-zip-XXXXXX";
	char *root = mkdtemp(tmpl);
	ag_buf p1 = AG_BUF_INIT, p2 = AG_BUF_INIT, a = AG_BUF_INIT, b = AG_BUF_INIT;
	ag_files f;
	bool changed = false;
	struct stat s1, s2;
	const char *tz = getenv("TZ");
	char *saved_tz = tz ? strdup(tz) : NULL;
	mode_t old_umask;

	CHECK(root != NULL);
	if (!root)
		return;
	sample(&f);
	ag_buf_printf(&p1, "%s/one/dist/crm-v1.zip", root);
	ag_buf_printf(&p2, "%s/two/crm-v1.zip", root);
	CHECK_INT(ag_zip_write(p1.ptr, &f, "crm-v1", &changed), 0);
	CHECK(changed);
	setenv("TZ", "Pacific/Kiritimati", 1);
	tzset();
	old_umask = umask(077);
	CHECK_INT(ag_zip_write(p2.ptr, &f, "crm-v1", &changed), 0);
	umask(old_umask);
	if (saved_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	CHECK(read_all(&a, p1.ptr) && read_all(&b, p2.ptr));
	CHECK(a.len > 0 && a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
	CHECK_INT(stat(p2.ptr, &s2), 0);
	CHECK_INT(s2.st_mode & 0777, 0644);

	/* the same archive again: not rewritten */
	CHECK_INT(stat(p1.ptr, &s1), 0);
	CHECK_INT(ag_zip_write(p1.ptr, &f, "crm-v1", &changed), 0);
	CHECK(!changed);
	CHECK_INT(stat(p1.ptr, &s2), 0);
	CHECK_INT(s1.st_ino, s2.st_ino);
	/* a changed tree is */
	CHECK_INT(ag_files_add(&f, "README.md", "# changed\n", 10, 0644, "t", true), 0);
	CHECK_INT(ag_zip_write(p1.ptr, &f, "crm-v1", &changed), 0);
	CHECK(changed);

	unlink(p1.ptr);
	unlink(p2.ptr);
	ag_buf_clear(&a);
	ag_buf_printf(&a, "rm -rf '%s'", root);
	CHECK_INT(system(a.ptr), 0);
	free(saved_tz);
	ag_buf_dispose(&p1);
	ag_buf_dispose(&p2);
	ag_buf_dispose(&a);
	ag_buf_dispose(&b);
	ag_files_dispose(&f);
}

void test_zip_unsafe(void)
{
	ag_files f;
	ag_buf z = AG_BUF_INIT;

	sample(&f);
	CHECK_INT(ag_zip_build(&z, &f, "../up"), AG_EINVALID);
	CHECK_INT(ag_zip_build(&z, &f, "a/b"), AG_EINVALID);
	CHECK_INT(ag_zip_build(&z, &f, ""), AG_EINVALID);
	CHECK_INT(ag_zip_build(&z, &f, ".."), AG_EINVALID);
	CHECK_INT(ag_zip_build(&z, &f, NULL), AG_EINVALID);
	CHECK_INT(z.len, 0);
	ag_files_dispose(&f);
	/* ag_files refuses escaping paths before they reach a zip */
	ag_files_init(&f);
	CHECK(ag_files_add(&f, "../x", "", 0, 0644, "t", false) < 0);
	CHECK(ag_files_add(&f, "/etc/x", "", 0, 0644, "t", false) < 0);
	CHECK(ag_files_add(&f, "a/../../x", "", 0, 0644, "t", false) < 0);
	CHECK_INT(ag_files_add(&f, "a\\..\\x", "", 0, 0644, "t", false) < 0 ? 0 : 1, 0 + (ag_files_path_ok("a\\..\\x") ? 1 : 0));
	if (f.count == 1)
		CHECK_INT(ag_zip_build(&z, &f, "root"), AG_EINVALID); /* a backslash path never enters a zip */
	ag_files_dispose(&f);
	ag_buf_dispose(&z);
}
