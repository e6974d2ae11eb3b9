/* pass_normalize.c - derived SQL names, indexes, creation order, policies. */
#include "passes.h"
#include "appgen/hash.h"
#include "appgen/strset.h"

static void mark_filter_columns(ag_table *t, const ag_filter *f)
{
	int c;

	if (!f)
		return;
	if (f->op == AG_F_EQUALS || f->op == AG_F_IN) {
		if ((c = ag_ir_column(t, f->a.column)) >= 0 && !t->columns[c].primary_key)
			t->columns[c].indexed = true;
		if (f->op == AG_F_EQUALS && f->b.kind == AG_OPND_COLUMN &&
		    (c = ag_ir_column(t, f->b.column)) >= 0 && !t->columns[c].primary_key)
			t->columns[c].indexed = true;
		return;
	}
	for (size_t i = 0; i < f->n_children; i++)
		mark_filter_columns(t, f->children[i]);
}

/* Tables in an order where each comes after the tables it references:
 * Kahn's algorithm taking the earliest declared ready table each time.
 * Self-references are ignored; a cycle is broken at its earliest table
 * (the constraints are added after all tables anyway). */
static void creation_order(vctx *v)
{
	ag_ir *ir = v->ir;
	size_t n = ir->n_tables, done = 0;
	bool *placed = ag_arena_calloc(v->a, n + 1, sizeof(bool));

	ir->table_order = ag_arena_calloc(v->a, n + 1, sizeof(size_t));
	if (!placed || !ir->table_order)
		return;
	while (done < n) {
		size_t pick = n;
		for (size_t t = 0; t < n && pick == n; t++) {
			bool ready = !placed[t];
			for (size_t r = 0; ready && r < ir->n_relationships; r++) {
				const ag_relationship *rel = &ir->relationships[r];
				if (rel->fk_table == t && rel->ref_table != t && !placed[rel->ref_table])
					ready = false;
			}
			if (ready)
				pick = t;
		}
		for (size_t t = 0; t < n && pick == n; t++)
			if (!placed[t])
				pick = t;
		placed[pick] = true;
		ir->table_order[done++] = pick;
	}
}

static void policies(vctx *v)
{
	static const uint8_t need[] = { AG_ACT_LIST | AG_ACT_READ, AG_ACT_CREATE, AG_ACT_UPDATE, AG_ACT_DELETE };
	ag_ir *ir = v->ir;
	size_t n = 0;

	if (!ir->perms)
		return;
	ir->policies = ag_arena_calloc(v->a, ir->n_roles * ir->n_tables * 4 + 1, sizeof(ag_policy));
	if (!ir->policies)
		return;
	for (size_t t = 0; t < ir->n_tables; t++)
		for (size_t r = 0; r < ir->n_roles; r++)
			for (int c = 0; c < 4; c++) {
				if (!(ir->perms[r * ir->n_tables + t] & need[c]))
					continue;
				ag_policy *p = &ir->policies[n++];
				p->table = t;
				p->role = r;
				p->command = (ag_command)c;
				p->name = ag_ir_name(v->a, "p", ir->tables[t].name, ir->roles[r],
					ag_command_name(p->command));
			}
	ir->n_policies = n;
}

/*
 * Tables, primary keys, unique constraints and indexes share the schema's
 * relation namespace in PostgreSQL. Derived names can meet each other
 * ("ix_deal_stage_name" from deal.stage_name and deal_stage.name) or a
 * table ("pk_deal" beside a table named pk_deal); the later one then takes
 * a suffix hashed from what it names, which keeps it stable and unique.
 */
static const char *unique_relation_name(vctx *v, ag_strset *taken, const char *name, const char *kind,
	const char *table, const char *column)
{
	ag_buf id = AG_BUF_INIT;
	char suffix[12];
	const char *out = name;

	/* Only names already placed count, so the first holder keeps its name. */
	if (name && ag_strset_has(taken, name)) {
		ag_buf_printf(&id, "%s\x1f%s\x1f%s", kind, table, column ? column : "");
		snprintf(suffix, sizeof(suffix), "%08x", ag_hash_fnv32(id.ptr));
		out = ag_ir_name(v->a, name, suffix, NULL, NULL);
		ag_buf_dispose(&id);
	}
	if (out && ag_strset_add(taken, out) < 0)
		v->a->oom = true;
	return out;
}

void ag_pass_normalize(vctx *v)
{
	ag_ir *ir = v->ir;
	ag_arena *a = v->a;
	char *schema;

	schema = ag_arena_printf(a, "app_%s", ir->slug);
	for (char *p = schema; p && *p; p++)
		if (*p == '-')
			*p = '_';
	ir->db_schema = schema;

	for (size_t r = 0; r < ir->n_relationships; r++) {
		ag_relationship *rel = &ir->relationships[r];
		ag_table *t = &ir->tables[rel->fk_table];
		t->columns[rel->fk_column].indexed = true;
		rel->constraint_name = ag_ir_name(a, "fk", t->name, t->columns[rel->fk_column].name, NULL);
	}
	if (ir->filters)
		for (size_t r = 0; r < ir->n_roles; r++)
			for (size_t t = 0; t < ir->n_tables; t++)
				mark_filter_columns(&ir->tables[t], ir->filters[r * ir->n_tables + t]);
	if (ir->perms)
		for (size_t i = 0; i < ir->n_roles * ir->n_tables; i++)
			ir->perms[i] &= AG_ACT_ALL;

	ag_strset taken;
	ag_strset_init(&taken);
	for (size_t ti = 0; ti < ir->n_tables; ti++)
		if (ag_strset_add(&taken, ir->tables[ti].name) < 0)
			a->oom = true;
	for (size_t ti = 0; ti < ir->n_tables; ti++) {
		ag_table *t = &ir->tables[ti];
		if (!t->label)
			t->label = vc_humanize(a, t->name);
		t->pk_name = unique_relation_name(v, &taken, ag_ir_name(a, "pk", t->name, NULL, NULL), "pk", t->name, NULL);
		for (size_t ci = 0; ci < t->n_columns; ci++) {
			ag_column *c = &t->columns[ci];
			if (!c->label)
				c->label = vc_humanize(a, c->name);
			if (c->primary_key)
				continue;
			if (c->unique)
				c->unique_name = unique_relation_name(v, &taken, ag_ir_name(a, "uq", t->name, c->name, NULL),
					"uq", t->name, c->name);
			else if (c->indexed)
				c->index_name = unique_relation_name(v, &taken, ag_ir_name(a, "ix", t->name, c->name, NULL),
					"ix", t->name, c->name);
			if (c->n_enum)
				c->check_enum = ag_ir_name(a, "ck", t->name, c->name, "enum");
			if (c->has_min)
				c->check_min = ag_ir_name(a, "ck", t->name, c->name, "min");
			if (c->has_max)
				c->check_max = ag_ir_name(a, "ck", t->name, c->name, "max");
			if (c->max_length)
				c->check_length = ag_ir_name(a, "ck", t->name, c->name, "len");
		}
	}
	ag_strset_dispose(&taken);
	creation_order(v);
	policies(v);
}
