-- emitters.app.docs - what an app tree needs around its code (DESIGN §4
-- "The app tree"): README.md, docker-compose.yml with the scripts it
-- mounts (db/init/00_role.sh creates the app's database role and database,
-- db/migrate.sh applies db/migrations as that role), and the app's own CI,
-- .github/workflows/ci.yml. Templates: templates/app/.
--
-- Escaping by target: Markdown text from the blueprint through md() below
-- (identifiers, which the validator limits to [A-Za-z0-9_], go in code
-- spans as they are); YAML scalars through ag.json (a JSON string is a YAML
-- string); SQL in the scripts through ag.sql. The scripts pass the app's
-- names to psql inside quoted here-documents, so no shell quoting is needed.

local out = require("appgen.out")
local perm = require("emitters.perm")
local migration = require("emitters.db.migration")
local alembic = require("emitters.backend.alembic")

local M = {}

-- The PostgreSQL image of docker compose and CI: the 15 the tests use.
M.postgres_image = "postgres:15.18-bookworm"
M.python_version = "3.11"

M.actions = perm.actions

-- ---- Markdown --------------------------------------------------------------

-- Blueprint text as Markdown inline text: every character CommonMark or
-- GitHub gives a meaning inline (emphasis, code, links, HTML, entities,
-- table cells, strikethrough, math, heading closers) is backslash-escaped,
-- and control characters (a newline would end a table row) become spaces.
-- (ag.md does it.)
function M.md(s)
	return ag.md(tostring(s))
end

local function code(name)
	return "`" .. name .. "`"
end

-- "a, b and c"
local function words(list, last)
	if #list <= 1 then
		return list[1] or ""
	end
	return table.concat(list, ", ", 1, #list - 1) .. " " .. (last or "and") .. " " .. list[#list]
end

local function present(v)
	return v ~= nil and v ~= ag.null
end

-- ---- row filters in words --------------------------------------------------

local variables = {
	["user.id"] = "the signed-in user's id",
	["user.role"] = "the signed-in user's role",
	["user.email"] = "the signed-in user's email",
}

local function value_words(v)
	if not present(v) then
		return "empty"
	end
	return M.md(ag.json(v))
end

local function operand_words(o)
	if present(o.column) then
		return code(o.column)
	elseif present(o.variable) then
		return variables[o.variable] or error("emitters.app.docs: unknown variable '" .. tostring(o.variable) .. "'", 0)
	end
	return value_words(o.value)
end

local filter_words

local function junction_words(f, word, nested)
	local parts = {}
	for _, arg in ipairs(f.args) do
		parts[#parts + 1] = filter_words(arg, true)
	end
	if #parts == 0 then
		return word == "and" and "every row" or "no row"
	end
	local text = table.concat(parts, " " .. word .. " ")
	return (nested and #parts > 1) and "(" .. text .. ")" or text
end

-- A normalized row filter as a sentence fragment: "`owner_id` is the
-- signed-in user's id", "`stage` is one of \"won\" or \"lost\"".
function filter_words(f, nested)
	if f.op == "equals" then
		return operand_words(f.left) .. " is " .. operand_words(f.right)
	elseif f.op == "in" then
		local values = {}
		for _, v in ipairs(f.values) do
			values[#values + 1] = value_words(v)
		end
		if #values == 0 then
			return "no row"
		end
		return code(f.column) .. " is " .. (#values == 1 and values[1] or "one of " .. words(values, "or"))
	elseif f.op == "and" or f.op == "or" then
		return junction_words(f, f.op, nested)
	end
	error("emitters.app.docs: unknown row-filter op '" .. tostring(f.op) .. "'", 0)
end

M.filter_words = filter_words

-- ---- the app's data, ready for the templates --------------------------------

-- The details column of a column's row in the README's table list.
-- `refs` maps "table\0column" to the relationships whose foreign key
-- that column is.
local function column_details(refs, t, c)
	local d = {}
	if c.primaryKey then
		d[#d + 1] = "primary key"
	end
	if c.unique then
		d[#d + 1] = "unique"
	end
	if c.indexed then
		d[#d + 1] = "indexed"
	end
	if present(c.enum) then
		local values = {}
		for _, v in ipairs(c.enum) do
			values[#values + 1] = value_words(v)
		end
		d[#d + 1] = "one of " .. words(values, "or")
	end
	if present(c.min) then
		d[#d + 1] = "at least " .. value_words(c.min)
	end
	if present(c.max) then
		d[#d + 1] = "at most " .. value_words(c.max)
	end
	if present(c.maxLength) then
		d[#d + 1] = "at most " .. tostring(c.maxLength) .. " characters"
	end
	if present(c.format) then
		d[#d + 1] = "format: " .. M.md(c.format)
	end
	if present(c.default) then
		if c.default.kind == "uuid" then
			d[#d + 1] = "default: a new uuid"
		elseif c.default.kind == "now" then
			d[#d + 1] = c.type == "date" and "default: today" or "default: now"
		elseif c.default.kind == "value" and present(c.default.value) then
			d[#d + 1] = "default: " .. value_words(c.default.value)
		end
	end
	for _, r in ipairs(refs[t.name .. "\0" .. c.name] or {}) do
		d[#d + 1] = "references " .. code(r.refTable) .. "." .. code(r.refColumn) .. " (on delete: "
			.. r.onDelete:gsub("_", " ") .. ")"
	end
	if c.system then
		d[#d + 1] = c.name == "created_by" and "set from the signed-in user" or "set by the database"
	end
	return #d > 0 and table.concat(d, "; ") or "—"
end

local function tables(app)
	local list, refs = {}, {}
	for _, r in ipairs(app.data.relationships) do
		local key = r.fkTable .. "\0" .. r.fkColumn
		local l = refs[key] or {}
		l[#l + 1] = r
		refs[key] = l
	end
	for _, t in ipairs(app.data.tables) do
		local columns = {}
		for _, c in ipairs(t.columns) do
			columns[#columns + 1] = {
				name = c.name,
				label = M.md(present(c.label) and c.label or c.name),
				type = c.type,
				required = c.required or c.primaryKey,
				details = column_details(refs, t, c),
			}
		end
		list[#list + 1] = { name = t.name, label = M.md(present(t.label) and t.label or t.name), columns = columns }
	end
	return list
end

local granted = perm.granted

-- Per role, in the blueprint's order: the tables it may use and how,
-- {name, grants = {{table, actions = {...}}, ...}}.
local function roles(app)
	local list = {}
	for _, role in ipairs(app.security.roles) do
		local grants = {}
		for _, p in ipairs(app.security.permissions) do
			local allowed = p.role == role and granted(p) or {}
			if #allowed > 0 then
				grants[#grants + 1] = { table = p.resource, actions = allowed }
			end
		end
		list[#list + 1] = { name = role, grants = grants }
	end
	return list
end

local function row_filters(app)
	local list = {}
	for _, rf in ipairs(app.security.rowFilters) do
		list[#list + 1] = { role = rf.role, table = rf.resource, words = filter_words(rf.filter) }
	end
	return list
end

-- table name -> action -> "Admin, SalesRep" ("anyone" with auth off,
-- "nobody" when no role may), for the API.
local function who(app, role_list)
	local cells = {}
	for _, t in ipairs(app.data.tables) do
		cells[t.name] = {}
		for _, a in ipairs(M.actions) do
			cells[t.name][a] = app.security.auth.enabled and {} or { "anyone" }
		end
	end
	for _, r in ipairs(role_list) do
		for _, g in ipairs(r.grants) do
			for _, a in ipairs(g.actions) do
				table.insert(cells[g.table][a], M.md(r.name))
			end
		end
	end
	for _, t in ipairs(app.data.tables) do
		for _, a in ipairs(M.actions) do
			local names = cells[t.name][a]
			cells[t.name][a] = #names > 0 and table.concat(names, ", ") or "nobody"
		end
	end
	return cells
end

-- The migration files by name, checked to need no quoting in a script.
local function migrations(app)
	local list = {}
	for _, f in ipairs(migration.files(app)) do
		local file = f.path:match("[^/]*$")
		if not file:match("^[%w_.-]+$") then
			error("emitters.app.docs: migration file name '" .. file .. "' needs quoting", 0)
		end
		list[#list + 1] = { version = f.version, file = file, path = f.path }
	end
	return list
end

-- The description (Markdown) without trailing blanks, and without a first
-- line "# <app name>", which would repeat the README's title.
local function description(app)
	local text = present(app.app.description) and app.app.description or ""
	local first, rest = text:match("^#[ \t]+([^\n]-)[ \t]*\n(.*)$")
	if first == app.app.name then
		text = rest
	end
	return (text:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- ---- emit ------------------------------------------------------------------

function M.vars(app)
	local schema = app.app.dbSchema
	local auth = app.security.auth
	local signup = present(auth.signupRole) and auth.signupRole or nil
	local role_list = roles(app)
	return {
		app = app,
		source = migration.source(app),
		md = M.md,
		auth = auth.enabled and true or false,
		admin_role = app.security.roles[1],
		signup_role = signup,
		stopped = app.app.status == "stopped",
		description = description(app),
		-- The backend emitter's names: its .env.example uses the role's
		-- name for the database too.
		role = schema,
		db = schema,
		schema = schema,
		migrations_table = alembic.migrations_table(app),
		version_schema = alembic.version_schema(app),
		migrations = migrations(app),
		tables = tables(app),
		roles = role_list,
		row_filters = row_filters(app),
		who = who(app, role_list),
		actions = M.actions,
		postgres_image = M.postgres_image,
		python_version = M.python_version,
	}
end

function M.emit(app, ctx)
	local vars = M.vars(app)
	ctx:file("README.md", out.render(ctx, "app/README.md.tpl", vars))
	ctx:file("docker-compose.yml", out.render(ctx, "app/docker-compose.yml.tpl", vars))
	ctx:file("db/init/00_role.sh", out.render(ctx, "app/db/init/00_role.sh.tpl", vars), "0755")
	ctx:file("db/migrate.sh", out.render(ctx, "app/db/migrate.sh.tpl", vars), "0755")
	ctx:file(".github/workflows/ci.yml", out.render(ctx, "app/ci.yml.tpl", vars))
end

return M
