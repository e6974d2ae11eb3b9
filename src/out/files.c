/* files.c - the in-memory app tree: sorted, unique, safe paths. */
#include "appgen/files.h"
#include "appgen/utf8.h"
#include "appgen/fs.h"
#include <sys/stat.h>

void ag_files_init(ag_files *f)
{
	memset(f, 0, sizeof(*f));
}

void ag_strlist_dispose(ag_strlist *l)
{
	for (size_t i = 0; i < l->count; i++)
		free(l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void ag_files_dispose(ag_files *f)
{
	for (size_t i = 0; i < f->count; i++) {
		free(f->items[i].path);
		free(f->items[i].data);
		free(f->items[i].emitter);
	}
	free(f->items);
	ag_strlist_dispose(&f->deps);
	ag_strlist_dispose(&f->env);
	ag_strlist_dispose(&f->gaps);
	ag_files_init(f);
}

bool ag_files_path_ok(const char *path)
{
	const char *p = path;

	if (!*p || *p == '/' || strlen(path) > 1024 || !ag_utf8_valid(path, strlen(path)))
		return false;
	for (;;) {
		const char *end = strchr(p, '/');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		for (size_t i = 0; i < n; i++)
			if ((unsigned char)p[i] < 0x20 || p[i] == '\\' || p[i] == 0x7f)
				return false;
		if (!end)
			return true;
		p = end + 1;
	}
}

/* Binary search: index of path, or where it would go (with *found). */
static size_t find(const ag_files *f, const char *path, bool *found)
{
	size_t lo = 0, hi = f->count;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(f->items[mid].path, path);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const ag_file *ag_files_get(const ag_files *f, const char *path)
{
	bool found;
	size_t i = find(f, path, &found);
	return found ? &f->items[i] : NULL;
}

int ag_files_add(ag_files *f, const char *path, const void *data, size_t len, unsigned mode,
	const char *emitter, bool replace)
{
	bool found;
	size_t i;
	char *copy;

	if (!ag_files_path_ok(path))
		return ag_error_set(AG_EINVALID, "invalid output path '%s'", path);
	i = find(f, path, &found);
	if (found && !replace)
		return ag_error_set(AG_EINVALID, "two emitters write '%s' (%s first)", path, f->items[i].emitter);
	if (!(copy = malloc(len + 1)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	memcpy(copy, data, len);
	copy[len] = '\0';
	if (found) {
		free(f->items[i].data);
		free(f->items[i].emitter);
	} else {
		if (f->count == f->cap) {
			size_t cap = f->cap ? f->cap * 2 : 32;
			ag_file *p = realloc(f->items, cap * sizeof(*p));
			if (!p) {
				free(copy);
				return ag_error_set(AG_ENOMEM, "out of memory");
			}
			f->items = p;
			f->cap = cap;
		}
		memmove(&f->items[i + 1], &f->items[i], (f->count - i) * sizeof(*f->items));
		f->count++;
		f->items[i].path = strdup(path);
	}
	f->items[i].data = copy;
	f->items[i].len = len;
	f->items[i].mode = mode == 0755 ? 0755 : 0644;
	f->items[i].emitter = strdup(emitter ? emitter : "?");
	if (!f->items[i].path || !f->items[i].emitter)
		return ag_error_set(AG_ENOMEM, "out of memory");
	return 0;
}

int ag_strlist_add(ag_strlist *l, const char *s)
{
	size_t lo = 0, hi = l->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(l->items[mid], s);
		if (c == 0)
			return 0;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		char **p = realloc(l->items, cap * sizeof(*p));
		if (!p)
			return ag_error_set(AG_ENOMEM, "out of memory");
		l->items = p;
		l->cap = cap;
	}
	memmove(&l->items[lo + 1], &l->items[lo], (l->count - lo) * sizeof(char *));
	if (!(l->items[lo] = strdup(s)))
		return ag_error_set(AG_ENOMEM, "out of memory");
	l->count++;
	return 0;
}

/* Add the files under dir/rel (rel "" for dir itself) to f. */
static int load_dir(ag_files *f, const char *dir, const char *rel)
{
	ag_buf full = AG_BUF_INIT, path = AG_BUF_INIT, data = AG_BUF_INIT;
	char **names = NULL;
	int error;

	ag_buf_printf(&full, "%s%s%s", dir, *rel ? "/" : "", rel);
	if (ag_buf_oom(&full))
		return ag_error_set(AG_ENOMEM, "out of memory");
	if ((error = ag_fs_list(&names, full.ptr, "", AG_FS_LIST_HIDDEN)) < 0)
		goto done;
	for (size_t i = 0; names[i] && !error; i++) {
		struct stat st;
		size_t size;
		ag_buf_clear(&path);
		ag_buf_printf(&path, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		ag_buf_clear(&full);
		ag_buf_printf(&full, "%s/%s", dir, path.ptr);
		if (ag_buf_oom(&path) || ag_buf_oom(&full)) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
		} else if (lstat(full.ptr, &st) < 0) {
			error = ag_error_os(AG_EIO, "cannot stat '%s'", full.ptr);
		} else if (S_ISDIR(st.st_mode)) {
			error = load_dir(f, dir, path.ptr);
		} else if (S_ISREG(st.st_mode)) {
			ag_buf_clear(&data);
			if ((error = ag_fs_read(&data, full.ptr, (size_t)1 << 30, &size)) == 0)
				error = ag_files_add(f, path.ptr, data.ptr ? data.ptr : "", data.len,
					st.st_mode & 0100 ? 0755 : 0644, "disk", false);
		}
	}
done:
	ag_fs_list_free(names);
	ag_buf_dispose(&full);
	ag_buf_dispose(&path);
	ag_buf_dispose(&data);
	return error;
}

int ag_files_load_dir(ag_files *f, const char *dir)
{
	return load_dir(f, dir, "");
}
