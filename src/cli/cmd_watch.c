/* cmd_watch.c - appgen watch: a build for every new commit of the branch. */
#include "cli.h"
#include "appgen/build.h"
#include "appgen/edit.h"
#include "appgen/fs.h"
#include <cjson/cJSON.h>
#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

/* The first Ctrl-C stops after the build in progress; a second one stops
 * at once (a build killed at any point leaves whole outputs: build.h). */
static void on_signal(int sig)
{
	if (stop_requested) {
		signal(sig, SIG_DFL);
		raise(sig);
	}
	stop_requested = 1;
}

/* The commit the out dir was last built from (its build.json), so that a
 * restarted watch, or `watch --once` run from cron, builds what came since. */
static void last_built(char out[41], const char *dir)
{
	ag_buf path = AG_BUF_INIT, text = AG_BUF_INIT;
	cJSON *root = NULL;
	const cJSON *c;
	size_t size;

	out[0] = '\0';
	ag_buf_printf(&path, "%s/build.json", dir);
	if (!ag_buf_oom(&path) && ag_fs_read(&text, path.ptr, (size_t)64 << 20, &size) == 0 &&
		(root = cJSON_ParseWithLength(text.ptr, text.len)) &&
		cJSON_IsString(c = cJSON_GetObjectItemCaseSensitive(root, "sourceCommit")) &&
		strlen(c->valuestring) == 40 && strspn(c->valuestring, "0123456789abcdef") == 40)
		memcpy(out, c->valuestring, 41);
	ag_error_clear();
	cJSON_Delete(root);
	ag_buf_dispose(&path);
	ag_buf_dispose(&text);
}

/* Sleep `ms`, waking early when asked to stop. */
static void nap(unsigned ms)
{
	while (ms > 0 && !stop_requested) {
		unsigned step = ms < 50 ? ms : 50;
		struct timespec ts = { 0, (long)step * 1000000L };
		nanosleep(&ts, NULL);
		ms -= step;
	}
}

/* Build commit `id`; one log line. Environment failures are logged too:
 * the next commit gets its build. */
static void build_commit(const ag_build_opts *base, const char *id)
{
	ag_build_opts opts = *base;
	ag_build_report rep;
	ag_diags d;
	int error;

	ag_diags_init(&d);
	opts.rev = id;
	error = ag_build_run(&rep, &opts, &d, NULL, NULL);
	if (error < 0)
		printf("%.12s  build failed: %s\n", id, ag_error_last());
	else
		printf("%.12s  %zu built, %zu up to date, %zu failed%s%s  %.0f ms\n", id,
			rep.succeeded - rep.cached, rep.cached, rep.failed,
			opts.push ? (rep.push_failed ? ", push failed (kept for the next build)" : ", pushed") : "",
			opts.zip ? ", zipped" : "", rep.ms_total);
	for (size_t k = 0; k < d.count && error >= 0; k++)
		if (d.items[k].severity == AG_SEV_ERROR)
			printf("%.12s  %s:%u:%u: %s\n", id, d.items[k].file, d.items[k].span.line, d.items[k].span.col,
				d.items[k].message);
	fflush(stdout);
	if (error >= 0)
		ag_build_report_dispose(&rep);
	ag_diags_dispose(&d);
}

static int run(int argc, char **argv, const cli_opts *o)
{
	ag_build_opts opts;
	unsigned interval = 2000;
	bool once = false, waiting = false;
	char last[41] = "";
	struct sigaction sa;
	int rc = EXIT_OK;

	memset(&opts, 0, sizeof(opts));
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--once")) once = true;
		else if (!strcmp(a, "--zip")) opts.zip = true;
		else if (!strcmp(a, "--push")) opts.push = true;
		else if (val && !strcmp(a, "--repo")) { opts.repo = val; i++; }
		else if (val && !strcmp(a, "--out")) { opts.out = val; i++; }
		else if (val && !strcmp(a, "--interval")) {
			interval = (unsigned)strtoul(val, NULL, 10);
			if (interval < 10 || interval > 3600000)
				return cli_usage("watch", "--interval takes milliseconds, 10 to 3600000");
			i++;
		} else if (val && !strcmp(a, "--jobs")) {
			if (atoi(val) < 1 || atoi(val) > 64)
				return cli_usage("watch", "--jobs takes a number from 1 to 64");
			opts.jobs = (unsigned)atoi(val);
			i++;
		} else
			return cli_usage("watch", "unknown argument '%s'", a);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	/* the build's threads must not see EINTR from a Ctrl-C (the nap does) */
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	last_built(last, opts.out ? opts.out : "out");
	if (o->verbose >= 0)
		printf("watching %s (every %u ms; Ctrl-C stops)%s%.12s\n", opts.repo ? opts.repo : ".", interval,
			*last ? "; last built " : "", last);
	while (!stop_requested) {
		ag_repo *repo = NULL;
		char head[41];
		char (*ids)[41] = NULL;
		size_t n = 0;
		int error;

		/* opened afresh each time: new commits, packed refs, a repack */
		if ((error = ag_repo_open(&repo, opts.repo ? opts.repo : ".")) < 0) {
			rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
			break;
		}
		if (ag_repo_head(repo, head, NULL) < 0) {
			if (!waiting && o->verbose >= 0)
				printf("waiting for a first commit\n");
			waiting = true;
		} else if (strcmp(head, last) != 0 && ag_repo_new_commits(repo, last, head, 100, &ids, &n) == 0) {
			/* every new commit, oldest first: each is a version */
			for (size_t i = 0; i < n && !stop_requested; i++)
				build_commit(&opts, ids[i]);
			if (!stop_requested)
				memcpy(last, head, sizeof(last));
		}
		ag_error_clear();
		free(ids);
		ag_repo_free(repo);
		if (once)
			break;
		nap(interval);
	}
	if (o->verbose >= 0)
		printf("watch: stopped\n");
	return rc;
}

const cli_cmd cli_cmd_watch = {
	"watch", run, "build, then rebuild on every new commit of the branch",
	"usage: appgen watch [--repo DIR] [--out DIR] [--interval MS] [--jobs N] [--zip] [--push]\n"
	"                    [--once]\n\n"
	"Builds the current branch's tip, then polls the branch every MS (default\n"
	"2000) milliseconds. When it moved, every new commit on its first-parent\n"
	"chain is built, oldest first (each may be a version of an app); after a\n"
	"rewind or force-push, just the new tip. It starts from the commit\n"
	"OUT/build.json was built from, so a restarted watch builds what came\n"
	"since (and nothing when the out dir is up to date). One line of log per\n"
	"build: the commit, apps built, up to date and failed, and the time.\n"
	"Ctrl-C (or SIGTERM) stops after the build in progress, a second Ctrl-C at\n"
	"once; outputs are never half written.\n\n"
	"options:\n"
	"  --once         build what is new and exit (cron, CI, tests)\n"
	"  --zip, --push, --jobs N, --out DIR   as for `appgen build`\n\n"
	"exit: 0 stopped, 2 usage error, 3 no repository\n"
};
