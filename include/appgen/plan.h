/*
 * plan.h - migration planning: what changes in the database between two
 * versions of one blueprint (DESIGN §4 "Migrations", §5: the C core plans
 * what changes, the Lua emitter renders how the SQL looks).
 *
 * ag_plan_diff(old, new) compares two IRs of one app and gives the ordered
 * steps that turn a database created by `old`'s migrations into the one a
 * fresh build of `new` creates (the same tables, columns, constraints,
 * indexes, foreign keys, policies and names; only the physical column
 * order may differ, since ADD COLUMN appends).
 *
 * Matching. A new table matches the old table of the same name, else the
 * old table its `renamedFrom` names (a rename); a hint whose old name does
 * not exist in `old`, or is taken by a same-named match, is ignored, so it
 * may stay in later versions. Columns match the same way inside a matched
 * table. Unmatched old tables/columns are dropped, unmatched new ones added.
 *
 * Derived objects (constraints, indexes, foreign keys, policies) are
 * compared by SQL name and definition: an old object whose name or
 * definition is not in `new` is dropped, a new one that was not in `old`
 * is created. A definition names the tables and columns it uses and their
 * types, so a rename or a type change drops and recreates what depends on
 * it (its derived name changes with a rename anyway). The primary key is
 * the exception: a renamed table's key constraint is renamed.
 *
 * Steps, in this order (each a JSON object with "op"; `table` is the
 * table's name at the time the step runs; `column` objects have the shape
 * of ag_ir_to_json's columns, `table` objects of its tables):
 *   drop_policy      {table, name}
 *   drop_constraint  {table, name}               foreign keys first, then
 *                                                unique, CHECK, _users_role_check
 *   drop_index       {table, name}
 *   drop_table       {table}                     also "_users" when auth is turned off
 *   rename_table     {from, to}
 *   rename_constraint {table, from, to}          a renamed table's primary key
 *   drop_column      {table, column}
 *   rename_column    {table, from, to}
 *   create_table     {table: {...}}              columns, key, unique and CHECK
 *                                                constraints, indexes, trigger, RLS
 *   create_users     {roles, adminRole, signupRole}  auth turned on: _users + its policies
 *   add_column       {table, column: {...}}      with NOT NULL and DEFAULT
 *   drop_default     {table, column}
 *   alter_type       {table, column, from, to}   from/to: blueprint type names
 *   set_default      {table, column: {...}}
 *   fill_nulls       {table, column: {...}}      rows with NULL get the default
 *                                                (before set_not_null)
 *   set_not_null     {table, column}
 *   drop_not_null    {table, column}
 *   delete_users     {roles}                     users whose role was removed
 *   add_constraint   {table, name, kind, column: {...}}  kind: unique, checkEnum,
 *                                                checkMin, checkMax, checkMaxLength
 *   create_index     {table, name, column}
 *   add_foreign_key  {constraint, fkTable, fkColumn, refTable, refColumn, onDelete}
 *   add_role_check   {roles}                     _users_role_check with the new roles
 *   create_policy    {table, name, kind, ...}    kind "role": {role, command, filter?};
 *                                                "open": auth off; "users": a _users
 *                                                policy ({role} for users_admin and
 *                                                users_signup)
 *
 * Refusals. A destructive step needs its entry in the NEW version's
 * `migrations.allowDestructive`, spelt exactly:
 *   "drop table T"            T the old table name
 *   "drop column T.C"         T the table's new name, C the old column name
 *   "alter column T.C type"   a narrowing type change (anything but int ->
 *                             float, date -> timestamptz, X -> text, X -> jsonb);
 *                             values that do not convert fail the migration
 *   "drop role R"             a role removed while auth stays on: its users go
 *   "disable auth"            auth turned off: the _users table goes
 * Without it the plan is refused with an E230 error located in the new
 * blueprint (the column's or table's span; for what no longer exists, the
 * "tables", "roles" or "auth" key). A step that cannot succeed on existing
 * rows is refused too (E231): a new required column without a default on
 * an existing table, or a column becoming required without a default.
 * A column that becomes required WITH a default has its NULLs set to the
 * default first (fill_nulls). Tightened CHECKs, UNIQUE or foreign keys are
 * checked by PostgreSQL when the migration runs: rows that break them fail
 * the whole migration (one transaction), nothing is half-applied.
 *
 * Diagnostics need the new version's source text (`text`, `len`) for the
 * caret line; it may be NULL.
 */
#ifndef AG_PLAN_H
#define AG_PLAN_H

#include "ir.h"

#define AG_PLAN_NAME_MAX 60

typedef struct ag_plan {
	cJSON *steps;        /* array of step objects (above), in order; owned */
	size_t destructive;  /* steps that an allowDestructive entry permitted */
	/* a short name for the migration file, from its most telling step:
	 * "add_deals_notes", "drop_notes_and_more", "security",
	 * "no_schema_change"; lowercase letters, digits and '_' */
	char name[AG_PLAN_NAME_MAX + 1];
} ag_plan;

/*
 * Plan old -> new. 0 with `out` filled; AG_EINVALID when a step is refused
 * (diagnostics in `d`, `out` still holds the whole plan); AG_ENOMEM.
 * ag_plan_dispose() in every case.
 */
int ag_plan_diff(ag_plan *out, const ag_ir *old_ir, const ag_ir *new_ir, const char *text, size_t len,
	ag_diags *d);

void ag_plan_dispose(ag_plan *p);

/*
 * One app's versions, oldest first, as the build compiled them: irs[k] is
 * NULL when version k does not validate; texts[k] its source (for
 * diagnostics); labels[k] names it in messages (e.g. a commit id). The
 * last one is the head and must be valid.
 *
 * A version counts when it validates and its plan from the last counted
 * version is not refused; any other historic version is skipped with a
 * W903 warning in `d` (at the head, a refusal's errors go to `d` and the
 * result is AG_EINVALID). A version whose database schema (slug) differs
 * from the last counted one starts the count again: its 0001 creates that
 * schema. Counted versions are numbered 1..N without gaps: *version = N.
 *
 * *out (NULL when N == 1) is the list handed to the emitters as
 * app.versions: [{version, name, label, blueprintVersion, steps}] where
 * `version` is the migration number, `blueprintVersion` the IR's version
 * field (the caller sets it), and entry 1 has "name": "init", no steps,
 * and "app": the first counted version's IR (ag_ir_to_json) from which
 * 0001 is rendered.
 */
int ag_plan_versions(cJSON **out, unsigned *version, ag_ir *const *irs, const char *const *texts,
	const size_t *lens, const char *const *labels, size_t n, ag_diags *d);

#endif
