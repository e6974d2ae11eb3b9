/* fs.c - reading files and listing directories, with clear errors. */
#include "appgen/fs.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int ag_fs_read(ag_buf *out, const char *path, size_t limit, size_t *size)
{
	struct stat st;
	int fd, error = 0;

	*size = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ag_error_os(AG_EIO, "cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		error = ag_error_os(AG_EIO, "cannot stat '%s'", path);
		goto done;
	}
	if (S_ISDIR(st.st_mode)) {
		error = ag_error_set(AG_EIO, "'%s' is a directory", path);
		goto done;
	}
	/* Read in chunks: pipes and /proc files have no size up front. */
	for (;;) {
		ssize_t n;
		if (ag_buf_grow(out, 65536) < 0) {
			error = AG_ENOMEM;
			goto done;
		}
		n = read(fd, out->ptr + out->len, 65536);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			error = ag_error_os(AG_EIO, "cannot read '%s'", path);
			goto done;
		}
		if (n == 0)
			break;
		out->len += (size_t)n;
		out->ptr[out->len] = '\0';
		*size += (size_t)n;
		if (*size > limit) {
			if (S_ISREG(st.st_mode) && (size_t)st.st_size > *size)
				*size = (size_t)st.st_size;
			error = AG_EINVALID;
			goto done;
		}
	}
done:
	close(fd);
	return error;
}

int ag_fs_is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void ag_fs_list_free(char **list)
{
	if (!list)
		return;
	for (char **p = list; *p; p++)
		free(*p);
	free(list);
}

int ag_fs_list(char ***out, const char *dir, const char *suffix, unsigned flags)
{
	DIR *d;
	struct dirent *e;
	char **list = NULL;
	size_t n = 0, cap = 0, slen = strlen(suffix);
	int error = 0;

	*out = NULL;
	if (!(d = opendir(dir)))
		return ag_error_os(AG_EIO, "cannot open directory '%s'", dir);
	for (;;) {
		size_t len;
		errno = 0;
		if (!(e = readdir(d))) {
			if (errno)
				error = ag_error_os(AG_EIO, "cannot read directory '%s'", dir);
			break;
		}
		len = strlen(e->d_name);
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((e->d_name[0] == '.' && !(flags & AG_FS_LIST_HIDDEN)) || len < slen ||
		    strcmp(e->d_name + len - slen, suffix))
			continue;
		if (n + 2 > cap) {
			char **p;
			cap = cap ? cap * 2 : 16;
			if (!(p = realloc(list, cap * sizeof(*p)))) {
				error = ag_error_set(AG_ENOMEM, "out of memory");
				goto done;
			}
			list = p;
		}
		if (!(list[n] = strdup(e->d_name))) {
			error = ag_error_set(AG_ENOMEM, "out of memory");
			goto done;
		}
		list[++n] = NULL;
	}
	if (error)
		goto done;
	if (!list && !(list = calloc(1, sizeof(*list)))) {
		error = ag_error_set(AG_ENOMEM, "out of memory");
		goto done;
	}
	qsort(list, n, sizeof(*list), cmp_str);
	*out = list;
	list = NULL;
done:
	closedir(d);
	if (list) {
		list[n] = NULL;
		ag_fs_list_free(list);
	}
	return error;
}

const char *ag_fs_basename(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int ag_fs_write_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	ag_buf tmp = AG_BUF_INIT;
	const char *p = data;
	int fd, error = 0;

	ag_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	if (ag_buf_oom(&tmp))
		return AG_ENOMEM;
	fd = open(tmp.ptr, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		error = ag_error_os(AG_EIO, "cannot create '%s'", tmp.ptr);
		goto done;
	}
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = ag_error_os(AG_EIO, "cannot write '%s'", tmp.ptr);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!error && fsync(fd) < 0)
		error = ag_error_os(AG_EIO, "cannot sync '%s'", tmp.ptr);
	if (close(fd) < 0 && !error)
		error = ag_error_os(AG_EIO, "cannot close '%s'", tmp.ptr);
	if (!error && rename(tmp.ptr, path) < 0)
		error = ag_error_os(AG_EIO, "cannot rename '%s' to '%s'", tmp.ptr, path);
	if (error)
		unlink(tmp.ptr);
done:
	ag_buf_dispose(&tmp);
	return error;
}
