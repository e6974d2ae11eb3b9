/*
 * passes.h - the validator's passes, in the order validate.c runs them.
 * Each reads the BlueprintV2 tree, reports into the context and fills
 * its part of the IR; later passes see what earlier ones resolved.
 */
#ifndef AG_PASSES_H
#define AG_PASSES_H

#include "check_util.h"

/* data.tables -> ir->tables (with system columns). */
void ag_pass_tables(vctx *v, const cJSON *tables);
/* data.relationships -> ir->relationships (resolved). */
void ag_pass_relationships(vctx *v, const cJSON *rels);
/* security -> auth, roles, perms, filters. */
void ag_pass_security(vctx *v, const cJSON *security);
/* ui -> ir->ui (normalized copy). */
void ag_pass_ui(vctx *v, const cJSON *ui);
/* Derived names, indexes, table order, policies. */
void ag_pass_normalize(vctx *v);

/* Does a JSON value fit column c? On false, *why says why (arena). */
bool ag_value_fits(vctx *v, const ag_column *c, const cJSON *val, const char **why);
/* Column names of a table, for "did you mean". */
const char **ag_column_names(vctx *v, const ag_table *t);
const char **ag_table_names(vctx *v);

#endif
