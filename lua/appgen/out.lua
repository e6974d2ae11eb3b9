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

	local o = {}
	local lines, n = {}, 0
	local depth = 0
	local prefixes = { [0] = "" }

	-- Drop the object when called with ':'.
	local function args(...)
		if select("#", ...) > 0 and (...) == o then
			return select(2, ...)
		end
		return ...
	end

	local function put(s)
		local prefix = prefixes[depth]
		if not prefix then
			prefix = string.rep(unit, depth)
			prefixes[depth] = prefix
		end
		for line in (s .. "\n"):gmatch("(.-)\n") do
			n = n + 1
			lines[n] = line == "" and "" or prefix .. line
		end
	end

	local function format(fmt, ...)
		if fmt == nil then
			return ""
		end
		if type(fmt) ~= "string" then
			error("appgen.out: a line must be a string, not " .. type(fmt), 3)
		end
		local count = select("#", ...)
		if count == 0 then
			return fmt
		end
		local specs = 0
		for spec in fmt:gmatch("%%(.)") do
			if spec == "s" then
				specs = specs + 1
			elseif spec ~= "%" then
				error("appgen.out: only %s and %% may be used in a format, not %" .. spec, 3)
			end
		end
		if specs ~= count then
			error(string.format("appgen.out: the format has %d %%s for %d arguments", specs, count), 3)
		end
		for i = 1, count do
			local v = select(i, ...)
			if v == nil then
				error(string.format("appgen.out: argument %d is nil", i), 3)
			end
		end
		return string.format(fmt, ...)
	end

	-- w(fmt, ...): one line (or several, if the text has newlines).
	function o.w(...)
		put(format(args(...)))
	end

	-- push([fmt, ...]): the line if given, then indent one level.
	function o.push(...)
		if select("#", args(...)) > 0 then
			put(format(args(...)))
		end
		depth = depth + 1
	end

	-- pop([fmt, ...]): back one level, then the line if given.
	function o.pop(...)
		if depth == 0 then
			error("appgen.out: pop() without push()", 2)
		end
		depth = depth - 1
		if select("#", args(...)) > 0 then
			put(format(args(...)))
		end
	end

	-- capture(fn): what fn writes, as text, instead of adding it here.
	function o.capture(...)
		local fn = args(...)
		local saved_lines, saved_n, saved_depth = lines, n, depth
		lines, n = {}, 0
		local ok, err = pcall(fn)
		local text = n > 0 and table.concat(lines, "\n", 1, n) .. "\n" or ""
		lines, n, depth = saved_lines, saved_n, saved_depth
		if not ok then
			error(err, 0)
		end
		return text
	end

	-- The current indentation level.
	function o.depth()
		return depth
	end

	-- Everything written so far, each line ending in "\n".
	function o.text()
		if n == 0 then
			return ""
		end
		return table.concat(lines, "\n", 1, n) .. "\n"
	end

	return o
end

-- A template's text (ctx:template) ending in exactly one newline.
function M.render(ctx, name, vars)
	return (ctx:template(name, vars):gsub("\n*$", "")) .. "\n"
end

return M
