-- emitters.db.migration - db/migrations/NNNN_<name>.sql (DESIGN §4
-- "Migrations"): 0001_init.sql creates the first version of an app's
-- database; each later file applies the steps the C planner found
-- between two blueprint versions (app.versions, see include/appgen/plan.h).
-- Both use the same statement builders below, so applying 0001..N gives
-- the schema a fresh 0001 of version N creates.
--
-- The file runs in one transaction with `psql -v ON_ERROR_STOP=1 -f` as
-- the app's own, non-superuser database role, which owns everything it
-- creates. Because that role owns the tables, every table has row-level
-- security enabled AND forced: the policies apply to the owner too.
--
-- The file is an ordered list of sections (M.sections), each a function
-- (o, app) writing through appgen.out; a repository override can replace,
-- drop or add one. Expressions (types, literals, row filters) come from
-- emitters.db.sql.
--
-- Names this emitter derives (the IR gives every other one):
--   (primary keys take the IR's primaryKeyName, pk_<table> unless taken)
--   _touch_updated_at        trigger function; trigger touch_updated_at per table
--   _users, _migrations      system tables (a leading '_' no blueprint name can take),
--                            with constraints _users_pkey, _users_email_key,
--                            _users_role_check, _migrations_pkey
--   users_*, migrations_all  their policies; p_<table>_open when auth is off

local out = require("appgen.out")
local sql = require("emitters.db.sql")

local ident, lit = ag.sql.ident, ag.sql.lit

local M = {}

M.version = 1
M.name = "init"
M.path = "db/migrations/0001_init.sql"
M.users_table = "_users"
M.migrations_table = "_migrations"
M.touch_function = "_touch_updated_at"
M.touch_trigger = "touch_updated_at"

local on_delete = { restrict = "RESTRICT", cascade = "CASCADE", set_null = "SET NULL" }

local commands = { select = "SELECT", insert = "INSERT", update = "UPDATE", delete = "DELETE" }

-- Where the blueprint came from, for the header: the IR has no file name
-- or version, and a repository's file is always blueprints/<slug>.json.
-- "blueprints/<slug>.json@v<N>": where the app came from, for headers.
function M.source(app)
	return app.app.source .. "@v" .. tostring(app.app.version)
end

-- Write items as the lines of a comma-separated list.
local function list(o, items)
	for i, item in ipairs(items) do
		o.w(i < #items and item .. "," or item)
	end
end

local function q(app, name)
	return sql.qualified(app.app.dbSchema, name)
end

local function column_def(col)
	local parts = { ident(col.name), sql.type(col.type) }
	if col.required or col.primaryKey then
		parts[#parts + 1] = "NOT NULL"
	end
	local default = sql.default(col)
	if default then
		parts[#parts + 1] = "DEFAULT " .. default
	end
	return table.concat(parts, " ")
end

local function constraint(name, body)
	return string.format("CONSTRAINT %s %s", ident(name), body)
end

-- The constraint kinds of a column, in the order a table lists them.
M.constraint_kinds = { "unique", "checkEnum", "checkMin", "checkMax", "checkMaxLength" }

-- The body of one constraint of a column ("UNIQUE (..)", "CHECK (..)"),
-- or nil when the column has no such constraint. A NULL passes every
-- check; NOT NULL is the column's.
function M.constraint_body(col, kind)
	local c = ident(col.name)
	if kind == "unique" then
		return col.unique and string.format("UNIQUE (%s)", c) or nil
	elseif kind == "checkEnum" then
		if col.enum == nil then
			return nil
		end
		local values = {}
		for _, v in ipairs(col.enum) do
			values[#values + 1] = lit(v)
		end
		return string.format("CHECK (%s IN (%s))", c, table.concat(values, ", "))
	elseif kind == "checkMin" then
		return col.min ~= nil and string.format("CHECK (%s >= %s)", c, lit(col.min)) or nil
	elseif kind == "checkMax" then
		return col.max ~= nil and string.format("CHECK (%s <= %s)", c, lit(col.max)) or nil
	elseif kind == "checkMaxLength" then
		return col.maxLength ~= nil and string.format("CHECK (char_length(%s) <= %s)", c, lit(col.maxLength)) or nil
	end
	error("emitters.db.migration: unknown constraint kind '" .. tostring(kind) .. "'", 0)
end

-- The table constraints of one column, with the IR's names.
local function column_constraints(col, items)
	local names = col.sqlNames or {}
	for _, kind in ipairs(M.constraint_kinds) do
		local body = names[kind] and M.constraint_body(col, kind)
		if body then
			items[#items + 1] = constraint(names[kind], body)
		end
	end
end

local function has_column(t, name)
	for _, col in ipairs(t.columns) do
		if col.name == name then
			return true
		end
	end
	return false
end

local function touch_trigger(o, app, table_name)
	o.w("CREATE TRIGGER %s BEFORE UPDATE ON %s", ident(M.touch_trigger), q(app, table_name))
	o.w("    FOR EACH ROW EXECUTE FUNCTION %s();", q(app, M.touch_function))
end

local function force_rls(o, app, table_name)
	o.w("ALTER TABLE %s ENABLE ROW LEVEL SECURITY;", q(app, table_name))
	o.w("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", q(app, table_name))
end

-- CREATE POLICY name ON table FOR command [USING (..)] [WITH CHECK (..)];
local function create_policy(o, app, table_name, name, command, using, check)
	local head = string.format("CREATE POLICY %s ON %s FOR %s", ident(name), q(app, table_name), command)
	local clauses = {}
	if using then
		clauses[#clauses + 1] = "USING (" .. using .. ")"
	end
	if check then
		clauses[#clauses + 1] = "WITH CHECK (" .. check .. ")"
	end
	o.push(head)
	for i, clause in ipairs(clauses) do
		o.w(i == #clauses and clause .. ";" or clause)
	end
	o.pop()
end

local function table_by_name(app, name)
	for _, t in ipairs(app.data.tables) do
		if t.name == name then
			return t
		end
	end
	error("emitters.db.migration: no table '" .. tostring(name) .. "' in the IR", 0)
end

-- ---- sections --------------------------------------------------------------

local function header(o, app)
	local schema = app.app.dbSchema
	o.w("-- generated by appgen from %s — do not edit", M.source(app))
	o.w("--")
	o.w("-- Migration %s of schema %s: the schema, its tables, foreign", string.format("%04d_%s", M.version, M.name), schema)
	o.w("-- keys, indexes and row-level security. Run it once, as the app's own")
	o.w("-- (non-superuser) database role, which will own all of it:")
	o.w("--   psql -v ON_ERROR_STOP=1 -f %s", M.path)
	o.w("-- A second run is refused: the version is recorded in %s.%s.", schema, M.migrations_table)
	o.w("--")
	o.w("-- Row-level security is enabled and forced on every table (it binds the")
	o.w("-- owner too). Policies read these settings, which the backend sets at the")
	o.w("-- start of each transaction with set_config(name, value, true):")
	o.w("--   app.user_id      the signed-in user's id (a uuid)")
	o.w("--   app.role         the signed-in user's role")
	o.w("--   app.email        the signed-in user's email")
	if app.security.auth.enabled then
		o.w("--   app.login_email  login: the email whose %s row may be read (to check", M.users_table)
		o.w("--                    the password); signup: the email of the row to insert")
	end
	o.w("-- A session with none of them set sees no row and can change none.")
	o.w("")
	o.w("SET client_encoding = 'UTF8';")
	o.w("")
	o.w("BEGIN;")
	o.w("")
end

local function guard(o, app)
	local schema = app.app.dbSchema
	local migrations = q(app, M.migrations_table)
	local tag = "$guard$"
	o.w("-- Refuse a second run (the file is one transaction: nothing is left behind).")
	o.w("DO %s", tag)
	o.push("BEGIN")
	o.push("IF to_regclass(%s) IS NOT NULL THEN", lit(migrations))
	o.push("IF EXISTS (SELECT 1 FROM %s WHERE %s = %s) THEN", migrations, ident("version"), tostring(M.version))
	o.w("RAISE EXCEPTION USING")
	o.w("    MESSAGE = %s,", lit(string.format("migration %04d_%s is already applied to schema %s", M.version, M.name, schema)))
	o.w("    HINT = %s;", lit("Each migration runs once; see " .. schema .. "." .. M.migrations_table .. "."))
	o.pop("END IF;")
	o.pop("END IF;")
	o.pop("END")
	o.w("%s;", tag)
	o.w("")
end

local function schema_and_migrations(o, app)
	o.w("CREATE SCHEMA %s;", ident(app.app.dbSchema))
	o.w("")
	o.w("-- Applied migrations, one row per file.")
	o.push("CREATE TABLE %s (", q(app, M.migrations_table))
	list(o, {
		ident("version") .. " integer NOT NULL",
		ident("name") .. " text NOT NULL",
		ident("applied_at") .. " timestamptz NOT NULL DEFAULT now()",
		"CONSTRAINT " .. ident(M.migrations_table .. "_pkey") .. " PRIMARY KEY (" .. ident("version") .. ")",
	})
	o.pop(");")
	force_rls(o, app, M.migrations_table)
	create_policy(o, app, M.migrations_table, "migrations_all", "ALL", "true", "true")
	o.w("")
end

local function touch_function(o, app)
	o.w("-- Keeps updated_at current: one trigger per table.")
	o.w("CREATE FUNCTION %s() RETURNS trigger LANGUAGE plpgsql AS $touch$", q(app, M.touch_function))
	o.push("BEGIN")
	o.w("NEW.%s := now();", ident("updated_at"))
	o.w("RETURN NEW;")
	o.pop("END")
	o.w("$touch$;")
	o.w("")
end

-- The _users table with its trigger, RLS and policies. `auth` is {roles,
-- adminRole, signupRole} (signupRole nil or ag.null when there is none).
local function users_table(o, app, auth)
	local u = M.users_table
	local admin = auth.adminRole
	local signup = auth.signupRole ~= ag.null and auth.signupRole or nil
	o.w("-- The app's users (login, role). Policies: the admin role (%s) may do", admin)
	o.w("-- everything; a user reads and updates their own row (without changing")
	o.w("-- its role); login reads the row whose email is app.login_email.")
	if signup then
		o.w("-- Signup inserts a %s row whose email is app.login_email.", signup)
	end
	o.push("CREATE TABLE %s (", q(app, u))
	list(o, {
		ident("id") .. " uuid NOT NULL DEFAULT gen_random_uuid()",
		ident("email") .. " text NOT NULL",
		ident("password_hash") .. " text NOT NULL",
		ident("role") .. " text NOT NULL",
		ident("created_at") .. " timestamptz NOT NULL DEFAULT now()",
		ident("updated_at") .. " timestamptz NOT NULL DEFAULT now()",
		"CONSTRAINT " .. ident(u .. "_pkey") .. " PRIMARY KEY (" .. ident("id") .. ")",
		"CONSTRAINT " .. ident(u .. "_email_key") .. " UNIQUE (" .. ident("email") .. ")",
		"CONSTRAINT " .. ident(M.role_check) .. " " .. M.role_check_body(auth.roles),
	})
	o.pop(");")
	touch_trigger(o, app, u)
	force_rls(o, app, u)
	for _, name in ipairs(M.users_policies) do
		if name ~= "users_signup" then
			M.users_policy(o, app, name, admin)
		elseif signup then
			M.users_policy(o, app, name, signup)
		end
	end
end

M.role_check = M.users_table .. "_role_check"

-- CHECK ("role" IN ('Admin', 'User'))
function M.role_check_body(roles)
	local values = {}
	for _, r in ipairs(roles) do
		values[#values + 1] = lit(r)
	end
	return "CHECK (" .. ident("role") .. " IN (" .. table.concat(values, ", ") .. "))"
end

-- The policies of _users, in the order 0001 creates them.
M.users_policies = { "users_admin", "users_self_select", "users_self_update", "users_login", "users_signup" }

-- One policy of _users by name; `role` is the admin role for users_admin
-- and the signup role for users_signup.
function M.users_policy(o, app, name, role)
	local u = M.users_table
	local own = ident("id") .. " = " .. sql.user_id
	if name == "users_admin" then
		local is_admin = sql.role_is(role)
		create_policy(o, app, u, name, "ALL", is_admin, is_admin)
	elseif name == "users_self_select" then
		create_policy(o, app, u, name, "SELECT", own)
	elseif name == "users_self_update" then
		create_policy(o, app, u, name, "UPDATE", own, own .. " AND " .. ident("role") .. " = " .. sql.user_role)
	elseif name == "users_login" then
		create_policy(o, app, u, name, "SELECT", ident("email") .. " = " .. sql.login_email)
	elseif name == "users_signup" then
		create_policy(o, app, u, name, "INSERT", nil,
			ident("role") .. " = " .. lit(role) .. " AND " .. ident("email") .. " = " .. sql.login_email)
	else
		error("emitters.db.migration: unknown _users policy '" .. tostring(name) .. "'", 0)
	end
end

local function users(o, app)
	local sec = app.security
	if not sec.auth.enabled then
		return
	end
	users_table(o, app, { roles = sec.roles, adminRole = sec.roles[1], signupRole = sec.auth.signupRole })
	o.w("")
end

-- CREATE TABLE with its key, column constraints and indexes, and the
-- updated_at trigger.
local function create_table(o, app, t)
	local items = {}
	for _, col in ipairs(t.columns) do
		items[#items + 1] = column_def(col)
	end
	items[#items + 1] = "CONSTRAINT " .. ident(t.primaryKeyName) .. " PRIMARY KEY (" .. ident("id") .. ")"
	for _, col in ipairs(t.columns) do
		column_constraints(col, items)
	end
	o.push("CREATE TABLE %s (", q(app, t.name))
	list(o, items)
	o.pop(");")
	for _, col in ipairs(t.columns) do
		local names = col.sqlNames
		if col.indexed and names and names.index then
			M.create_index(o, app, t.name, names.index, col.name)
		end
	end
	if has_column(t, "updated_at") then
		touch_trigger(o, app, t.name)
	end
end

function M.create_index(o, app, table_name, name, column)
	o.w("CREATE INDEX %s ON %s (%s);", ident(name), q(app, table_name), ident(column))
end

local function tables(o, app)
	for _, name in ipairs(app.data.tableOrder) do
		create_table(o, app, table_by_name(app, name))
		o.w("")
	end
end

-- One foreign key ({constraint, fkTable, fkColumn, refTable, refColumn, onDelete}).
local function foreign_key(o, app, rel)
	local action = on_delete[rel.onDelete]
	if not action then
		error("emitters.db.migration: unknown onDelete '" .. tostring(rel.onDelete) .. "'", 0)
	end
	o.w("ALTER TABLE %s ADD CONSTRAINT %s", q(app, rel.fkTable), ident(rel.constraint))
	o.w("    FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s;", ident(rel.fkColumn), q(app, rel.refTable),
		ident(rel.refColumn), action)
end

local function foreign_keys(o, app)
	local rels = app.data.relationships
	if #rels == 0 then
		return
	end
	o.w("-- Foreign keys, after every table exists (cycles and self-references work).")
	for _, rel in ipairs(rels) do
		foreign_key(o, app, rel)
	end
	o.w("")
end

-- The policy of a role on a table: the role test AND its row filter
-- (`filter`, a rowFilters tree, or nil).
local function role_policy(o, app, table_name, name, role, command_name, filter)
	local cond = sql.role_is(role)
	if filter ~= nil and filter ~= ag.null then
		cond = cond .. " AND " .. sql.filter(filter)
	end
	local command = commands[command_name]
	if not command then
		error("emitters.db.migration: unknown policy command '" .. tostring(command_name) .. "'", 0)
	end
	if command == "INSERT" then
		create_policy(o, app, table_name, name, command, nil, cond)
	elseif command == "UPDATE" then
		create_policy(o, app, table_name, name, command, cond, cond)
	else
		create_policy(o, app, table_name, name, command, cond)
	end
end

-- With authentication off every table has one policy open to all.
function M.open_policy_name(table_name)
	return "p_" .. table_name .. "_open"
end

local function open_policy(o, app, table_name)
	create_policy(o, app, table_name, M.open_policy_name(table_name), "ALL", "true", "true")
end

local function row_level_security(o, app)
	local open = not app.security.auth.enabled
	if open then
		o.w("-- Authentication is off: every table is open to every session.")
	else
		o.w("-- Row-level security: one policy per role and command the role may run;")
		o.w("-- a role's row filter limits what it reads, updates, deletes and inserts.")
	end
	for _, name in ipairs(app.data.tableOrder) do
		force_rls(o, app, name)
		if open then
			open_policy(o, app, name)
		end
		for _, p in ipairs(app.security.policies) do
			if p.table == name then
				role_policy(o, app, name, p.name, p.role, p.command, sql.row_filter(app, p.role, name))
			end
		end
		o.w("")
	end
end

local function record_version(o, app, version, name)
	o.w("INSERT INTO %s (%s, %s) VALUES (%s, %s);", q(app, M.migrations_table), ident("version"), ident("name"),
		tostring(version), lit(name))
	o.w("")
	o.w("COMMIT;")
end

local function record(o, app)
	record_version(o, app, M.version, M.name)
end

M.sections = {
	header,
	guard,
	schema_and_migrations,
	touch_function,
	users,
	tables,
	foreign_keys,
	row_level_security,
	record,
}

-- The database of version 1 (0001_init.sql) of `app`.
function M.render(app)
	local o = out.new(4)
	for _, section in ipairs(M.sections) do
		section(o, app)
	end
	return o.text()
end

-- ---- later versions: one statement group per planner step ------------------

local function alter(o, app, table_name, fmt, ...)
	o.w("ALTER TABLE %s " .. fmt .. ";", q(app, table_name), ...)
end

local function column_of(s)
	return ident(s.column)
end

-- USING expression of a type change: a direct cast where PostgreSQL has
-- one, through text otherwise; anything becomes jsonb with to_jsonb.
local function convert(column, from, to)
	local c = ident(column)
	local target = sql.type(to)
	if to == "jsonb" then
		return "to_jsonb(" .. c .. ")"
	elseif from == "jsonb" then
		return "(" .. c .. " #>> '{}')::" .. target
	elseif (from == "bool" and to == "int") or (from == "int" and to == "bool") then
		return c .. "::integer::" .. target
	elseif from == "text" or to == "text" or (from == "int" and to == "float") or (from == "float" and to == "int")
		or (from == "date" and to == "timestamptz") or (from == "timestamptz" and to == "date") then
		return c .. "::" .. target
	end
	return c .. "::text::" .. target
end

-- Statements that change rows run with row-level security not forced, so
-- the owner (the migration's role) sees every row; it is forced again
-- before the transaction ends.
local function unforced(o, app, table_name, fn)
	o.w("ALTER TABLE %s NO FORCE ROW LEVEL SECURITY;", q(app, table_name))
	fn()
	o.w("ALTER TABLE %s FORCE ROW LEVEL SECURITY;", q(app, table_name))
end

local steps = {}

function steps.drop_policy(o, app, s)
	o.w("DROP POLICY %s ON %s;", ident(s.name), q(app, s.table))
end

function steps.drop_constraint(o, app, s)
	alter(o, app, s.table, "DROP CONSTRAINT %s", ident(s.name))
end

function steps.drop_index(o, app, s)
	o.w("DROP INDEX %s;", q(app, s.name))
end

function steps.drop_table(o, app, s)
	o.w("DROP TABLE %s;", q(app, s.table))
end

function steps.rename_table(o, app, s)
	alter(o, app, s.from, "RENAME TO %s", ident(s.to))
end

function steps.rename_constraint(o, app, s)
	alter(o, app, s.table, "RENAME CONSTRAINT %s TO %s", ident(s.from), ident(s.to))
end

function steps.drop_column(o, app, s)
	alter(o, app, s.table, "DROP COLUMN %s", column_of(s))
end

function steps.rename_column(o, app, s)
	alter(o, app, s.table, "RENAME COLUMN %s TO %s", ident(s.from), ident(s.to))
end

function steps.create_table(o, app, s)
	create_table(o, app, s.table)
	force_rls(o, app, s.table.name)
end

function steps.create_users(o, app, s)
	users_table(o, app, s)
end

function steps.add_column(o, app, s)
	alter(o, app, s.table, "ADD COLUMN %s", column_def(s.column))
end

function steps.drop_default(o, app, s)
	alter(o, app, s.table, "ALTER COLUMN %s DROP DEFAULT", column_of(s))
end

function steps.alter_type(o, app, s)
	alter(o, app, s.table, "ALTER COLUMN %s TYPE %s USING %s", column_of(s), sql.type(s.to),
		convert(s.column, s.from, s.to))
end

function steps.set_default(o, app, s)
	alter(o, app, s.table, "ALTER COLUMN %s SET DEFAULT %s", ident(s.column.name), sql.default(s.column))
end

function steps.fill_nulls(o, app, s)
	local c = ident(s.column.name)
	unforced(o, app, s.table, function()
		o.w("UPDATE %s SET %s = %s WHERE %s IS NULL;", q(app, s.table), c, sql.default(s.column), c)
	end)
end

function steps.set_not_null(o, app, s)
	alter(o, app, s.table, "ALTER COLUMN %s SET NOT NULL", column_of(s))
end

function steps.drop_not_null(o, app, s)
	alter(o, app, s.table, "ALTER COLUMN %s DROP NOT NULL", column_of(s))
end

function steps.delete_users(o, app, s)
	local roles = {}
	for _, r in ipairs(s.roles) do
		roles[#roles + 1] = lit(r)
	end
	unforced(o, app, M.users_table, function()
		o.w("DELETE FROM %s WHERE %s IN (%s);", q(app, M.users_table), ident("role"), table.concat(roles, ", "))
	end)
end

function steps.add_constraint(o, app, s)
	local body = M.constraint_body(s.column, s.kind)
	if not body then
		error("emitters.db.migration: column " .. s.column.name .. " has no " .. s.kind .. " constraint", 0)
	end
	alter(o, app, s.table, "ADD CONSTRAINT %s %s", ident(s.name), body)
end

function steps.create_index(o, app, s)
	M.create_index(o, app, s.table, s.name, s.column)
end

function steps.add_foreign_key(o, app, s)
	foreign_key(o, app, s)
end

function steps.add_role_check(o, app, s)
	alter(o, app, M.users_table, "ADD CONSTRAINT %s %s", ident(M.role_check), M.role_check_body(s.roles))
end

function steps.create_policy(o, app, s)
	if s.kind == "role" then
		role_policy(o, app, s.table, s.name, s.role, s.command, s.filter)
	elseif s.kind == "open" then
		open_policy(o, app, s.table)
	elseif s.kind == "users" then
		M.users_policy(o, app, s.name, s.role)
	else
		error("emitters.db.migration: unknown policy kind '" .. tostring(s.kind) .. "'", 0)
	end
end

M.steps = steps

-- "db/migrations/0003_add_deals_notes.sql"
function M.file_path(version, name)
	return string.format("db/migrations/%04d_%s.sql", version, name)
end

local function file_name(version, name)
	return string.format("%04d_%s", version, name)
end

-- Migration v (an entry of app.versions, v.version > 1) of `app`.
function M.render_step_file(app, v, previous)
	local o = out.new(4)
	local schema = app.app.dbSchema
	local migrations = q(app, M.migrations_table)
	local this, before = file_name(v.version, v.name), file_name(previous.version, previous.name)
	o.w("-- generated by appgen from %s@v%s — do not edit", app.app.source, tostring(v.blueprintVersion))
	o.w("--")
	o.w("-- Migration %s of schema %s: what changed from blueprint version %s", this, schema,
		tostring(previous.blueprintVersion))
	o.w("-- to version %s. Run it once, after %s, as the app's own database role:", tostring(v.blueprintVersion),
		before)
	o.w("--   psql -v ON_ERROR_STOP=1 -f %s", M.file_path(v.version, v.name))
	o.w("-- It is one transaction: if a step fails (say, existing rows break a new")
	o.w("-- constraint), nothing of it is applied.")
	o.w("")
	o.w("SET client_encoding = 'UTF8';")
	o.w("")
	o.w("BEGIN;")
	o.w("")
	local tag = "$guard$"
	o.w("-- Run once, and only after the migration before it.")
	o.w("DO %s", tag)
	o.push("BEGIN")
	o.push("IF to_regclass(%s) IS NULL OR NOT EXISTS (SELECT 1 FROM %s WHERE %s = %s) THEN", lit(migrations),
		migrations, ident("version"), tostring(previous.version))
	o.w("RAISE EXCEPTION USING")
	o.w("    MESSAGE = %s,", lit(string.format("migration %s needs %s applied first to schema %s", this, before, schema)))
	o.w("    HINT = %s;", lit("Apply db/migrations in order (db/migrate.sh does)."))
	o.pop("END IF;")
	o.push("IF EXISTS (SELECT 1 FROM %s WHERE %s = %s) THEN", migrations, ident("version"), tostring(v.version))
	o.w("RAISE EXCEPTION USING")
	o.w("    MESSAGE = %s,", lit(string.format("migration %s is already applied to schema %s", this, schema)))
	o.w("    HINT = %s;", lit("Each migration runs once; see " .. schema .. "." .. M.migrations_table .. "."))
	o.pop("END IF;")
	o.pop("END")
	o.w("%s;", tag)
	o.w("")
	if #v.steps == 0 then
		o.w("-- No change to the database schema in this version.")
		o.w("")
	end
	for _, s in ipairs(v.steps) do
		local fn = steps[s.op]
		if not fn then
			error("emitters.db.migration: unknown migration step '" .. tostring(s.op) .. "'", 0)
		end
		fn(o, app, s)
	end
	if #v.steps > 0 then
		o.w("")
	end
	record_version(o, app, v.version, v.name)
	return o.text()
end

-- The migration files this emitter writes, in order: {version, name,
-- path} each. Other emitters (emitters.backend.alembic, emitters.app.docs)
-- follow this list rather than guessing file names.
function M.files(app)
	if app.versions == nil then
		return { { version = M.version, name = M.name, path = M.path } }
	end
	local files = {}
	for _, v in ipairs(app.versions) do
		files[#files + 1] = { version = v.version, name = v.name, path = M.file_path(v.version, v.name) }
	end
	return files
end

function M.emit(app, ctx)
	if app.versions == nil then
		ctx:file(M.path, M.render(app))
		return
	end
	local first = app.versions[1]
	ctx:file(M.path, M.render(first.app))
	for k = 2, #app.versions do
		local v = app.versions[k]
		ctx:file(M.file_path(v.version, v.name), M.render_step_file(app, v, app.versions[k - 1]))
	end
end

return M
