/* cmd_schema.c - appgen schema: print the BlueprintV2 JSON Schema. */
#include "cli.h"

static int run(int argc, char **argv, const cli_opts *o)
{
	ag_buf b = AG_BUF_INIT;
	int rc;

	(void)argv;
	(void)o;
	if (argc > 1)
		return cli_usage("schema", "takes no arguments");
	ag_buf_put(&b, ag_schema_json, ag_schema_json_len);
	rc = cli_write(stdout, &b);
	ag_buf_dispose(&b);
	return rc;
}

const cli_cmd cli_cmd_schema = {
	"schema", run, "print the BlueprintV2 JSON Schema",
	"usage: appgen schema\n\n"
	"Prints the JSON Schema (2020-12) of the BlueprintV2 format to standard output.\n"
	"Point an editor at it for completion and checking as you type:\n"
	"  appgen schema > blueprint-v2.schema.json\n"
	"and \"$schema\": \"./blueprint-v2.schema.json\" at the top of a blueprint.\n"
	"appgen's own validator (appgen check) also checks the rules a schema cannot\n"
	"express: references between tables, types of row filters, file names.\n"
};
