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

local find, sub, byte = string.find, string.sub, string.byte

-- The number of %s in a format (checked once per format string): only
-- %s and %% may be used.
local function count_specs(fmt)
	local specs, i = 0, 1
	while true do
		i = find(fmt, "%", i, true)
		if not i then
			return specs
		end
		local spec = sub(fmt, i + 1, i + 1)
		if spec == "s" then
			specs = specs + 1
		elseif spec ~= "%" then
			error("appgen.out: only %s and %% may be used in a format, not %" .. spec, 4)
		end
		i = i + 2
	end
end

-- Formats already checked -> their count of %s (formats are few: they are
-- the emitters' string constants).
local checked = {}

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
		local nl = find(s, "\n", 1, true)
		if not nl then
			-- one line: the common case
			n = n + 1
			lines[n] = (s == "" or depth == 0) and s or prefix .. s
			return
		end
		local start = 1
		while true do
			local line = nl and sub(s, start, nl - 1) or sub(s, start)
			n = n + 1
			lines[n] = line == "" and "" or prefix .. line
			if not nl then
				return
			end
			start = nl + 1
			nl = find(s, "\n", start, true)
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
		local specs = checked[fmt]
		if not specs then
			specs = count_specs(fmt)
			checked[fmt] = specs
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
