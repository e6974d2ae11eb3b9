-- emitters.backend.alembic - backend/alembic.ini, backend/alembic/env.py and
-- one alembic version per SQL migration of emitters.db.migration (DESIGN §4:
-- "alembic/ (env.py + versions that run the SQL migrations)").
--
-- The SQL files stay the single source of truth: a version runs its file
-- as it is, through psycopg on an autocommit connection, so the file's own
-- BEGIN ... COMMIT is the transaction, as under psql. A version whose
-- migration the app schema's _migrations table already records (applied
-- with psql) is skipped. alembic's version table lives in a schema of its
-- own, alembic_<db schema>: the app schema does not exist before 0001, the
-- app's role may not create in public (PostgreSQL 15), and the app schema
-- holds nothing but what the SQL files create. No app schema can take that
-- name: they all start with "app_".
--
-- Files: templates/backend/alembic/{alembic.ini,env.py,version.py}.tpl.

local out = require("appgen.out")
local migration = require("emitters.db.migration")

local M = {}

-- "alembic_app_sales_crm": where alembic keeps its version table.
function M.version_schema(app)
	return "alembic_" .. app.app.dbSchema
end

-- "app_sales_crm"."_migrations", as SQL: where the SQL files record themselves.
function M.migrations_table(app)
	return ag.sql.ident(app.app.dbSchema) .. "." .. ag.sql.ident(migration.migrations_table)
end

-- The alembic revision id of migration version v: "0001".
function M.revision(v)
	return string.format("%04d", v)
end

-- The file name of a path: "0001_init.sql" of "db/migrations/0001_init.sql".
local function base_name(path)
	return path:match("[^/]*$")
end

function M.emit(app, ctx)
	local vars = {
		app = app,
		source = migration.source(app),
		migrations_table = M.migrations_table(app),
		version_schema = M.version_schema(app),
	}
	ctx:file("backend/alembic.ini", out.render(ctx, "backend/alembic/alembic.ini.tpl", vars))
	ctx:file("backend/alembic/env.py", out.render(ctx, "backend/alembic/env.py.tpl", vars))
	local previous = nil
	for _, f in ipairs(migration.files(app)) do
		local file = base_name(f.path)
		local name = file:gsub("%.sql$", "")
		vars.migration = {
			name = name,
			version = f.version,
			revision = M.revision(f.version),
			previous = previous,
			file = file,
			path = f.path,
		}
		ctx:file("backend/alembic/versions/" .. name .. ".py",
			out.render(ctx, "backend/alembic/version.py.tpl", vars))
		previous = vars.migration.revision
	end
end

return M
