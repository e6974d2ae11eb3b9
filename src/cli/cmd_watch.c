/* cmd_watch.c - appgen watch: a build for every new commit of the branch. */
#include "cli.h"
#include "appgen/build.h"
#include "appgen/edit.h"
#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
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
	bool once = false;
	char last[41] = "";
	struct sigaction sa;
	int rc = EXIT_OK;

	(void)o;
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
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("watching %s (every %u ms; Ctrl-C stops)\n", opts.repo ? opts.repo : ".", interval);
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
		if (ag_repo_head(repo, head, NULL) == 0 && strcmp(head, last) != 0 &&
			ag_repo_new_commits(repo, last, head, 100, &ids, &n) == 0) {
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
	"rewind or force-push, just the new tip. One line of log per build. Ctrl-C\n"
	"(or SIGTERM) stops after the build in progress; outputs are never half\n"
	"written. --once builds what is new and exits.\n\n"
	"exit: 0 stopped, 2 usage error, 3 no repository\n"
};
