-- appgen.out - line-oriented output for emitters (after premake's
-- w / push / pop / capture).
--
--   local out = require("appgen.out")
--   local o = out.new(4)            -- indent: a width, a string, or {indent = 2}
--   o.push("class %s(Base):", name) -- a line, then one level deeper
--   o.w("id: int")                  -- one line; no arguments = no formatting
--   o.w("name = %s", ag.py.str(n))  -- with arguments: only %s (and %%)
--   o.pop()                         -- one level back (and a line if given)
--   local text = o.text()           -- every line, "\n"-terminated
--
-- Each function works called as o.w(...) or o:w(...). Empty lines carry
-- no indentation; text with newlines is indented line by line. Format
-- arguments must not be nil (a nil in generated code is always a bug).

local M = {}

local sub, byte = string.sub, string.byte

-- new(opts): a writer (w, push, pop, capture, depth, text). Its engine is
-- ag.writer in C (src/gen/lua_out.c): lines go straight into one buffer.
-- A format with arguments takes only %s (any value but nil, through
-- tostring) and %%; a line alone is written as it is.
function M.new(opts)
	local unit
	if type(opts) == "table" then
		opts = opts.indent
	end
	if opts == nil then
		unit = "    "
	elseif type(opts) == "number" then
		unit = string.rep(" ", opts)
	elseif type(opts) == "string" then
		unit = opts
	else
		error("appgen.out.new: indent must be a number or a string", 2)
	end
	return ag.writer(unit)
end

-- A template's text (ctx:template) ending in exactly one newline.
function M.render(ctx, name, vars)
	return M.one_newline(ctx:template(name, vars))
end

-- Text with its trailing newlines replaced by exactly one.
function M.one_newline(text)
	local e = #text
	while e > 0 and byte(text, e) == 10 do
		e = e - 1
	end
	if e == #text - 1 then
		return text
	end
	return sub(text, 1, e) .. "\n"
end

return M
