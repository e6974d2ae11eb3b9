/* main.c - appgen's entry: global options and the subcommand table. */
#include "cli.h"
#include <unistd.h>

static int cmd_help(int argc, char **argv, const cli_opts *o);

static const cli_cmd cli_cmd_help = {
	"help", cmd_help, "show help for appgen or one command",
	"usage: appgen help [COMMAND]\n"
};

static const cli_cmd *const commands[] = {
	&cli_cmd_init, &cli_cmd_build, &cli_cmd_watch, &cli_cmd_check, &cli_cmd_diff, &cli_cmd_start, &cli_cmd_stop,
	&cli_cmd_delete, &cli_cmd_hook, &cli_cmd_report, &cli_cmd_import, &cli_cmd_schema, &cli_cmd_help,
};

int cli_fail(int code, const char *fmt, ...)
{
	va_list ap;
	fputs("appgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "appgen %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'appgen help %s')\n", cmd);
	return EXIT_USAGE;
}

int cli_write(FILE *f, const ag_buf *b)
{
	if (ag_buf_oom(b))
		return cli_fail(EXIT_ENV, "out of memory");
	if (fwrite(b->ptr, 1, b->len, f) != b->len || fflush(f) != 0)
		return cli_fail(EXIT_ENV, "cannot write output: %s", strerror(errno));
	return 0;
}

static void overview(FILE *f)
{
	fputs("usage: appgen [--version] [--quiet | --verbose] [--color=auto|always|never] COMMAND [ARGS]\n\n"
	      "appgen compiles Git-versioned app blueprints (blueprints/<slug>.json) into\n"
	      "working business apps.\n\ncommands:\n", f);
	for (size_t i = 0; i < AG_ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-8s %s\n", commands[i]->name, commands[i]->summary);
	fputs("\nexit codes: 0 ok, 1 a blueprint or app failed, 2 usage error, 3 environment error\n"
	      "'appgen help COMMAND' shows the options of one command.\n", f);
}

static const cli_cmd *find(const char *name)
{
	for (size_t i = 0; i < AG_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i]->name, name) == 0)
			return commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv, const cli_opts *o)
{
	const cli_cmd *c;
	(void)o;
	if (argc < 2) {
		overview(stdout);
		return EXIT_OK;
	}
	if (!(c = find(argv[1])))
		return cli_usage("help", "unknown command '%s'", argv[1]);
	fputs(c->usage, stdout);
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	cli_opts o = { 0, false, argv[0] };
	const char *color = "auto";
	const cli_cmd *c;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
			printf("appgen %s\n", AG_VERSION);
			return EXIT_OK;
		} else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			overview(stdout);
			return EXIT_OK;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o.verbose = -1;
		} else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
			o.verbose = 1;
		} else if (strncmp(a, "--color=", 8) == 0) {
			color = a + 8;
		} else {
			fprintf(stderr, "appgen: unknown option '%s'\n\n", a);
			overview(stderr);
			return EXIT_USAGE;
		}
	}
	if (strcmp(color, "always") == 0)
		o.color = true;
	else if (strcmp(color, "auto") == 0)
		o.color = isatty(2) && !getenv("NO_COLOR") && getenv("TERM") && strcmp(getenv("TERM"), "dumb");
	else if (strcmp(color, "never") != 0)
		return cli_fail(EXIT_USAGE, "--color takes auto, always or never");
	if (i >= argc) {
		overview(stderr);
		return EXIT_USAGE;
	}
	if (!(c = find(argv[i]))) {
		fprintf(stderr, "appgen: '%s' is not an appgen command\n\n", argv[i]);
		overview(stderr);
		return EXIT_USAGE;
	}
	/* --help after the command name works like 'appgen help CMD'. */
	for (int k = i + 1; k < argc; k++)
		if (strcmp(argv[k], "--help") == 0 || strcmp(argv[k], "-h") == 0) {
			fputs(c->usage, stdout);
			return EXIT_OK;
		}
	return c->run(argc - i, argv + i, &o);
}
