/*
 * cli.h - what the subcommands share. src/cli/ is the only place that
 * parses argv, prints and exits.
 */
#ifndef AG_CLI_H
#define AG_CLI_H

#include "appgen/buf.h"

/* Exit codes (DESIGN §2). */
enum { EXIT_OK = 0, EXIT_FAILED = 1, EXIT_USAGE = 2, EXIT_ENV = 3 };

typedef struct cli_opts {
	int verbose; /* -1 quiet, 0 normal, 1 verbose */
	bool color;  /* diagnostics on a terminal */
	const char *argv0; /* how appgen was invoked (argv[0]) */
} cli_opts;

typedef struct cli_cmd {
	const char *name;
	int (*run)(int argc, char **argv, const cli_opts *o);
	const char *summary;
	const char *usage; /* full help text */
} cli_cmd;

extern const cli_cmd cli_cmd_build, cli_cmd_check, cli_cmd_schema, cli_cmd_import, cli_cmd_init,
	cli_cmd_hook, cli_cmd_watch, cli_cmd_start, cli_cmd_stop, cli_cmd_delete, cli_cmd_report, cli_cmd_diff;

/* Print "appgen: <msg>" to stderr; returns code. */
int cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Usage error for a command: message plus "see appgen help CMD". */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Write a buffer to a stream; 0 or EXIT_ENV. */
int cli_write(FILE *f, const ag_buf *b);

/*
 * Read one blueprint file ("-" is standard input) into `out`. A file over
 * the size limit or one that cannot be read becomes a located diagnostic
 * (E005 / E008) and returns false; the caller goes on with other files.
 */
#include "appgen/diag.h"
bool cli_read_blueprint(ag_buf *out, const char *path, ag_diags *d);

/*
 * Expand PATH arguments to blueprint files: a directory gives its *.json
 * files (sorted), a file itself. A path that does not exist is a usage
 * error (returns EXIT_USAGE after printing). *files is a NULL-ended array
 * (free with cli_files_free).
 */
int cli_expand_paths(char ***files, size_t *n, int argc, char **argv, const char *cmd);
void cli_files_free(char **files);

/* The JSON Schema text compiled into the binary. */
extern const char ag_schema_json[];
extern const size_t ag_schema_json_len;

#endif
