-- emitters.backend.alembic - placeholder; see lua/emitters/_manifest.lua.
local M = {}

function M.emit(app, ctx)
end

return M
