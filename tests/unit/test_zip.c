/* test_zip.c - deterministic zips: bytes, entries, attributes, safety,
 * reading back. */
#include "appgen/buf.h"
#include "appgen/write.h"
#include "appgen/zip.h"
#include "test.h"
#include <sys/stat.h>
#include <unistd.h>
#include <zip.h>

void test_zip_entries(void);
void test_zip_deterministic(void);
void test_zip_unsafe(void);
void test_zip_roundtrip(void);
void test_zip_read_unsafe(void);

static void sample(ag_files *f)
{
	ag_files_init(f);
	CHECK_INT(ag_files_add(f, "README.md", "# hi\n", 5, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "db/migrate.sh", "#!/bin/sh\n", 10, 0755, "t", false), 0);
	CHECK_INT(ag_files_add(f, "backend/app/main.py", "x = 1\n", 6, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "empty.txt", "", 0, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "docs/caf\xc3\xa9.md", "\xc3\xa9\n", 3, 0644, "t", false), 0);
	CHECK_INT(ag_files_add(f, "Z.txt", "upper case sorts first\n", 23, 0644, "t", false), 0);
}

/* An archive in memory opened read-only with libzip, or NULL. */
static zip_t *open_buf(const ag_buf *z)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za = NULL;

	zip_error_init(&ze);
	if ((src = zip_source_buffer_create(z->ptr, z->len, 0, &ze)) &&
		!(za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze)))
		zip_source_free(src);
	zip_error_fini(&ze);
	return za;
}

void test_zip_entries(void)
{
	ag_files f;
	ag_buf z = AG_BUF_INIT;
	zip_t *za;
	int headers = 0;
	static const char *const names[] = { "crm-v1/README.md", "crm-v1/Z.txt",
		"crm-v1/backend/app/main.py", "crm-v1/db/migrate.sh", "crm-v1/docs/caf\xc3\xa9.md",
		"crm-v1/empty.txt" };

	sample(&f);
	CHECK_INT(ag_zip_build(&z, &f, "crm-v1"), 0);
	CHECK(za = open_buf(&z));
	if (za) {
		CHECK_INT(zip_get_num_entries(za, 0), AG_ARRAY_SIZE(names));
		for (zip_uint64_t i = 0; i < (zip_uint64_t)zip_get_num_entries(za, 0) && i < AG_ARRAY_SIZE(names); i++) {
			const ag_file *want = ag_files_get(&f, names[i] + strlen("crm-v1/"));
			zip_stat_t st;
			zip_uint8_t os;
			zip_uint32_t attr;
			char buf[64];
			zip_file_t *zf;
			zip_int64_t n;

			CHECK_STR(zip_get_name(za, i, 0), names[i]);
			CHECK(want != NULL);
			if (!want)
				continue;
			CHECK_INT(zip_stat_index(za, i, 0, &st), 0);
			CHECK_INT(st.comp_method, ZIP_CM_DEFLATE);
			CHECK_INT(st.size, want->len);
			CHECK_INT(zip_file_get_external_attributes(za, i, 0, &os, &attr), 0);
			CHECK_INT(os, ZIP_OPSYS_UNIX);
			CHECK_INT(attr >> 16, 0100000 | want->mode);
			CHECK_INT(attr & 0xffff, 0);
			CHECK_INT(zip_file_extra_fields_count(za, i, ZIP_FL_CENTRAL | ZIP_FL_LOCAL), 0);
			CHECK(zip_file_get_comment(za, i, NULL, 0) == NULL ||
				!*zip_file_get_comment(za, i, NULL, 0));
			zf = zip_fopen_index(za, i, 0);
			n = zf ? zip_fread(zf, buf, sizeof(buf)) : -1;
			CHECK_INT(n, (zip_int64_t)want->len);
			CHECK(n >= 0 && memcmp(buf, want->data, want->len) == 0);
			if (zf)
				zip_fclose(zf);
		}
		{
			int clen = -1;
			zip_get_archive_comment(za, &clen, 0);
			CHECK_INT(clen, 0);
		}
		zip_discard(za);
	}
	/* every local and central header: DOS time 00:00:00, date 1980-01-01,
	 * and no extra field (the length right after the name length) */
	for (size_t k = 0; k + 46 < z.len; k++) {
		const unsigned char *h = (const unsigned char *)z.ptr + k;
		size_t at = 0, extra = 0;
		if (!memcmp(h, "PK\3\4", 4))
			at = 10, extra = 28;
		else if (!memcmp(h, "PK\1\2", 4))
			at = 12, extra = 30;
		if (!at)
			continue;
		headers++;
		CHECK_INT(h[at] | h[at + 1] << 8, 0);
		CHECK_INT(h[at + 2] | h[at + 3] << 8, 0x21);
		CHECK_INT(h[extra] | h[extra + 1] << 8, 0);
	}
	CHECK_INT(headers, 2 * AG_ARRAY_SIZE(names));
	ag_buf_dispose(&z);
	ag_files_dispose(&f);
}

static bool read_all(ag_buf *b, const char *path)
{
	FILE *fp = fopen(path, "rb");
	char chunk[4096];
	size_t n;

	ag_buf_clear(b);
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
	ag_buf p1 = AG_BUF_INIT, p2 = AG_BUF_INIT, p3 = AG_BUF_INIT, a = AG_BUF_INIT, b = AG_BUF_INIT;
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
	ag_buf_printf(&p3, "%s/three/crm-v1.zip", root);
	CHECK_INT(ag_zip_write(p1.ptr, &f, "crm-v1", &changed), 0);
	CHECK(changed);

	/* another time zone and umask: the same bytes, the same mode */
	setenv("TZ", "Pacific/Kiritimati", 1);
	tzset();
	old_umask = umask(077);
	CHECK_INT(ag_zip_write(p2.ptr, &f, "crm-v1", &changed), 0);
	setenv("TZ", "America/St_Johns", 1);
	tzset();
	umask(0);
	CHECK_INT(ag_zip_write(p3.ptr, &f, "crm-v1", &changed), 0);
	umask(old_umask);
	if (saved_tz)
		setenv("TZ", saved_tz, 1);
	else
		unsetenv("TZ");
	tzset();
	CHECK(read_all(&a, p1.ptr) && read_all(&b, p2.ptr));
	CHECK(a.len > 0 && a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
	CHECK(read_all(&b, p3.ptr));
	CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);
	CHECK_INT(stat(p2.ptr, &s2), 0);
	CHECK_INT(s2.st_mode & 07777, 0644);
	CHECK_INT(stat(p3.ptr, &s2), 0);
	CHECK_INT(s2.st_mode & 07777, 0644);
	/* and what was written is what ag_zip_build makes */
	ag_buf_clear(&b);
	CHECK_INT(ag_zip_build(&b, &f, "crm-v1"), 0);
	CHECK(a.len == b.len && memcmp(a.ptr, b.ptr, a.len) == 0);

	/* the same archive again: not rewritten */
	CHECK_INT(stat(p1.ptr, &s1), 0);
	CHECK_INT(ag_zip_write(p1.ptr, &f, "crm-v1", &changed), 0);
	CHECK(!changed);
	CHECK_INT(stat(p1.ptr, &s2), 0);
	CHECK_INT(s1.st_ino, s2.st_ino);
	/* a changed tree is, in place of the old one */
	CHECK_INT(ag_files_add(&f, "README.md", "# changed\n", 10, 0644, "t", true), 0);
	CHECK_INT(ag_zip_write(p1.ptr, &f, "crm-v1", &changed), 0);
	CHECK(changed);
	CHECK(read_all(&b, p1.ptr));
	CHECK(a.len != b.len || memcmp(a.ptr, b.ptr, a.len) != 0);
	/* no temporary file is left beside it */
	ag_buf_clear(&a);
	ag_buf_printf(&a, "%s/one/dist", root);
	{
		ag_files left;
		ag_files_init(&left);
		CHECK_INT(ag_files_load_dir(&left, a.ptr), 0);
		CHECK_INT(left.count, 1);
		ag_files_dispose(&left);
	}
	/* a bad root writes nothing */
	ag_buf_clear(&a);
	ag_buf_printf(&a, "%s/four/x.zip", root);
	changed = true;
	CHECK_INT(ag_zip_write(a.ptr, &f, "../x", &changed), AG_EINVALID);
	CHECK(!changed);
	CHECK(stat(a.ptr, &s2) < 0);

	ag_write_rmtree(root);
	free(saved_tz);
	ag_buf_dispose(&p1);
	ag_buf_dispose(&p2);
	ag_buf_dispose(&p3);
	ag_buf_dispose(&a);
	ag_buf_dispose(&b);
	ag_files_dispose(&f);
}

/* One-file set that bypasses ag_files_add's checks, as a buggy caller might build. */
static int build_unchecked(ag_buf *z, const char *path)
{
	ag_file item = { (char *)path, (char *)"x", 1, 0644, (char *)"t" };
	ag_files f;

	memset(&f, 0, sizeof(f));
	f.items = &item;
	f.count = f.cap = 1;
	return ag_zip_build(z, &f, "root");
}

void test_zip_unsafe(void)
{
	ag_files f;
	ag_buf z = AG_BUF_INIT;
	static const char *const roots[] = { "../up", "a/b", "", "..", ".", "/abs", "a\\b", "a\nb",
		"caf\xe9", "x/" };
	static const char *const paths[] = { "../x", "a/../../x", "/etc/passwd", "a//b", "a/./b", "a/",
		"a\\..\\x", "..\\x", "a\tb", "a\377b", "\xc0\xaf", "\xed\xa0\x80", "" };

	sample(&f);
	for (size_t i = 0; i < AG_ARRAY_SIZE(roots); i++) {
		CHECK_INT(ag_zip_build(&z, &f, roots[i]), AG_EINVALID);
		CHECK(strstr(ag_error_last(), "root folder") != NULL);
	}
	CHECK_INT(ag_zip_build(&z, &f, NULL), AG_EINVALID);
	CHECK_INT(z.len, 0);
	ag_files_dispose(&f);

	/* ag_files refuses escaping paths before they reach a zip... */
	ag_files_init(&f);
	CHECK(ag_files_add(&f, "../x", "", 0, 0644, "t", false) < 0);
	CHECK(ag_files_add(&f, "/etc/x", "", 0, 0644, "t", false) < 0);
	CHECK(ag_files_add(&f, "a/../../x", "", 0, 0644, "t", false) < 0);
	CHECK(ag_files_add(&f, "a\\..\\x", "", 0, 0644, "t", false) < 0);
	CHECK_INT(f.count, 0);
	ag_files_dispose(&f);
	/* ...and the zip checks again, whoever built the set */
	for (size_t i = 0; i < AG_ARRAY_SIZE(paths); i++) {
		CHECK_INT(build_unchecked(&z, paths[i]), AG_EINVALID);
		CHECK(strstr(ag_error_last(), "path") != NULL);
	}
	CHECK_INT(z.len, 0);
	CHECK_INT(build_unchecked(&z, "ok/caf\xc3\xa9.md"), 0);
	CHECK(z.len > 0);
	ag_buf_dispose(&z);
}

static void check_same_files(const ag_files *a, const ag_files *b)
{
	CHECK_INT(a->count, b->count);
	for (size_t i = 0; i < a->count && i < b->count; i++) {
		CHECK_STR(a->items[i].path, b->items[i].path);
		CHECK_INT(a->items[i].len, b->items[i].len);
		CHECK_INT(a->items[i].mode, b->items[i].mode);
		CHECK(a->items[i].len == b->items[i].len &&
			memcmp(a->items[i].data, b->items[i].data, a->items[i].len) == 0);
	}
}

void test_zip_roundtrip(void)
{
	ag_files f, back;
	ag_buf z = AG_BUF_INIT, z2 = AG_BUF_INIT;
	char big[5000];

	sample(&f);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + (i * 7 + i / 13) % 26);
	CHECK_INT(ag_files_add(&f, "frontend/src/big.ts", big, sizeof(big), 0644, "t", false), 0);
	CHECK_INT(ag_zip_build(&z, &f, "crm-v7"), 0);
	ag_files_init(&back);
	CHECK_INT(ag_zip_read(&back, z.ptr, z.len, "crm-v7"), 0);
	check_same_files(&f, &back);
	/* read back and built again: the same bytes */
	CHECK_INT(ag_zip_build(&z2, &back, "crm-v7"), 0);
	CHECK(z.len == z2.len && memcmp(z.ptr, z2.ptr, z.len) == 0);
	ag_files_dispose(&back);

	/* under another root, nothing is read */
	ag_files_init(&back);
	CHECK_INT(ag_zip_read(&back, z.ptr, z.len, "crm-v6"), AG_EINVALID);
	CHECK(strstr(ag_error_last(), "not under 'crm-v6/'") != NULL);
	CHECK_INT(ag_zip_read(&back, z.ptr, z.len, "../crm-v7"), AG_EINVALID);
	ag_files_dispose(&back);
	ag_files_dispose(&f);

	/* the empty set: a valid archive with no entries */
	ag_files_init(&f);
	ag_buf_clear(&z);
	CHECK_INT(ag_zip_build(&z, &f, "empty-v1"), 0);
	CHECK_INT(z.len, 22);
	CHECK(z.len == 22 && memcmp(z.ptr, "PK\5\6", 4) == 0);
	ag_files_init(&back);
	CHECK_INT(ag_zip_read(&back, z.ptr, z.len, "empty-v1"), 0);
	CHECK_INT(back.count, 0);
	ag_files_dispose(&back);
	ag_files_dispose(&f);
	ag_buf_dispose(&z);
	ag_buf_dispose(&z2);
}

/*
 * An archive made with libzip directly, any names: each entry's content
 * is its name; names ending in '/' are directories. `mode` is the Unix
 * mode of the files (0 for no Unix attributes).
 */
static void craft(ag_buf *out, const char *const *names, size_t n, zip_uint32_t mode)
{
	zip_error_t ze;
	zip_source_t *src = NULL, *s;
	zip_t *za = NULL;
	zip_stat_t st;

	ag_buf_clear(out);
	zip_error_init(&ze);
	CHECK((src = zip_source_buffer_create(NULL, 0, 0, &ze)) != NULL);
	if (!src)
		goto done;
	zip_source_keep(src);
	CHECK((za = zip_open_from_source(src, ZIP_TRUNCATE, &ze)) != NULL);
	if (!za) {
		zip_source_free(src);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		zip_int64_t idx = -1;
		if (len && names[i][len - 1] == '/') {
			CHECK(zip_dir_add(za, names[i], 0) >= 0);
			continue;
		}
		CHECK((s = zip_source_buffer(za, names[i], len, 0)) != NULL);
		CHECK(s && (idx = zip_file_add(za, names[i], s, 0)) >= 0);
		if (s && idx >= 0 && mode)
			CHECK_INT(zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, mode << 16), 0);
	}
	CHECK_INT(zip_close(za), 0);
	zip_stat_init(&st);
	if (zip_source_open(src) == 0) {
		if (zip_source_stat(src, &st) == 0 && ag_buf_grow(out, st.size) == 0 &&
			zip_source_read(src, out->ptr, st.size) == (zip_int64_t)st.size)
			out->len = st.size;
		zip_source_close(src);
	}
	CHECK(out->len > 0);
done:
	if (src)
		zip_source_free(src);
	zip_error_fini(&ze);
}

/* Reading `z` under root "r" fails with a message containing `msg`. */
static void expect_bad(const ag_buf *z, const char *msg)
{
	ag_files back;

	ag_files_init(&back);
	CHECK_INT(ag_zip_read(&back, z->ptr, z->len, "r"), AG_EINVALID);
	if (!strstr(ag_error_last(), msg)) {
		fprintf(stderr, "  expected \"%s\" in \"%s\"\n", msg, ag_error_last());
		test_failures++;
	}
	ag_files_dispose(&back);
}

/*
 * In every local and central header of z, set (or, with `flip`, xor with
 * v) the 4-byte field at offset `local_at` / `central_at`.
 */
static void patch_headers(ag_buf *z, size_t local_at, size_t central_at, zip_uint32_t v, bool flip)
{
	for (size_t k = 0; k + 46 <= z->len; k++) {
		unsigned char *p = (unsigned char *)z->ptr + k;
		size_t at = !memcmp(p, "PK\3\4", 4) ? local_at : !memcmp(p, "PK\1\2", 4) ? central_at : 0;
		zip_uint32_t x;
		if (!at)
			continue;
		p += at;
		x = (zip_uint32_t)p[0] | (zip_uint32_t)p[1] << 8 | (zip_uint32_t)p[2] << 16 | (zip_uint32_t)p[3] << 24;
		x = flip ? x ^ v : v;
		for (int j = 0; j < 4; j++)
			p[j] = (unsigned char)(x >> (8 * j));
	}
}

void test_zip_read_unsafe(void)
{
	ag_buf z = AG_BUF_INIT;
	ag_files back;
	static const char *const escaping[] = { "../evil", "r/../evil", "r/a/../../evil", "/r/x",
		"r/..", "other/x", "r", "rx/y", "r//x", "r/\001x", "r/a\\b", "r/caf\351" };
	static const char *const with_dirs[] = { "r/", "r/docs/", "r/docs/a.md", "r/run.sh" };

	for (size_t i = 0; i < AG_ARRAY_SIZE(escaping); i++) {
		craft(&z, &escaping[i], 1, 0100644);
		expect_bad(&z, "zip: ");
	}
	/* one bad entry among good ones spoils the archive */
	{
		static const char *const mixed[] = { "r/a", "r/b/../../../etc/passwd", "r/c" };
		craft(&z, mixed, AG_ARRAY_SIZE(mixed), 0100644);
		expect_bad(&z, "unsafe path 'b/../../../etc/passwd'");
	}
	/* a symbolic link could point anywhere */
	craft(&z, &with_dirs[2], 1, 0120777);
	expect_bad(&z, "not a regular file");
	/* directory entries are skipped; modes come from the attributes */
	craft(&z, with_dirs, AG_ARRAY_SIZE(with_dirs), 0100755);
	ag_files_init(&back);
	CHECK_INT(ag_zip_read(&back, z.ptr, z.len, "r"), 0);
	CHECK_INT(back.count, 2);
	if (back.count == 2) {
		CHECK_STR(back.items[0].path, "docs/a.md");
		CHECK_INT(back.items[0].mode, 0755);
		CHECK_INT(back.items[0].len, strlen("r/docs/a.md"));
	}
	ag_files_dispose(&back);
	/* no Unix attributes: 0644 */
	craft(&z, &with_dirs[3], 1, 0);
	ag_files_init(&back);
	CHECK_INT(ag_zip_read(&back, z.ptr, z.len, "r"), 0);
	CHECK(back.count == 1 && back.items[0].mode == 0644);
	ag_files_dispose(&back);

	/* damaged archives: a size no archive of this length can expand to */
	craft(&z, &with_dirs[2], 1, 0100644);
	patch_headers(&z, 22, 24, 0x7fffffff, false);
	expect_bad(&z, "more than the archive can hold");
	/* content that does not match its CRC */
	craft(&z, &with_dirs[2], 1, 0100644);
	patch_headers(&z, 14, 16, 1, true);
	expect_bad(&z, "CRC");
	craft(&z, &with_dirs[2], 1, 0100644);
	ag_buf_truncate(&z, z.len - 5);
	expect_bad(&z, "not a valid archive");
	ag_buf_clear(&z);
	ag_buf_puts(&z, "PK\3\4 this is not a zip at all");
	expect_bad(&z, "not a valid archive");
	ag_buf_dispose(&z);
}
