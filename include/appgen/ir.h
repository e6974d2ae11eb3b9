/*
 * ir.h - the normalized in-memory form of one blueprint.
 *
 * The front end turns a checked blueprint into an ag_ir. Everything in it
 * is final: system columns are present (id first; created_at, updated_at,
 * created_by last), defaults are filled in, references are resolved to
 * indices, and every derived SQL name (schema, constraint, index, policy)
 * is computed and at most 63 bytes long. Names that live in the schema's
 * relation namespace (tables, and the indexes behind primary keys, unique
 * constraints and plain indexes) are unique: a derived name that would
 * collide gets a hash suffix. Iteration order is the order of
 * the blueprint where the user chose it (tables, columns, roles, pages)
 * and sorted otherwise, so the same blueprint always gives the same IR.
 *
 * Ownership: one ag_ir owns an arena holding all strings and arrays, and
 * the cJSON `ui` tree. ag_ir_free() releases all of it. An IR is
 * read-only once built; emitters see it through the Lua bridge.
 */
#ifndef AG_IR_H
#define AG_IR_H

#include "arena.h"
#include "diag.h"
#include <cjson/cJSON.h>

#define AG_NAME_MAX 63 /* PostgreSQL's NAMEDATALEN - 1 */

typedef enum {
	AG_TYPE_UUID, AG_TYPE_TEXT, AG_TYPE_INT, AG_TYPE_FLOAT,
	AG_TYPE_BOOL, AG_TYPE_DATE, AG_TYPE_TIMESTAMPTZ, AG_TYPE_JSONB,
	AG_TYPE__COUNT
} ag_type;

typedef enum { AG_FORMAT_NONE, AG_FORMAT_EMAIL, AG_FORMAT_URL, AG_FORMAT_IMAGE } ag_format;

typedef enum {
	AG_DEFAULT_NONE,
	AG_DEFAULT_VALUE, /* default_json holds a JSON literal */
	AG_DEFAULT_NOW,   /* now() / current_date */
	AG_DEFAULT_UUID   /* gen_random_uuid() */
} ag_default_kind;

typedef struct ag_column {
	const char *name;
	const char *label;        /* given, or derived from the name */
	const char *renamed_from; /* NULL unless given */
	ag_type type;
	ag_format format;
	bool required, unique, indexed, system, primary_key;
	ag_default_kind default_kind;
	const char *default_json; /* canonical JSON text when AG_DEFAULT_VALUE */
	const char **enum_values;
	size_t n_enum;
	bool has_min, has_max;
	double min, max;
	uint32_t max_length; /* 0 = none */
	/* derived names, NULL when the column has none */
	const char *unique_name, *index_name;
	const char *check_enum, *check_min, *check_max, *check_length;
	ag_span span;      /* the column's object */
	ag_span name_span; /* its name (the object's span when it has none) */
} ag_column;

typedef struct ag_table {
	const char *name;
	const char *label;
	const char *renamed_from;
	const char *pk_name; /* the primary-key constraint (and index) */
	ag_column *columns;
	size_t n_columns;
	ag_span span;      /* the table's object */
	ag_span name_span; /* its name (the object's span when it has none) */
} ag_table;

typedef enum { AG_REL_MANY_TO_ONE, AG_REL_ONE_TO_MANY } ag_rel_type;
typedef enum { AG_ON_DELETE_RESTRICT, AG_ON_DELETE_CASCADE, AG_ON_DELETE_SET_NULL } ag_on_delete;

typedef struct ag_relationship {
	ag_rel_type type;
	/* as written */
	const char *from_table, *from_column, *to_table, *to_column;
	/* the foreign key and what it references, as table/column indices */
	size_t fk_table, fk_column, ref_table, ref_column;
	ag_on_delete on_delete;
	const char *lookup_label_column; /* always set: given or the best label */
	const char *constraint_name;
	ag_span span;
} ag_relationship;

enum {
	AG_ACT_LIST = 1 << 0,
	AG_ACT_READ = 1 << 1,
	AG_ACT_CREATE = 1 << 2,
	AG_ACT_UPDATE = 1 << 3,
	AG_ACT_DELETE = 1 << 4,
	AG_ACT_ALL = 31
};

typedef enum { AG_F_EQUALS, AG_F_IN, AG_F_AND, AG_F_OR } ag_filter_op;

typedef enum {
	AG_OPND_COLUMN, AG_OPND_LITERAL,
	AG_OPND_USER_ID, AG_OPND_USER_ROLE, AG_OPND_USER_EMAIL
} ag_operand_kind;

typedef struct ag_operand {
	ag_operand_kind kind;
	const char *column;  /* AG_OPND_COLUMN */
	const char *literal; /* AG_OPND_LITERAL: canonical JSON text */
	ag_type type;        /* the operand's type (a null literal takes the other side's) */
} ag_operand;

typedef struct ag_filter {
	ag_filter_op op;
	ag_operand a, b;      /* AG_F_EQUALS; a is a column whenever one side is */
	const char **values;  /* AG_F_IN: a is the column, values JSON literals */
	size_t n_values;
	struct ag_filter **children; /* AG_F_AND / AG_F_OR */
	size_t n_children;
} ag_filter;

typedef enum { AG_CMD_SELECT, AG_CMD_INSERT, AG_CMD_UPDATE, AG_CMD_DELETE } ag_command;

typedef struct ag_policy {
	const char *name;
	size_t table, role;
	ag_command command;
} ag_policy;

typedef struct ag_ir {
	ag_arena arena;
	const char *file; /* where the blueprint came from, for messages */
	const char *blob; /* hash of the source bytes (Git blob id) */
	unsigned version; /* blueprint version (1 until history is read) */
	ag_span slug_span;       /* where the slug is written, for repo rules */
	const char *slug_source; /* that source line */

	const char *name, *slug, *description, *db_schema;
	bool stopped;
	const char *primary_color, *theme_mode;

	ag_table *tables;
	size_t n_tables;
	size_t *table_order; /* creation order: referenced tables first */
	ag_relationship *relationships;
	size_t n_relationships;

	bool auth_enabled;
	uint32_t token_minutes;
	const char *signup_role; /* NULL unless given */
	const char **roles;      /* roles[0] is the admin role */
	size_t n_roles;
	uint8_t *perms;          /* [role * n_tables + table] -> AG_ACT_* bits */
	ag_filter **filters;     /* [role * n_tables + table] -> row filter or NULL */
	ag_policy *policies;
	size_t n_policies;

	const char **allow_destructive;
	size_t n_allow_destructive;

	/* Where parts of the blueprint are written, for migration diagnostics
	 * about what a version removed (line 0 when absent). */
	ag_span tables_span, roles_span, auth_span;

	/* The app's migration history (ag_plan_versions), set by the build and
	 * owned by the IR; NULL for a single version. Emitters see it as
	 * app.versions. */
	cJSON *versions;

	cJSON *ui; /* normalized ui object (navigation, pages, modals) */
} ag_ir;

void ag_ir_free(ag_ir *ir);

const char *ag_type_name(ag_type t);
/* "an int", "a text", ...: the type name with its article, for messages. */
const char *ag_type_article(ag_type t);
const char *ag_format_name(ag_format f);
const char *ag_on_delete_name(ag_on_delete o);
const char *ag_command_name(ag_command c);

/* Index of a table / column by name, or -1. */
int ag_ir_table(const ag_ir *ir, const char *name);
int ag_ir_column(const ag_table *t, const char *name);

/*
 * A derived SQL name from parts joined by '_'. Names longer than 63 bytes
 * keep their first 54 bytes and get '_' and 8 hex digits of a hash of the
 * full name, so they stay unique and stable.
 */
const char *ag_ir_name(ag_arena *a, const char *prefix, const char *p1, const char *p2,
	const char *p3);

/* The IR as canonical JSON (what blueprint.json in an app tree holds). */
cJSON *ag_ir_to_json(const ag_ir *ir);
/* One table / column in that shape. */
cJSON *ag_ir_table_json(const ag_table *t);
cJSON *ag_ir_column_json(const ag_column *c);
/* A row filter in that shape. */
cJSON *ag_ir_filter_json(const ag_filter *f);

#endif
