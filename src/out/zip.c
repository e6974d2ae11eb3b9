/* zip.c - deterministic zips of app trees, built in memory with libzip. */
#include "appgen/zip.h"
#include "appgen/utf8.h"
#include "appgen/write.h"
#include <zip.h>

/* 1980-01-01 00:00:00, the earliest DOS date: no clock in any entry. */
#define DOS_TIME 0
#define DOS_DATE ((0 << 9) | (1 << 5) | 1)

/* deflate cannot expand data by more than this (zlib's "1032:1") */
#define DEFLATE_MAX_RATIO 1032

/*
 * The archive with no entries: an end-of-central-directory record alone.
 * libzip writes nothing for it (zip_close removes an empty archive).
 */
static const char empty_zip[22] = { 'P', 'K', 5, 6 };

static int zip_fail(zip_error_t *ze, int code, const char *what)
{
	int error = zip_error_code_zip(ze) == ZIP_ER_MEMORY ? AG_ENOMEM : code;

	error = ag_error_set(error, "zip: %s: %s", what, zip_error_strerror(ze));
	zip_error_fini(ze);
	return error;
}

/* A path that may follow "<root>/" in an entry name. */
static int check_path(const char *path)
{
	if (!ag_files_path_ok(path))
		return ag_error_set(AG_EINVALID, "zip: unsafe path '%s'", path);
	if (!ag_utf8_valid(path, strlen(path)))
		return ag_error_set(AG_EINVALID, "zip: path '%s' is not UTF-8", path);
	return 0;
}

static int check_root(const char *root)
{
	if (!root || !*root || strchr(root, '/') || !ag_files_path_ok(root) || !ag_utf8_valid(root, strlen(root)))
		return ag_error_set(AG_EINVALID, "zip: '%s' cannot be the root folder", root ? root : "");
	return 0;
}

/* Add one file as entry `name`, with the fixed time, mode and compression. */
static int add_file(zip_t *za, const char *name, const ag_file *f)
{
	zip_uint32_t mode = 0100000 | (f->mode == 0755 ? 0755 : 0644);
	zip_source_t *src;
	zip_int64_t idx;

	/* The data stays owned by `files`, which outlives zip_close. */
	if (!(src = zip_source_buffer(za, f->data, f->len, 0)))
		return ag_error_set(AG_ENOMEM, "zip: '%s': %s", name, zip_strerror(za));
	if ((idx = zip_file_add(za, name, src, ZIP_FL_ENC_UTF_8)) < 0) {
		zip_source_free(src);
		return ag_error_set(AG_ERROR, "zip: cannot add '%s': %s", name, zip_strerror(za));
	}
	if (zip_file_set_dostime(za, (zip_uint64_t)idx, DOS_TIME, DOS_DATE, 0) < 0 ||
		zip_file_set_external_attributes(za, (zip_uint64_t)idx, 0, ZIP_OPSYS_UNIX, mode << 16) < 0 ||
		zip_set_file_compression(za, (zip_uint64_t)idx, ZIP_CM_DEFLATE, 9) < 0)
		return ag_error_set(AG_ERROR, "zip: '%s': %s", name, zip_strerror(za));
	return 0;
}

/* Add every file under root/; the archive is discarded by the caller on error. */
static int add_files(zip_t *za, const ag_files *files, const char *root)
{
	ag_buf name = AG_BUF_INIT;
	int error = 0;

	for (size_t i = 0; i < files->count && !error; i++) {
		const ag_file *f = &files->items[i];

		if ((error = check_path(f->path)) < 0)
			break;
		ag_buf_clear(&name);
		ag_buf_printf(&name, "%s/%s", root, f->path);
		if (ag_buf_oom(&name))
			error = ag_error_set(AG_ENOMEM, "out of memory");
		else
			error = add_file(za, name.ptr, f);
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
	if (zip_source_stat(src, &st) < 0 || !(st.valid & ZIP_STAT_SIZE)) {
		zip_source_close(src);
		return ag_error_set(AG_ERROR, "zip: the archive has no size");
	}
	if (ag_buf_grow(out, st.size) < 0) {
		zip_source_close(src);
		return ag_error_set(AG_ENOMEM, "out of memory");
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

	if ((error = check_root(root)) < 0)
		return error;
	if (files->count == 0) {
		ag_buf_put(out, empty_zip, sizeof(empty_zip));
		return ag_buf_oom(out) ? ag_error_set(AG_ENOMEM, "out of memory") : 0;
	}
	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(NULL, 0, 0, &ze)))
		return zip_fail(&ze, AG_ERROR, "cannot make a buffer");
	zip_source_keep(src); /* it must survive zip_close: it holds the result */
	if (!(za = zip_open_from_source(src, ZIP_TRUNCATE, &ze))) {
		/* on failure the archive took no reference: drop both */
		zip_source_free(src);
		zip_source_free(src);
		return zip_fail(&ze, AG_ERROR, "cannot open an archive");
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
	if (slash && slash != path) {
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

/* ---- reading back ------------------------------------------------------- */

/* Entry i's mode: 0755 or 0644; AG_EINVALID for a link or other special file. */
static int entry_mode(zip_t *za, zip_uint64_t i, const char *name, unsigned *mode)
{
	zip_uint8_t os;
	zip_uint32_t attr;

	*mode = 0644;
	if (zip_file_get_external_attributes(za, i, 0, &os, &attr) < 0)
		return ag_error_set(AG_EINVALID, "zip: '%s': %s", name, zip_strerror(za));
	if (os != ZIP_OPSYS_UNIX || !(attr >> 16))
		return 0;
	if (((attr >> 16) & 0170000) != 0100000 && ((attr >> 16) & 0170000) != 0)
		return ag_error_set(AG_EINVALID, "zip: '%s' is not a regular file", name);
	if ((attr >> 16) & 0100)
		*mode = 0755;
	return 0;
}

/* Entry i's bytes into b; *budget is what the archive may still expand to. */
static int entry_data(zip_t *za, zip_uint64_t i, const char *name, ag_buf *b, zip_uint64_t *budget)
{
	zip_stat_t st;
	zip_file_t *zf;
	zip_int64_t n = 0;
	char extra;
	int error = 0;

	zip_stat_init(&st);
	if (zip_stat_index(za, i, 0, &st) < 0 || !(st.valid & ZIP_STAT_SIZE) ||
		!(st.valid & ZIP_STAT_COMP_METHOD))
		return ag_error_set(AG_EINVALID, "zip: '%s': %s", name, zip_strerror(za));
	if (st.comp_method != ZIP_CM_STORE && st.comp_method != ZIP_CM_DEFLATE)
		return ag_error_set(AG_EINVALID, "zip: '%s': compression method %d", name, (int)st.comp_method);
	if (st.size > *budget || st.size >= SIZE_MAX)
		return ag_error_set(AG_EINVALID, "zip: '%s': size %llu is more than the archive can hold",
			name, (unsigned long long)st.size);
	*budget -= st.size;
	ag_buf_clear(b);
	if (ag_buf_grow(b, (size_t)st.size) < 0)
		return ag_error_set(AG_ENOMEM, "out of memory");
	if (!(zf = zip_fopen_index(za, i, 0)))
		return ag_error_set(AG_EINVALID, "zip: '%s': %s", name, zip_strerror(za));
	while (b->len < st.size && (n = zip_fread(zf, b->ptr + b->len, st.size - b->len)) > 0)
		b->len += (size_t)n;
	/* one more read: the end, where the CRC is checked */
	if (n >= 0 && b->len == st.size)
		n = zip_fread(zf, &extra, 1);
	if (n != 0 || b->len != st.size)
		error = ag_error_set(AG_EINVALID, "zip: '%s': %s", name,
			n < 0 ? zip_file_strerror(zf) : "size differs from its header");
	b->ptr[b->len] = '\0';
	zip_fclose(zf);
	return error;
}

/* Add entry i of the archive to out, if it is a file under root/. */
static int read_entry(ag_files *out, zip_t *za, zip_uint64_t i, const char *root, ag_buf *b,
	zip_uint64_t *budget)
{
	/* raw bytes, not libzip's CP437 guess: control characters stay visible */
	const char *name = zip_get_name(za, i, ZIP_FL_ENC_RAW), *path;
	size_t rl = strlen(root), pl;
	unsigned mode;
	int error;

	if (!name)
		return ag_error_set(AG_EINVALID, "zip: entry %llu: %s", (unsigned long long)i, zip_strerror(za));
	if (strncmp(name, root, rl) || name[rl] != '/')
		return ag_error_set(AG_EINVALID, "zip: entry '%s' is not under '%s/'", name, root);
	path = name + rl + 1;
	pl = strlen(path);
	if (pl == 0)
		return 0; /* the root folder itself */
	if (path[pl - 1] == '/') {
		/* a directory entry: checked, then skipped */
		ag_buf_clear(b);
		ag_buf_put(b, path, pl - 1);
		if (ag_buf_oom(b))
			return ag_error_set(AG_ENOMEM, "out of memory");
		return check_path(b->ptr);
	}
	if ((error = check_path(path)) < 0 || (error = entry_mode(za, i, name, &mode)) < 0 ||
		(error = entry_data(za, i, name, b, budget)) < 0)
		return error;
	if (ag_files_get(out, path))
		return ag_error_set(AG_EINVALID, "zip: '%s' appears twice", name);
	return ag_files_add(out, path, b->ptr, b->len, mode, "zip", false);
}

int ag_zip_read(ag_files *out, const void *data, size_t len, const char *root)
{
	zip_uint64_t budget = (zip_uint64_t)len * DEFLATE_MAX_RATIO;
	ag_buf b = AG_BUF_INIT;
	zip_error_t ze;
	zip_source_t *src;
	zip_t *za;
	zip_int64_t n;
	int error;

	if ((error = check_root(root)) < 0)
		return error;
	zip_error_init(&ze);
	if (!(src = zip_source_buffer_create(data, len, 0, &ze)))
		return zip_fail(&ze, AG_ERROR, "cannot read a buffer");
	if (!(za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze))) {
		zip_source_free(src);
		return zip_fail(&ze, AG_EINVALID, "not a valid archive");
	}
	zip_error_fini(&ze);
	n = zip_get_num_entries(za, 0);
	for (zip_int64_t i = 0; i < n && !error; i++)
		error = read_entry(out, za, (zip_uint64_t)i, root, &b, &budget);
	zip_discard(za); /* read-only: nothing to write; frees the source too */
	ag_buf_dispose(&b);
	return error;
}
