-- emitters.backend.app - the generated FastAPI backend (DESIGN §4
-- "Generated backend contract"): configuration, database session
-- (identity settings per transaction), SQLAlchemy models, Pydantic
-- schemas, one router per table with the Refine simple-rest list
-- conventions and aggregates, the role x action matrix (403), JWT login,
-- /auth/me, /auth/users, signup and the admin bootstrap when auth is on,
-- Dockerfile and .env.example. (alembic/ and tests/ are written by
-- emitters.backend.alembic and emitters.backend.tests.)
--
-- Static Python comes from templates/backend/*.tpl; the per-table files
-- (models.py, schemas.py, routers/<table>.py) are written here with
-- appgen.out. Names: see emitters.backend.py.

local out = require("appgen.out")
local py = require("emitters.backend.py")
local perm = require("emitters.perm")

local pystr = ag.py.str

local M = {}

-- Exact pins: the transitive closure of fastapi, uvicorn, sqlalchemy 2,
-- pydantic 2, psycopg[binary] 3, PyJWT, bcrypt, python-multipart and
-- alembic, as pip resolved them on CPython 3.11 (linux x86_64).
M.pins = {
	"alembic==1.20.1",
	"annotated-doc==0.0.7",
	"annotated-types==0.8.0",
	"anyio==4.16.0",
	"bcrypt==5.0.0",
	"click==8.5.1",
	"fastapi==0.163.2",
	"h11==0.16.0",
	"idna==3.20",
	"Mako==1.4.3",
	"MarkupSafe==3.0.4",
	"opentelemetry-api==1.45.2",
	"psycopg[binary]==3.3.9",
	"psycopg-binary==3.3.9",
	"pydantic==2.14.3",
	"pydantic_core==2.50.4",
	"PyJWT==2.15.1",
	"python-multipart==0.0.34",
	"SQLAlchemy==2.1.9",
	"starlette==1.10.0",
	"typing-inspection==0.4.5",
	"typing_extensions==4.16.0",
	"uvicorn==0.54.0",
}

M.direct = {
	"fastapi==0.163.2", "uvicorn==0.54.0", "SQLAlchemy==2.1.9", "pydantic==2.14.3", "psycopg[binary]==3.3.9",
	"PyJWT==2.15.1", "bcrypt==5.0.0", "python-multipart==0.0.34", "alembic==1.20.1",
}

M.env = { "DATABASE_URL", "SECRET_KEY", "ADMIN_EMAIL", "ADMIN_PASSWORD", "CORS_ORIGINS" }

local function user_columns(t)
	local cols = {}
	for _, c in ipairs(t.columns) do
		if not c.system then
			cols[#cols + 1] = c
		end
	end
	return cols
end

local function has_default(c)
	return c.default ~= nil and c.default ~= ag.null and not (c.default.kind == "value" and c.default.value == ag.null)
end

-- Class names per table; two tables must not give the same name.
local function class_names(app)
	local seen, names = {}, {}
	for _, t in ipairs(app.data.tables) do
		local base = py.class(t)
		names[t.name] = base
		for _, suffix in ipairs({ "", "Base", "Create", "Update", "Response" }) do
			local n = base .. suffix
			if seen[n] or n == "Col" then
				error("emitters.backend.app: tables '" .. seen[n] .. "' and '" .. t.name .. "' both give the class " .. n, 0)
			end
			seen[n] = t.name
		end
	end
	return names
end

-- ---- models.py -------------------------------------------------------------

function M.models(app, names)
	local o = out.new(4)
	o.w(py.header(app))
	o.w('"""SQLAlchemy 2 models of the tables of schema %s (the database is', app.app.dbSchema)
	o.w("defined by db/migrations; these only map it). A column with a database")
	o.w('default is left out of an INSERT when not given."""')
	o.w("")
	o.w("import datetime as _dt")
	o.w("import typing as _t")
	o.w("import uuid as _uuid")
	o.w("")
	o.w("import sqlalchemy as sa")
	o.w("from sqlalchemy.dialects.postgresql import JSONB")
	o.w("from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column")
	o.w("")
	o.w("from .config import DB_SCHEMA")
	o.w("")
	o.w("")
	o.push("class _Base(DeclarativeBase):")
	o.w("metadata = sa.MetaData(schema=DB_SCHEMA)")
	o.pop()
	for _, t in ipairs(app.data.tables) do
		o.w("")
		o.w("")
		local attrs = py.attrs(t)
		o.push("class %s(_Base):", names[t.name])
		o.w("__tablename__ = %s", pystr(t.name))
		o.w("")
		for _, c in ipairs(t.columns) do
			local ty = py.type(c.type)
			local nullable = not (c.required or c.primaryKey)
			if nullable then
				ty = "_t.Optional[" .. ty .. "]"
			end
			local args = { pystr(c.name), py.sa_type(c.type) }
			if c.primaryKey then
				args[#args + 1] = "primary_key=True"
			end
			args[#args + 1] = "nullable=" .. (nullable and "True" or "False")
			if has_default(c) then
				args[#args + 1] = "server_default=sa.FetchedValue()"
			end
			if c.name == "updated_at" and c.system then
				args[#args + 1] = "server_onupdate=sa.FetchedValue()"
			end
			o.w("%s: Mapped[%s] = mapped_column(%s)", attrs[c.name], ty, table.concat(args, ", "))
		end
		o.pop()
	end
	return o.text()
end

-- ---- schemas.py ------------------------------------------------------------

-- The annotation of column c in a request (input) or a response.
local function annotation(c, input)
	if c.enum ~= nil and c.enum ~= ag.null and #c.enum > 0 then
		local values = {}
		for _, v in ipairs(c.enum) do
			values[#values + 1] = py.literal(v)
		end
		return "_t.Literal[" .. table.concat(values, ", ") .. "]"
	end
	return input and py.input_type(c.type) or py.type(c.type)
end

local function given(v)
	return v ~= nil and v ~= ag.null
end

-- name: type = Field(...) for a Create (update=false) or Update field. A
-- required column is never null; in an Update it may be left out.
local function field(o, c, attr, update)
	local args = {}
	local ty = annotation(c, true)
	if update or not c.required or has_default(c) then
		if not c.required then
			ty = "_t.Optional[" .. ty .. "]"
		end
		args[#args + 1] = "None"
	end
	args[#args + 1] = "alias=" .. pystr(c.name)
	if given(c.maxLength) then
		args[#args + 1] = "max_length=" .. tostring(c.maxLength)
	end
	if given(c.min) then
		args[#args + 1] = "ge=" .. tostring(c.min)
	elseif c.type == "int" then
		args[#args + 1] = "ge=_INT_MIN"
	end
	if given(c.max) then
		args[#args + 1] = "le=" .. tostring(c.max)
	elseif c.type == "int" then
		args[#args + 1] = "le=_INT_MAX"
	end
	o.w("%s: %s = Field(%s)", attr, ty, table.concat(args, ", "))
end

function M.schemas(app, names)
	local o = out.new(4)
	o.w(py.header(app))
	o.w('"""Pydantic v2 schemas per table. JSON names are the blueprint\'s column')
	o.w("names exactly (aliases); unknown fields are rejected; system columns")
	o.w("(id, created_at, updated_at, created_by) appear only in responses. A")
	o.w("response reads the model's attributes by their Python names (an alias")
	o.w('such as "registry" could name something else on a model)."""')
	o.w("")
	o.w("import datetime as _dt")
	o.w("import typing as _t")
	o.w("import uuid as _uuid")
	o.w("")
	o.w("from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, StringConstraints")
	o.w("")
	o.w('_INPUT = ConfigDict(extra="forbid", populate_by_name=True, allow_inf_nan=False)')
	o.w('_OUTPUT = ConfigDict(extra="forbid", populate_by_name=True, from_attributes=True)')
	o.w("")
	o.w("# PostgreSQL text cannot hold NUL; bigint bounds; a timestamp must be")
	o.w("# readable back in Python (its UTC time within years 1..9999).")
	o.w('_Text = _t.Annotated[str, StringConstraints(pattern=r"^[^\\x00]*$")]')
	o.w("_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1")
	o.w("")
	o.w("")
	o.push("def _readable(v: _dt.datetime) -> _dt.datetime:")
	o.push("try:")
	o.w("(v if v.tzinfo else v.replace(tzinfo=_dt.timezone.utc)).astimezone(_dt.timezone.utc)")
	o.pop()
	o.push("except OverflowError:")
	o.w('raise ValueError("out of range: years 1 to 9999 in UTC") from None')
	o.pop()
	o.w("return v")
	o.pop()
	o.w("")
	o.w("")
	o.w("_Timestamp = _t.Annotated[_dt.datetime, AfterValidator(_readable)]")
	for _, t in ipairs(app.data.tables) do
		local n = names[t.name]
		local cols = user_columns(t)
		local attrs = py.attrs(t)
		o.w("")
		o.w("")
		o.push("class %sBase(BaseModel):", n)
		o.w("model_config = _INPUT")
		if #cols > 0 then
			o.w("")
		end
		for _, c in ipairs(cols) do
			field(o, c, attrs[c.name], false)
		end
		o.pop()
		o.w("")
		o.w("")
		o.push("class %sCreate(%sBase):", n, n)
		o.w("pass")
		o.pop()
		o.w("")
		o.w("")
		o.push("class %sUpdate(BaseModel):", n)
		o.w("model_config = _INPUT")
		if #cols > 0 then
			o.w("")
		end
		for _, c in ipairs(cols) do
			field(o, c, attrs[c.name], true)
		end
		o.pop()
		o.w("")
		o.w("")
		o.push("class %sResponse(BaseModel):", n)
		o.w("model_config = _OUTPUT")
		o.w("")
		for _, c in ipairs(t.columns) do
			local ty = annotation(c)
			if not (c.required or c.primaryKey) then
				ty = "_t.Optional[" .. ty .. "]"
			end
			o.w("%s: %s = Field(validation_alias=%s, serialization_alias=%s)", attrs[c.name], ty,
				pystr(attrs[c.name]), pystr(c.name))
		end
		o.pop()
	end
	return o.text()
end

-- ---- routers/<table>.py ----------------------------------------------------

function M.router(app, t, names)
	local n = names[t.name]
	local auth = app.security.auth.enabled
	local o = out.new(4)
	o.w(py.header(app))
	o.w('"""/%s: list (Refine simple-rest), aggregate, get, create, replace, update,', t.name)
	o.w('delete."""')
	o.w("")
	o.w("import uuid as _uuid")
	o.w("")
	o.w("from fastapi import APIRouter, Depends, Request, Response")
	o.w("from sqlalchemy.orm import Session")
	o.w("")
	o.w("from .. import crud")
	o.w("from ..auth import Identity, current_identity")
	o.w("from ..database import get_db")
	o.w("from ..models import %s as Model", n)
	o.w("from ..permissions import require")
	o.w("from ..schemas import %sCreate as Create, %sResponse as Out, %sUpdate as Update", n, n, n)
	o.w("")
	o.w("TABLE = %s", pystr(t.name))
	o.w("router = APIRouter(prefix=\"/\" + TABLE, tags=[TABLE], responses=crud.ERRORS)")
	o.w("")
	local attrs = py.attrs(t)
	o.push("COLUMNS = {")
	for _, c in ipairs(t.columns) do
		o.w("%s: crud.Col(%s, %s%s),", pystr(c.name), pystr(attrs[c.name]), pystr(c.type),
			has_default(c) and ", default=True" or "")
	end
	o.pop("}")
	local created_by = auth and "identity.user_id" or "None"
	o.w("")
	o.w("")
	o.w('@router.get("", response_model=list[Out], dependencies=[Depends(require(TABLE, "list"))],')
	o.w('            openapi_extra={"parameters": crud.list_parameters(COLUMNS)})')
	o.push("def list_rows(request: Request, response: Response, db: Session = Depends(get_db)):")
	o.w("return crud.list_rows(db, Model, COLUMNS, request, response, Out)")
	o.pop()
	o.w("")
	o.w("")
	o.w('@router.get("/aggregate", response_model=crud.Aggregate, dependencies=[Depends(require(TABLE, "list"))],')
	o.w('            openapi_extra={"parameters": crud.aggregate_parameters(COLUMNS)})')
	o.push("def aggregate(request: Request, db: Session = Depends(get_db)):")
	o.w('"""count|sum|avg|min|max of a column, optionally per value of groupBy,')
	o.w('over the rows the list would answer (same filters)."""')
	o.w("return crud.aggregate(db, Model, COLUMNS, request)")
	o.pop()
	o.w("")
	o.w("")
	o.w('@router.get("/{id}", response_model=Out, dependencies=[Depends(require(TABLE, "read"))])')
	o.push("def get_row(id: _uuid.UUID, db: Session = Depends(get_db)):")
	o.w("return crud.get_row(db, Model, id, Out)")
	o.pop()
	o.w("")
	o.w("")
	o.w('@router.post("", response_model=Out, status_code=201, dependencies=[Depends(require(TABLE, "create"))])')
	o.push("def create_row(body: Create, db: Session = Depends(get_db), identity: Identity = Depends(current_identity)):")
	o.w("return crud.create_row(db, Model, body, Out, created_by=%s)", created_by)
	o.pop()
	o.w("")
	o.w("")
	o.w('@router.put("/{id}", response_model=Out, dependencies=[Depends(require(TABLE, "update"))])')
	o.push("def replace_row(id: _uuid.UUID, body: Create, db: Session = Depends(get_db)):")
	o.w("return crud.replace_row(db, Model, COLUMNS, id, body, Out)")
	o.pop()
	o.w("")
	o.w("")
	o.w('@router.patch("/{id}", response_model=Out, dependencies=[Depends(require(TABLE, "update"))])')
	o.push("def update_row(id: _uuid.UUID, body: Update, db: Session = Depends(get_db)):")
	o.w("return crud.update_row(db, Model, id, body, Out)")
	o.pop()
	o.w("")
	o.w("")
	o.w('@router.delete("/{id}", response_model=Out, dependencies=[Depends(require(TABLE, "delete"))])')
	o.push("def delete_row(id: _uuid.UUID, db: Session = Depends(get_db)):")
	o.w("return crud.delete_row(db, Model, id, Out)")
	o.pop()
	return o.text()
end

-- ---- permissions.py --------------------------------------------------------

function M.permissions(app)
	local auth = app.security.auth.enabled
	local o = out.new(4)
	o.w(py.header(app))
	o.w('"""The role x action matrix of the blueprint, checked in the API (403)')
	o.w("before PostgreSQL's row-level security, which enforces it again.")
	o.w('With authentication off every action is open."""')
	o.w("")
	o.w("from fastapi import Depends, HTTPException")
	o.w("")
	o.w("from .auth import Identity, current_identity")
	o.w("")
	o.w("AUTH_ENABLED = %s", auth and "True" or "False")
	o.w("")
	o.w("# (role, table) -> the actions the role may run on the table")
	o.push("PERMISSIONS: dict[tuple[str, str], frozenset[str]] = {")
	if auth then
		for _, p in ipairs(app.security.permissions) do
			local allowed = {}
			for _, a in ipairs(perm.granted(p)) do
				allowed[#allowed + 1] = pystr(a)
			end
			o.w("(%s, %s): frozenset({%s}),", pystr(p.role), pystr(p.resource), table.concat(allowed, ", "))
		end
	end
	o.pop("}")
	o.w("")
	o.w("")
	o.push("def allowed(identity: Identity, table: str, action: str) -> bool:")
	o.w("return not AUTH_ENABLED or action in PERMISSIONS.get((identity.role or \"\", table), frozenset())")
	o.pop()
	o.w("")
	o.w("")
	o.push("def require(table: str, action: str):")
	o.w('"""A dependency: 403 unless the caller\'s role may run `action` on `table`."""')
	o.w("")
	o.push("def check(identity: Identity = Depends(current_identity)) -> Identity:")
	o.push("if not allowed(identity, table, action):")
	o.w('raise HTTPException(status_code=403, detail=f"Your role may not {action} {table}")')
	o.pop()
	o.w("return identity")
	o.pop()
	o.w("")
	o.w("return check")
	o.pop()
	return o.text()
end

-- ---- emit ------------------------------------------------------------------

function M.emit(app, ctx)
	local names = class_names(app)
	local auth = app.security.auth.enabled and true or false
	local tables = {}
	for _, t in ipairs(app.data.tables) do
		tables[#tables + 1] = t.name
	end
	local vars = {
		app = app,
		source = app.app.source .. "@v" .. tostring(app.app.version),
		auth = auth,
		stopped = app.app.status == "stopped",
		tables = tables,
		pins = M.pins,
		role = "app_" .. app.app.slug:gsub("-", "_"),
	}
	ctx:file("backend/requirements.txt", out.render(ctx, "backend/requirements.txt.tpl", vars))
	for _, f in ipairs({ "config", "database", "auth", "crud", "main" }) do
		ctx:file("backend/app/" .. f .. ".py", out.render(ctx, "backend/" .. f .. ".py.tpl", vars))
	end
	if auth then
		ctx:file("backend/app/users.py", out.render(ctx, "backend/users.py.tpl", vars))
	end
	ctx:file("backend/app/__init__.py", py.header(app) .. "\n")
	ctx:file("backend/app/routers/__init__.py", py.header(app) .. "\n")
	ctx:file("backend/app/models.py", M.models(app, names))
	ctx:file("backend/app/schemas.py", M.schemas(app, names))
	ctx:file("backend/app/permissions.py", M.permissions(app))
	for _, t in ipairs(app.data.tables) do
		ctx:file("backend/app/routers/" .. t.name .. ".py", M.router(app, t, names))
	end
	ctx:file("backend/Dockerfile", out.render(ctx, "backend/Dockerfile.tpl", vars))
	ctx:file(".env.example", out.render(ctx, "backend/env.example.tpl", vars))
	for _, d in ipairs(M.direct) do
		ctx:dep("pypi:" .. d)
	end
	for _, e in ipairs(M.env) do
		ctx:env(e)
	end
end

return M
