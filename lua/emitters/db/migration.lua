-- emitters.db.migration - db/migrations/0001_init.sql: the first version
-- of an app's database (DESIGN §4 "Migrations").
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

-- The table constraints of one column, with the IR's names: unique, then
-- the checks (a NULL passes every check; NOT NULL is the column's).
local function column_constraints(col, items)
	local names = col.sqlNames or {}
	local c = ident(col.name)
	if col.unique and names.unique then
		items[#items + 1] = constraint(names.unique, string.format("UNIQUE (%s)", c))
	end
	if col.enum ~= nil and names.checkEnum then
		local values = {}
		for _, v in ipairs(col.enum) do
			values[#values + 1] = lit(v)
		end
		items[#items + 1] = constraint(names.checkEnum, string.format("CHECK (%s IN (%s))", c, table.concat(values, ", ")))
	end
	if col.min ~= nil and names.checkMin then
		items[#items + 1] = constraint(names.checkMin, string.format("CHECK (%s >= %s)", c, lit(col.min)))
	end
	if col.max ~= nil and names.checkMax then
		items[#items + 1] = constraint(names.checkMax, string.format("CHECK (%s <= %s)", c, lit(col.max)))
	end
	if col.maxLength ~= nil and names.checkMaxLength then
		items[#items + 1] = constraint(names.checkMaxLength,
			string.format("CHECK (char_length(%s) <= %s)", c, lit(col.maxLength)))
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

local function users(o, app)
	local auth = app.security.auth
	if not auth.enabled then
		return
	end
	local u = M.users_table
	local roles = {}
	for _, r in ipairs(app.security.roles) do
		roles[#roles + 1] = lit(r)
	end
	local admin = app.security.roles[1]
	o.w("-- The app's users (login, role). Policies: the admin role (%s) may do", admin)
	o.w("-- everything; a user reads and updates their own row (without changing")
	o.w("-- its role); login reads the row whose email is app.login_email.")
	if auth.signupRole ~= nil and auth.signupRole ~= ag.null then
		o.w("-- Signup inserts a %s row whose email is app.login_email.", auth.signupRole)
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
		"CONSTRAINT " .. ident(u .. "_role_check") .. " CHECK (" .. ident("role") .. " IN ("
			.. table.concat(roles, ", ") .. "))",
	})
	o.pop(");")
	touch_trigger(o, app, u)
	force_rls(o, app, u)
	local is_admin = sql.role_is(admin)
	local own = ident("id") .. " = " .. sql.user_id
	create_policy(o, app, u, "users_admin", "ALL", is_admin, is_admin)
	create_policy(o, app, u, "users_self_select", "SELECT", own)
	create_policy(o, app, u, "users_self_update", "UPDATE", own,
		own .. " AND " .. ident("role") .. " = " .. sql.user_role)
	create_policy(o, app, u, "users_login", "SELECT", ident("email") .. " = " .. sql.login_email)
	if auth.signupRole ~= nil and auth.signupRole ~= ag.null then
		create_policy(o, app, u, "users_signup", "INSERT", nil,
			ident("role") .. " = " .. lit(auth.signupRole) .. " AND " .. ident("email") .. " = " .. sql.login_email)
	end
	o.w("")
end

local function tables(o, app)
	for _, name in ipairs(app.data.tableOrder) do
		local t = table_by_name(app, name)
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
				o.w("CREATE INDEX %s ON %s (%s);", ident(names.index), q(app, t.name), ident(col.name))
			end
		end
		if has_column(t, "updated_at") then
			touch_trigger(o, app, t.name)
		end
		o.w("")
	end
end

local function foreign_keys(o, app)
	local rels = app.data.relationships
	if #rels == 0 then
		return
	end
	o.w("-- Foreign keys, after every table exists (cycles and self-references work).")
	for _, rel in ipairs(rels) do
		local action = on_delete[rel.onDelete]
		if not action then
			error("emitters.db.migration: unknown onDelete '" .. tostring(rel.onDelete) .. "'", 0)
		end
		o.w("ALTER TABLE %s ADD CONSTRAINT %s", q(app, rel.fkTable), ident(rel.constraint))
		o.w("    FOREIGN KEY (%s) REFERENCES %s (%s) ON DELETE %s;", ident(rel.fkColumn), q(app, rel.refTable),
			ident(rel.refColumn), action)
	end
	o.w("")
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
			create_policy(o, app, name, "p_" .. name .. "_open", "ALL", "true", "true")
		end
		for _, p in ipairs(app.security.policies) do
			if p.table == name then
				local cond = sql.policy_condition(app, p.role, name)
				local command = commands[p.command]
				if not command then
					error("emitters.db.migration: unknown policy command '" .. tostring(p.command) .. "'", 0)
				end
				if command == "INSERT" then
					create_policy(o, app, name, p.name, command, nil, cond)
				elseif command == "UPDATE" then
					create_policy(o, app, name, p.name, command, cond, cond)
				else
					create_policy(o, app, name, p.name, command, cond)
				end
			end
		end
		o.w("")
	end
end

local function record(o, app)
	o.w("INSERT INTO %s (%s, %s) VALUES (%s, %s);", q(app, M.migrations_table), ident("version"), ident("name"),
		tostring(M.version), lit(M.name))
	o.w("")
	o.w("COMMIT;")
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

function M.render(app)
	local o = out.new(4)
	for _, section in ipairs(M.sections) do
		section(o, app)
	end
	return o.text()
end

-- The migration files this emitter writes, in order: {version, name,
-- path} each. Other emitters (emitters.backend.alembic, emitters.app.docs)
-- follow this list rather than guessing file names.
function M.files(app)
	return { { version = M.version, name = M.name, path = M.path } }
end

function M.emit(app, ctx)
	ctx:file(M.path, M.render(app))
end

return M
