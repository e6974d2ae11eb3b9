/* write.c - atomic, idempotent writes of files and whole app trees. */
#define _GNU_SOURCE /* renameat2, syncfs */
#include "appgen/write.h"
#include "appgen/buf.h"
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int ag_write_mkdirs(const char *path)
{
	ag_buf b = AG_BUF_INIT;
	int error = 0;

	ag_buf_puts(&b, path);
	if (ag_buf_oom(&b))
		return AG_ENOMEM;
	for (char *p = b.ptr + 1; ; p++) {
		if (*p == '/' || *p == '\0') {
			char c = *p;
			*p = '\0';
			if (mkdir(b.ptr, 0755) == 0) {
				chmod(b.ptr, 0755); /* not subject to the umask */
			} else if (errno != EEXIST) {
				error = ag_error_os(AG_EIO, "cannot create directory '%s'", b.ptr);
				break;
			}
			*p = c;
			if (!c)
				break;
		}
	}
	ag_buf_dispose(&b);
	return error;
}

int ag_write_rmtree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int error = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : ag_error_os(AG_EIO, "cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0)
			return ag_error_os(AG_EIO, "cannot remove '%s'", path);
		return 0;
	}
	if (!(d = opendir(path)))
		return ag_error_os(AG_EIO, "cannot open '%s'", path);
	while (!error && (e = readdir(d))) {
		ag_buf child = AG_BUF_INIT;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		ag_buf_printf(&child, "%s/%s", path, e->d_name);
		error = ag_buf_oom(&child) ? AG_ENOMEM : ag_write_rmtree(child.ptr);
		ag_buf_dispose(&child);
	}
	closedir(d);
	if (!error && rmdir(path) < 0)
		error = ag_error_os(AG_EIO, "cannot remove '%s'", path);
	return error;
}

/* Does `path` hold exactly these bytes with this mode? */
static bool same_file(const char *path, const void *data, size_t len, unsigned mode)
{
	struct stat st;
	ag_buf cur = AG_BUF_INIT;
	bool same = false;
	int fd;
	ssize_t n;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len ||
	    (st.st_mode & 07777) != mode)
		return false;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return false;
	if (ag_buf_grow(&cur, len) == 0) {
		size_t got = 0;
		while (got < len && (n = read(fd, cur.ptr + got, len - got)) > 0)
			got += (size_t)n;
		same = got == len && memcmp(cur.ptr, data, len) == 0;
	}
	close(fd);
	ag_buf_dispose(&cur);
	return same;
}

static int write_new(const char *path, const void *data, size_t len, unsigned mode, bool sync)
{
	const char *p = data;
	int fd, error = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return ag_error_os(AG_EIO, "cannot create '%s'", path);
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = ag_error_os(AG_EIO, "cannot write '%s'", path);
			break;
		}
		p += n;
		len -= (size_t)n;
	}
	if (!error && fchmod(fd, (mode_t)mode) < 0)
		error = ag_error_os(AG_EIO, "cannot chmod '%s'", path);
	if (!error && sync && fsync(fd) < 0)
		error = ag_error_os(AG_EIO, "cannot sync '%s'", path);
	if (close(fd) < 0 && !error)
		error = ag_error_os(AG_EIO, "cannot close '%s'", path);
	return error;
}

static void sync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* The directory part of a path ("." when there is none), in b. */
static void dirname_of(ag_buf *b, const char *path)
{
	const char *s = strrchr(path, '/');
	if (!s)
		ag_buf_puts(b, ".");
	else if (s == path)
		ag_buf_puts(b, "/");
	else
		ag_buf_put(b, path, (size_t)(s - path));
}

int ag_write_file(const char *path, const void *data, size_t len, unsigned mode, bool *changed)
{
	ag_buf tmp = AG_BUF_INIT, dir = AG_BUF_INIT;
	int error = 0;

	if (changed)
		*changed = false;
	if (same_file(path, data, len, mode))
		return 0;
	dirname_of(&dir, path);
	ag_buf_printf(&tmp, "%s.tmp-%ld", path, (long)getpid());
	if (ag_buf_oom(&tmp) || ag_buf_oom(&dir)) {
		error = AG_ENOMEM;
		goto done;
	}
	unlink(tmp.ptr);
	if ((error = write_new(tmp.ptr, data, len, mode, true)) < 0)
		goto done;
	if (rename(tmp.ptr, path) < 0) {
		error = ag_error_os(AG_EIO, "cannot rename '%s' to '%s'", tmp.ptr, path);
		unlink(tmp.ptr);
		goto done;
	}
	sync_dir(dir.ptr);
	if (changed)
		*changed = true;
done:
	ag_buf_dispose(&tmp);
	ag_buf_dispose(&dir);
	return error;
}

/* Count the regular files below a directory (0 if it does not exist). */
static size_t count_files(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		ag_buf child = AG_BUF_INIT;
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		ag_buf_printf(&child, "%s/%s", path, e->d_name);
		if (lstat(child.ptr, &st) == 0)
			n += S_ISDIR(st.st_mode) ? count_files(child.ptr) : 1;
		ag_buf_dispose(&child);
	}
	closedir(d);
	return n;
}

/*
 * Create the directories of `path` (a file of the tree) under the fresh
 * staging directory `stage`. Files come sorted by path, so the files of a
 * directory are contiguous: the directories that already exist are exactly
 * the ones `path` shares with the previous file, `last`. One mkdir per
 * directory of the tree, instead of one per component per file.
 */
static int stage_dirs(const ag_buf *stage, const char *path, const char *last)
{
	const char *slash = strrchr(path, '/');
	size_t shared = 0, end = slash ? (size_t)(slash - path) : 0;
	ag_buf d = AG_BUF_INIT;
	int error = 0;

	/* the length of the longest directory prefix both paths have */
	for (size_t i = 0; i < end && path[i] == last[i]; i++)
		if (path[i + 1] == '/' && last[i + 1] == '/')
			shared = i + 1;
	for (size_t i = shared + (shared > 0); i < end && !error; i++) {
		if (path[i + 1] != '/' && i + 1 != end)
			continue;
		ag_buf_clear(&d);
		ag_buf_printf(&d, "%s/%.*s", stage->ptr, (int)(i + 1), path);
		if (ag_buf_oom(&d))
			error = AG_ENOMEM;
		else if (mkdir(d.ptr, 0755) == 0)
			chmod(d.ptr, 0755); /* not subject to the umask */
		else if (errno != EEXIST)
			error = ag_error_os(AG_EIO, "cannot create directory '%s'", d.ptr);
	}
	ag_buf_dispose(&d);
	return error;
}

int ag_write_tree(const char *dir, const ag_files *files, ag_write_stats *st)
{
	ag_buf parent = AG_BUF_INIT, stage = AG_BUF_INIT, path = AG_BUF_INIT, old = AG_BUF_INIT;
	const char *last = ""; /* the previous file's path */
	const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
	struct stat sb;
	bool exists;
	size_t replaced = 0;
	int error = 0, fd;

	memset(st, 0, sizeof(*st));
	dirname_of(&parent, dir);
	ag_buf_printf(&stage, "%s/.%s.new", parent.ptr, base);
	if (ag_buf_oom(&parent) || ag_buf_oom(&stage)) {
		error = AG_ENOMEM;
		goto done;
	}
	if ((error = ag_write_mkdirs(parent.ptr)) < 0 || (error = ag_write_rmtree(stage.ptr)) < 0)
		goto done;
	exists = lstat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
	if (mkdir(stage.ptr, 0755) < 0) {
		error = ag_error_os(AG_EIO, "cannot create '%s'", stage.ptr);
		goto done;
	}
	chmod(stage.ptr, 0755);

	for (size_t i = 0; i < files->count; i++) {
		const ag_file *f = &files->items[i];
		ag_buf_clear(&path);
		ag_buf_clear(&old);
		ag_buf_printf(&path, "%s/%s", stage.ptr, f->path);
		ag_buf_printf(&old, "%s/%s", dir, f->path);
		if (ag_buf_oom(&path) || ag_buf_oom(&old)) {
			error = AG_ENOMEM;
			goto done;
		}
		st->bytes += f->len;
		if ((error = stage_dirs(&stage, f->path, last)) < 0)
			goto done;
		/* An identical file is linked from the current tree: no rewrite. */
		last = f->path;
		if (exists && same_file(old.ptr, f->data, f->len, f->mode) && link(old.ptr, path.ptr) == 0) {
			st->kept++;
			continue;
		}
		if (exists && lstat(old.ptr, &sb) == 0)
			replaced++;
		if ((error = write_new(path.ptr, f->data, f->len, f->mode, false)) < 0)
			goto done;
		st->written++;
	}
	if (exists) {
		size_t before = count_files(dir);
		st->removed = before > st->kept + replaced ? before - st->kept - replaced : 0;
		if (st->written == 0 && st->removed == 0) {
			/* Nothing changed: keep the tree as it is. */
			error = ag_write_rmtree(stage.ptr);
			goto done;
		}
	}
	st->changed = true;
	/* Make the staged bytes durable before they become visible. */
	if ((fd = open(stage.ptr, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		syncfs(fd);
		close(fd);
	}
	if (!exists) {
		if (rename(stage.ptr, dir) < 0)
			error = ag_error_os(AG_EIO, "cannot rename '%s' to '%s'", stage.ptr, dir);
	} else if (renameat2(AT_FDCWD, stage.ptr, AT_FDCWD, dir, RENAME_EXCHANGE) == 0) {
		error = ag_write_rmtree(stage.ptr); /* now the previous tree */
	} else {
		/* No atomic exchange on this file system: two renames. */
		ag_buf trash = AG_BUF_INIT;
		ag_buf_printf(&trash, "%s/.%s.old", parent.ptr, base);
		ag_write_rmtree(trash.ptr);
		if (rename(dir, trash.ptr) < 0 || rename(stage.ptr, dir) < 0)
			error = ag_error_os(AG_EIO, "cannot replace '%s'", dir);
		else
			error = ag_write_rmtree(trash.ptr);
		ag_buf_dispose(&trash);
	}
	sync_dir(parent.ptr);
done:
	if (error < 0 && stage.len)
		ag_write_rmtree(stage.ptr);
	ag_buf_dispose(&parent);
	ag_buf_dispose(&stage);
	ag_buf_dispose(&path);
	ag_buf_dispose(&old);
	return error;
}
