/* zip.c - deterministic zips of app trees, built in memory with libzip. */
#include "appgen/zip.h"
#include "appgen/write.h"
#include <zip.h>

/* 1980-01-01 00:00:00, the earliest DOS date: no clock in any entry. */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)

static int zip_fail(zip_error_t *ze, const char *what)
{
	int error = ag_error_set(AG_ERROR, "zip: %s: %s", what, zip_error_strerror(ze));
	zip_error_fini(ze);
	return error;
}

static bool root_ok(const char *root)
{
	return root && *root && !strchr(root, '/') && ag_files_path_ok(root);
}

/* Add every file under root/; the archive is discarded by the caller on error. */
static int add_files(zip_t *za, const ag_files *files, const char *root)
{
	ag_buf name = AG_BUF_INIT;
	int error = 0;

	for (size_t i = 0; i < files->count && !error; i++) {
		const ag_file *f = &files->items[i];
		zip_source_t *src;
		zip_int64_t idx;

		if (!ag_files_path_ok(f->path) || strchr(f->path, '\\')) {
			error = ag_error_set(AG_EINVALID, "zip: unsafe path '%s'", f->path);
			break;
		}
		ag_buf_clear(&name);
		ag_buf_printf(&name, "%s/%s", root, f->path);
		if (ag_buf_oom(&name)) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			break;
		}
		/* The data stays owned by `files`, which outlives zip_close. */
		if (!(src = zip_source_buffer(za, f->data, f->len, 0)))
			return ag_error_set(AG_ENOMEM, "zip: %s", zip_strerror(za));
		if ((idx = zip_file_add(za, name.ptr, src, ZIP_FL_ENC_UTF_8)) < 0) {
			zip_source_free(src);
			error = ag_error_set(AG_ERROR, "zip: cannot add '%s': %s", name.ptr, zip_strerror(za));
			break;
		}
		if (zip_file_set_dostime(za, (zip_uint64_t)idx, DOS_TIME, DOS_DATE, 0) < 0 ||
			zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX,
				(zip_uint32_t)(0100000 | (f->mode == 0755 ? 0755 : 0644)) << 16) < 0 ||
			zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0)
			error = ag_error_set(AG_ERROR, "zip: '%s': %s", name.ptr, zip_strerror(za));
	}
	ag_buf_dispose(&name);
	return error;
}

/* The bytes a closed in-memory archive left in its source. */
static int read_source(ag_buf *out, zip_source_t *src)
{
	zip_stat_t st;
	zip_int64_t n;

	if (zip_source_open(src) < 0)
		return ag_error_set(AG_ERROR, "zip: %s", zip_error_strerror(zip_source_error(src)));
	zip_stat_init(&st);
	if (zip_source_stat(src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) || ag_buf_grow(out, st.size + 1) < 0) {
		zip_source_close(src);
		return ag_error_set(AG_ENOMEM, "zip: cannot read the archive back");
	}
	n = zip_source_read(src, out->ptr + out->len, st.size);
	zip_source_close(src);
	if (n < 0 || (zip_uint64_t)n != st.size)
		return ag_error_set(AG_ERROR, "zip: short read of the archive");
	out->len += (size_t)n;
	out->ptr[out->len] = '\0';
	return 0;
}

int ag_zip_build(ag_buf *out, const ag_files *files, const char *root)
{
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	int error;

	if (!root_ok(root))
		return ag_error_set(AG_EINVALID, "zip: '%s' cannot be the root folder", root ? root : "");
	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(NULL, 0, 0, &ze)))
		return zip_fail(&ze, "cannot make a buffer");
	zip_source_keep(src); /* it must survive zip_close: it holds the result */
	if (!(za = zip_open_from_source(src, ZIP_TRUNCATE, &ze))) {
		zip_source_free(src);
		zip_source_free(src);
		return zip_fail(&ze, "cannot open an archive");
	}
	zip_error_fini(&ze);
	if ((error = add_files(za, files, root)) < 0) {
		zip_discard(za);
		zip_source_free(src);
		return error;
	}
	if (zip_close(za) < 0) {
		error = ag_error_set(AG_ERROR, "zip: %s", zip_strerror(za));
		zip_discard(za);
		zip_source_free(src);
		return error;
	}
	error = read_source(out, src);
	zip_source_free(src);
	return error;
}

int ag_zip_write(const char *path, const ag_files *files, const char *root, bool *changed)
{
	ag_buf zip = AG_BUF_INIT, dir = AG_BUF_INIT;
	const char *slash = strrchr(path, '/');
	int error;

	if (changed)
		*changed = false;
	if ((error = ag_zip_build(&zip, files, root)) < 0)
		goto done;
	if (slash) {
		ag_buf_put(&dir, path, (size_t)(slash - path));
		if (ag_buf_oom(&dir)) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		if ((error = ag_write_mkdirs(dir.ptr)) < 0)
			goto done;
	}
	error = ag_write_file(path, zip.ptr, zip.len, 0644, changed);
done:
	ag_buf_dispose(&zip);
	ag_buf_dispose(&dir);
	return error;
}
