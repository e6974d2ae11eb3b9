-- The emitters, in the order they run. Each name is a module under lua/
-- ("emitters.db.schema" is lua/emitters/db/schema.lua) returning a table
-- with emit(app, ctx). A blueprint repository may override any of them
-- (or this list) under .appgen/.
return {
	"emitters.db.migration",
	"emitters.db.teardown",
	"emitters.backend.app",
	"emitters.backend.alembic",
	"emitters.backend.tests",
	"emitters.app.docs",
}
