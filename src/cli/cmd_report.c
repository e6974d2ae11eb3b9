/* cmd_report.c - appgen report merge: one report from the shards'. */
#include "cli.h"
#include "appgen/fs.h"
#include "appgen/report.h"

static int run(int argc, char **argv, const cli_opts *o)
{
	const char *output = NULL;
	const char **names = calloc((size_t)argc + 1, sizeof(*names)), **texts = NULL;
	size_t *lens = calloc((size_t)argc + 1, sizeof(*lens)), n = 0;
	ag_buf *bufs = calloc((size_t)argc + 1, sizeof(*bufs)), out = AG_BUF_INIT;
	int rc = EXIT_OK;

	(void)o;
	texts = calloc((size_t)argc + 1, sizeof(*texts));
	if (!names || !lens || !bufs || !texts) {
		rc = cli_fail(EXIT_ENV, "out of memory");
		goto done;
	}
	if (argc < 2 || strcmp(argv[1], "merge") != 0) {
		rc = cli_usage("report", "the only subcommand is 'merge'");
		goto done;
	}
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc)
			output = argv[++i];
		else if (argv[i][0] == '-') {
			rc = cli_usage("report", "unknown option '%s'", argv[i]);
			goto done;
		} else
			names[n++] = argv[i];
	}
	if (n == 0) {
		rc = cli_usage("report", "which reports? (appgen report merge A/build.json B/build.json ...)");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		size_t size;
		if (ag_fs_read(&bufs[i], names[i], (size_t)256 << 20, &size) < 0) {
			rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
			goto done;
		}
		texts[i] = bufs[i].ptr ? bufs[i].ptr : "";
		lens[i] = bufs[i].len;
	}
	if (ag_report_merge(&out, texts, lens, names, n) < 0) {
		rc = cli_fail(EXIT_FAILED, "%s", ag_error_last());
		goto done;
	}
	if (output) {
		if (ag_fs_write_atomic(output, out.ptr, out.len, 0644) < 0)
			rc = cli_fail(EXIT_ENV, "%s", ag_error_last());
	} else {
		rc = cli_write(stdout, &out);
	}
done:
	for (size_t i = 0; bufs && i < n; i++)
		ag_buf_dispose(&bufs[i]);
	free(bufs);
	free(names);
	free(texts);
	free(lens);
	ag_buf_dispose(&out);
	return rc;
}

const cli_cmd cli_cmd_report = {
	"report", run, "merge the build reports of shards",
	"usage: appgen report merge [-o FILE] REPORT...\n\n"
	"Merges the build.json of each `appgen build --shard I/N` of one commit into\n"
	"the report of the whole build (to FILE, else standard output): every app\n"
	"once, from the shard that built it; totals recounted.\n\n"
	"exit: 0 merged, 1 the reports do not belong together (another commit, an\n"
	"app built twice, not a report), 2 usage error, 3 a file cannot be read or\n"
	"written\n"
};
