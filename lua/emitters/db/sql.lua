-- emitters.db.sql - PostgreSQL expressions for the db emitters.
--
-- Every identifier goes through ag.sql.ident (always quoted) and every
-- literal through ag.sql.lit with a cast to its column type, so any name
-- the validator accepts (`order`, `from`, `select`, ...) and any value
-- gives SQL that runs. These are expressions, not statements: the
-- emitters lay the statements out with appgen.out.

local M = {}

local ident, lit = ag.sql.ident, ag.sql.lit

-- Blueprint column types -> PostgreSQL types.
M.types = {
	uuid = "uuid",
	text = "text",
	int = "bigint",
	float = "double precision",
	bool = "boolean",
	date = "date",
	timestamptz = "timestamptz",
	jsonb = "jsonb",
}

function M.type(t)
	local sql = M.types[t]
	if not sql then
		error("emitters.db.sql: unknown column type '" .. tostring(t) .. "'", 2)
	end
	return sql
end

-- "schema"."name"
function M.qualified(schema, name)
	return ident(schema) .. "." .. ident(name)
end

-- A literal of column type t, cast to it: 'lead'::text, (-3)::bigint,
-- '{"n": 1}'::jsonb. JSON null (ag.null) is a typed NULL. A jsonb value is
-- its JSON text, whatever it is (a JSON string "x" is '"x"'::jsonb).
function M.literal(value, t)
	local sqltype = M.type(t)
	if value == nil or value == ag.null then
		return "NULL::" .. sqltype
	end
	local text
	if t == "jsonb" then
		text = lit(ag.json(value))
	else
		text = lit(value)
	end
	if type(value) == "number" and value < 0 then
		text = "(" .. text .. ")"
	end
	return text .. "::" .. sqltype
end

-- A column's DEFAULT expression, or nil when it has none.
function M.default(col)
	local d = col.default
	if d == nil or d == ag.null then
		return nil
	end
	if d.kind == "uuid" then
		return "gen_random_uuid()"
	elseif d.kind == "now" then
		return col.type == "date" and "current_date" or "now()"
	elseif d.kind == "value" then
		if d.value == ag.null then
			return nil
		end
		return M.literal(d.value, col.type)
	end
	error("emitters.db.sql: unknown default kind '" .. tostring(d.kind) .. "' on column " .. col.name, 2)
end

-- Session settings the generated backend sets per transaction with
-- set_config(name, value, true). Each read is wrapped in (select ...) so
-- PostgreSQL evaluates it once per statement, not once per row; an unset
-- or empty setting reads as NULL, which matches nothing.
function M.setting(name, cast)
	local read = "nullif(current_setting(" .. lit(name) .. ", true), '')"
	if cast then
		read = read .. "::" .. cast
	end
	return "(select " .. read .. ")"
end

M.user_id = M.setting("app.user_id", "uuid")
M.user_role = M.setting("app.role")
M.user_email = M.setting("app.email")
M.login_email = M.setting("app.login_email")

local variables = {
	["user.id"] = M.user_id,
	["user.role"] = M.user_role,
	["user.email"] = M.user_email,
}

-- The session's role is `role` (a blueprint role name).
function M.role_is(role)
	return M.user_role .. " = " .. lit(role)
end

local function is_null(opnd)
	return opnd.column == nil and opnd.variable == nil and (opnd.value == nil or opnd.value == ag.null)
end

local function operand(opnd)
	if opnd.column ~= nil then
		return ident(opnd.column)
	elseif opnd.variable ~= nil then
		local sql = variables[opnd.variable]
		if not sql then
			error("emitters.db.sql: unknown row-filter variable '" .. tostring(opnd.variable) .. "'", 0)
		end
		return sql
	end
	return M.literal(opnd.value, opnd.type)
end

local filters = {}

function filters.equals(f)
	if is_null(f.right) then
		return operand(f.left) .. " IS NULL"
	elseif is_null(f.left) then
		return operand(f.right) .. " IS NULL"
	end
	return operand(f.left) .. " = " .. operand(f.right)
end

function filters.in_(f)
	local values, has_null = {}, false
	for _, v in ipairs(f.values) do
		if v == ag.null then
			has_null = true
		else
			values[#values + 1] = M.literal(v, f.type)
		end
	end
	local col = ident(f.column)
	local parts = {}
	if #values > 0 then
		parts[#parts + 1] = col .. " IN (" .. table.concat(values, ", ") .. ")"
	end
	if has_null then
		parts[#parts + 1] = col .. " IS NULL"
	end
	if #parts == 0 then
		return "FALSE"
	elseif #parts == 1 then
		return parts[1]
	end
	return "(" .. table.concat(parts, " OR ") .. ")"
end

local function junction(f, word, empty)
	local parts = {}
	for _, arg in ipairs(f.args) do
		parts[#parts + 1] = M.filter(arg)
	end
	if #parts == 0 then
		return empty
	elseif #parts == 1 then
		return parts[1]
	end
	return "(" .. table.concat(parts, " " .. word .. " ") .. ")"
end

function filters.and_(f)
	return junction(f, "AND", "TRUE")
end

function filters.or_(f)
	return junction(f, "OR", "FALSE")
end

-- A normalized row-filter tree as a boolean SQL expression over the
-- table's columns.
function M.filter(f)
	local fn = filters[f.op] or filters[f.op .. "_"]
	if not fn then
		error("emitters.db.sql: unknown row-filter op '" .. tostring(f.op) .. "'", 0)
	end
	return fn(f)
end

-- The row filter of role on table (the IR's rowFilters), or nil.
function M.row_filter(app, role, table_name)
	for _, rf in ipairs(app.security.rowFilters) do
		if rf.role == role and rf.resource == table_name then
			return rf.filter
		end
	end
	return nil
end

-- The condition of one policy: the role test, AND the row filter if the
-- role has one on the table.
function M.policy_condition(app, role, table_name)
	local cond = M.role_is(role)
	local f = M.row_filter(app, role, table_name)
	if f then
		cond = cond .. " AND " .. M.filter(f)
	end
	return cond
end

return M
