-- emitters.perm - the actions of a permission (DESIGN §3 "permissions"),
-- in the one order every emitter lists them.
local M = {}

M.actions = { "list", "read", "create", "update", "delete" }

-- The actions permission p grants, in M.actions order.
function M.granted(p)
	local allowed = {}
	for _, a in ipairs(M.actions) do
		if p.actions[a] then
			allowed[#allowed + 1] = a
		end
	end
	return allowed
end

return M
