-- emitters.backend.tests - the generated app's own pytest suite
-- (backend/tests/, backend/requirements-test.txt).
--
-- The suite is data-driven: tests/blueprint.py, written here, is the IR
-- as Python data (tables and their constraints, relationships, roles,
-- permissions, row filters); the test modules and their helpers are
-- static templates (templates/backend/tests/) that parametrize generic
-- test functions over that data, so a failure names the table, role and
-- action. They run in-process against FastAPI's TestClient and a real
-- PostgreSQL on which db/migrations were applied.

local out = require("appgen.out")
local py = require("emitters.backend.py")
local perm = require("emitters.perm")

local pystr = ag.py.str

local M = {}

-- Exact pins: pytest and httpx2 (what Starlette's TestClient is built on
-- since Starlette 1.x; plain httpx is only a deprecated fallback there)
-- with their whole dependency closure, as pip resolved them on CPython
-- 3.11 (linux x86_64) next to the backend's own pins (anyio, h11, idna
-- and typing_extensions are shared and pinned alike).
M.pins = {
	"anyio==4.16.0",
	"h11==0.16.0",
	"httpcore2==2.16.2",
	"httpx2==2.16.2",
	"idna==3.20",
	"iniconfig==2.3.1",
	"packaging==26.3",
	"pluggy==1.7.0",
	"Pygments==2.21.0",
	"pytest==9.2.0",
	"truststore==0.10.5",
	"typing_extensions==4.16.0",
}

M.direct = { "pytest==9.2.0", "httpx2==2.16.2" }


-- Test modules: every app, then by whether the app is stopped (it then
-- answers 503 but /health) and whether authentication is on.
M.modules = {
	all = { "conftest", "support" },
	stopped = { "test_stopped" },
	auth = { "test_api", "test_auth", "test_access" },
	open = { "test_api", "test_open" },
}

local function present(v)
	return v ~= nil and v ~= ag.null
end

-- A Python number that reads back as the same value.
local function num(v)
	if math.type(v) == "integer" then
		return tostring(v)
	end
	for _, fmt in ipairs({ "%.15g", "%.16g", "%.17g" }) do
		local s = string.format(fmt, v)
		if tonumber(s) == v then
			if not s:find("[.eEn]") then
				s = s .. ".0"
			end
			return s
		end
	end
	error("emitters.backend.tests: a number has no finite Python literal", 0)
end

-- A Python literal of a JSON value; an array or object (a jsonb default)
-- goes through json.loads of its canonical JSON text.
local function lit(v)
	if type(v) == "number" then
		return num(v)
	elseif type(v) == "table" then
		return "_json.loads(" .. pystr(ag.json(v)) .. ")"
	end
	return py.literal(v)
end

-- "a, b, c": the values as literals (strings by default).
local function items(values, fn)
	local parts = {}
	for _, v in ipairs(values) do
		parts[#parts + 1] = (fn or pystr)(v)
	end
	return table.concat(parts, ", ")
end

local function list(values, fn)
	return "[" .. items(values, fn) .. "]"
end

-- {"name": ..., "type": ..., ...}: the keys support.py reads.
local function column(c)
	local f = {
		"\"name\": " .. pystr(c.name),
		"\"type\": " .. pystr(c.type),
		"\"system\": " .. lit(c.system and true or false),
		"\"required\": " .. lit((c.required or c.primaryKey) and true or false),
		"\"unique\": " .. lit(c.unique and true or false),
	}
	local d = c.default
	if present(d) then
		if d.kind == "value" then
			f[#f + 1] = "\"default\": {\"kind\": \"value\", \"value\": " .. lit(d.value) .. "}"
		else
			f[#f + 1] = "\"default\": {\"kind\": " .. pystr(d.kind) .. "}"
		end
	end
	if present(c.enum) and #c.enum > 0 then
		f[#f + 1] = "\"enum\": " .. list(c.enum, lit)
	end
	for _, k in ipairs({ "min", "max", "maxLength" }) do
		if present(c[k]) then
			f[#f + 1] = pystr(k) .. ": " .. num(c[k])
		end
	end
	if present(c.format) then
		f[#f + 1] = "\"format\": " .. pystr(c.format)
	end
	return "{" .. table.concat(f, ", ") .. "}"
end

-- A row filter operand: {"column"|"variable"|"value": ..., "type": ...}.
local function operand(x)
	local f = {}
	if present(x.column) then
		f[#f + 1] = "\"column\": " .. pystr(x.column)
	elseif present(x.variable) then
		f[#f + 1] = "\"variable\": " .. pystr(x.variable)
	else
		f[#f + 1] = "\"value\": " .. lit(x.value)
	end
	if present(x.type) then
		f[#f + 1] = "\"type\": " .. pystr(x.type)
	end
	return "{" .. table.concat(f, ", ") .. "}"
end

local function filter(o, f, tail)
	if f.op == "and" or f.op == "or" then
		o.push("{\"op\": %s, \"args\": [", pystr(f.op))
		for _, a in ipairs(f.args) do
			filter(o, a, ",")
		end
		o.pop("]}" .. tail)
	elseif f.op == "in" then
		o.w("{\"op\": \"in\", \"column\": %s, \"type\": %s, \"values\": %s}%s", pystr(f.column), pystr(f.type),
			list(f.values, lit), tail)
	elseif f.op == "equals" then
		o.w("{\"op\": \"equals\", \"left\": %s, \"right\": %s}%s", operand(f.left), operand(f.right), tail)
	else
		error("emitters.backend.tests: unknown row filter op '" .. tostring(f.op) .. "'", 0)
	end
end

-- ---- tests/blueprint.py ------------------------------------------------------

function M.blueprint(app)
	local sec = app.security
	local auth = sec.auth.enabled and true or false
	local o = out.new(4)
	o.w(py.header(app))
	o.w('"""The blueprint as data for the tests: tables and their columns with')
	o.w("their constraints, relationships, roles, permissions and row filters.")
	o.w('The test modules parametrize generic tests over it."""')
	o.w("")
	o.w("import json as _json  # noqa: F401 (a jsonb default, if any)")
	o.w("")
	o.w("SOURCE = %s", pystr(app.app.source .. "@v" .. tostring(app.app.version)))
	o.w("STOPPED = %s", lit(app.app.status == "stopped"))
	o.w("AUTH = %s", lit(auth))
	o.w("ROLES = %s", auth and list(sec.roles) or "[]")
	o.w("ADMIN_ROLE = %s", auth and #sec.roles > 0 and pystr(sec.roles[1]) or "None")
	o.w("SIGNUP_ROLE = %s", auth and present(sec.auth.signupRole) and pystr(sec.auth.signupRole) or "None")
	o.w("ACTIONS = %s", list(perm.actions))
	o.w("")
	o.w("# Tables in the order their rows can be created (parents first).")
	o.w("TABLE_ORDER = %s", list(app.data.tableOrder))
	o.w("")
	o.w("# table -> its columns, system columns included, in blueprint order")
	o.push("TABLES = {")
	for _, t in ipairs(app.data.tables) do
		o.push("%s: [", pystr(t.name))
		for _, c in ipairs(t.columns) do
			o.w("%s,", column(c))
		end
		o.pop("],")
	end
	o.pop("}")
	o.w("")
	o.w("# Foreign keys: table.column references ref_table.ref_column.")
	o.push("RELATIONSHIPS = [")
	for _, r in ipairs(app.data.relationships) do
		o.w("{\"table\": %s, \"column\": %s, \"ref_table\": %s, \"ref_column\": %s, \"on_delete\": %s},",
			pystr(r.fkTable), pystr(r.fkColumn), pystr(r.refTable), pystr(r.refColumn), pystr(r.onDelete))
	end
	o.pop("]")
	o.w("")
	o.w("# (role, table) -> the actions the role may run; absent = none")
	o.push("PERMISSIONS = {")
	if auth then
		for _, p in ipairs(sec.permissions) do
			local allowed = perm.granted(p)
			o.w("(%s, %s): %s,", pystr(p.role), pystr(p.resource), #allowed > 0 and "{" .. items(allowed) .. "}" or "set()")
		end
	end
	o.pop("}")
	o.w("")
	o.w("# (role, table) -> the row filter: which rows the role reads, updates,")
	o.w("# deletes and may create")
	o.push("ROW_FILTERS = {")
	if auth then
		for _, rf in ipairs(sec.rowFilters) do
			o.push("(%s, %s): (", pystr(rf.role), pystr(rf.resource))
			filter(o, rf.filter, "")
			o.pop("),")
		end
	end
	o.pop("}")
	return o.text()
end

-- ---- emit ------------------------------------------------------------------

function M.emit(app, ctx)
	local auth = app.security.auth.enabled and true or false
	local vars = {
		header = py.header(app),
		pins = M.pins,
		signup = auth and present(app.security.auth.signupRole),
	}
	ctx:file("backend/requirements-test.txt", out.render(ctx, "backend/tests/requirements-test.txt.tpl", vars))
	ctx:file("backend/tests/__init__.py", py.header(app) .. "\n")
	ctx:file("backend/tests/blueprint.py", M.blueprint(app))
	local names = {}
	for _, n in ipairs(M.modules.all) do
		names[#names + 1] = n
	end
	local which = app.app.status == "stopped" and "stopped" or auth and "auth" or "open"
	for _, n in ipairs(M.modules[which]) do
		names[#names + 1] = n
	end
	for _, n in ipairs(names) do
		ctx:file("backend/tests/" .. n .. ".py", out.render(ctx, "backend/tests/" .. n .. ".py.tpl", vars))
	end
	for _, d in ipairs(M.direct) do
		ctx:dep("pypi:" .. d)
	end
end

return M
