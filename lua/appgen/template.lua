-- appgen.template - text templates compiled to Lua.
--
--   {{ expr }}                   tostring(expr); no implicit escaping: say
--                                which, e.g. {{ ag.sql.ident(t.name) }}.
--                                A nil value is an error.
--   {% for x in list %}          the values of a sequence (ipairs)
--   {% for i, x in ipairs(l) %}  any Lua generic or numeric for
--   {% if c %} {% elseif c %} {% else %} {% end %}
--   {% local name = expr %}      a local for the rest of the block
--   {# comment #}
--   {%- ... -%} {{- ... -}}      a '-' next to the delimiter removes the
--                                whitespace (newlines included) on that side.
--
-- Expressions see the template's variables, then ag, ipairs, pairs,
-- tostring, tonumber, type, select, next, error, assert, string, table,
-- math and utf8. A template compiles once per name; the generated Lua
-- keeps the template's line numbers, so every error reads
-- "templates/<name>:<line>: ...".

local M = {}

local base = {
	ag = ag, ipairs = ipairs, pairs = pairs, tostring = tostring, tonumber = tonumber,
	type = type, select = select, next = next, error = error, assert = assert,
	string = string, table = table, math = math, utf8 = utf8,
}

local cache = {}

-- Metatables of template environments, by fallback table.
local env_mts = setmetatable({}, { __mode = "k" })

-- What the compiled chunk gets besides the variables.
local runtime = {
	concat = table.concat,
	ipairs = ipairs,
	-- The variables first, then the fallback (the template's base). A plain
	-- table of variables is copied into a table whose metatable's __index
	-- is the fallback itself, so every lookup stays a table access.
	env = function(vars, fallback)
		if getmetatable(vars) == nil then
			local e = {}
			for k, v in next, vars do
				e[k] = v
			end
			local mt = env_mts[fallback]
			if not mt then
				mt = { __index = fallback }
				env_mts[fallback] = mt
			end
			return setmetatable(e, mt)
		end
		return setmetatable({}, {
			__index = function(_, k)
				local v = vars[k]
				if v == nil then
					v = fallback[k]
				end
				return v
			end,
		})
	end,
	str = function(v)
		if v == nil then
			error("template value is nil", 2)
		end
		return tostring(v)
	end,
}

local function newlines(s)
	local _, n = s:gsub("\n", "")
	return n
end

-- A Lua string literal on one line.
local function quote(s)
	return (string.format("%q", s):gsub("\\\n", "\\n"))
end

local function trim(s)
	return (s:gsub("^%s+", ""):gsub("%s+$", ""))
end

-- The template as a list of tokens {kind, body, line, raw, ltrim, rtrim}.
local function tokenize(src, name)
	local tokens, pos, line = {}, 1, 1
	local closers = { ["{"] = "}}", ["%"] = "%}", ["#"] = "#}" }
	while pos <= #src do
		local s = src:find("{[{%%#]", pos)
		if not s then
			tokens[#tokens + 1] = { kind = "text", body = src:sub(pos), line = line, raw = src:sub(pos) }
			break
		end
		if s > pos then
			local text = src:sub(pos, s - 1)
			tokens[#tokens + 1] = { kind = "text", body = text, line = line, raw = text }
			line = line + newlines(text)
		end
		local open = src:sub(s + 1, s + 1)
		local close = closers[open]
		local e = src:find(close, s + 2, true)
		if not e then
			error(string.format("templates/%s:%d: '{%s' is not closed with '%s'", name, line, open, close), 0)
		end
		local raw = src:sub(s, e + 1)
		local body = src:sub(s + 2, e - 1)
		local tok = { line = line, raw = raw }
		if body:sub(1, 1) == "-" then
			tok.ltrim, body = true, body:sub(2)
		end
		if body:sub(-1) == "-" then
			tok.rtrim, body = true, body:sub(1, -2)
		end
		tok.kind = open == "{" and "expr" or open == "%" and "stmt" or "comment"
		tok.body = trim(body)
		tokens[#tokens + 1] = tok
		line = line + newlines(raw)
		pos = e + 2
	end
	-- Apply the trim markers to the neighbouring text.
	for i, tok in ipairs(tokens) do
		if tok.ltrim and i > 1 and tokens[i - 1].kind == "text" then
			tokens[i - 1].body = tokens[i - 1].body:gsub("%s+$", "")
		end
		if tok.rtrim and tokens[i + 1] and tokens[i + 1].kind == "text" then
			tokens[i + 1].body = tokens[i + 1].body:gsub("^%s+", "")
		end
	end
	return tokens
end

-- One statement -> Lua, checking the block structure.
local function statement(body, line, stack, name)
	local function fail(msg)
		error(string.format("templates/%s:%d: %s", name, line, msg), 0)
	end
	local word = body:match("^[%a_]+") or ""
	local top = stack[#stack]
	if word == "for" then
		stack[#stack + 1] = { kind = "for", line = line }
		local names, expr = body:match("^for%s+([%a_][%w_%s,]-)%s+in%s+(.+)$")
		if names and not names:find(",") then
			return "for _, " .. names .. " in _R.ipairs(" .. expr .. ") do "
		elseif names or body:match("^for%s+[%a_][%w_]*%s*=") then
			return body .. " do "
		end
		fail("expected 'for x in list', 'for k, v in iter' or 'for i = a, b'")
	elseif word == "if" then
		stack[#stack + 1] = { kind = "if", line = line }
		return body .. " then "
	elseif word == "elseif" then
		if not top or top.kind ~= "if" or top.has_else then
			fail("'elseif' without 'if'")
		end
		return body .. " then "
	elseif word == "else" and body == "else" then
		if not top or top.kind ~= "if" or top.has_else then
			fail("'else' without 'if'")
		end
		top.has_else = true
		return "else "
	elseif word == "end" and body == "end" then
		if not top then
			fail("'end' without a block to close")
		end
		stack[#stack] = nil
		return "end "
	elseif word == "local" then
		return body .. " "
	end
	fail("unknown statement '" .. body .. "'")
end

-- The Lua source of a template (exposed for tests and debugging).
function M.compile(src, name)
	name = name or "?"
	local tokens = tokenize(src, name)
	local out = {
		"local _V, _R = ... local _o, _n = {}, 0 local _ENV = _R.env(_V, _ENV) ",
	}
	local stack = {}
	for _, tok in ipairs(tokens) do
		local code
		if tok.kind == "text" then
			if tok.body ~= "" then
				code = "_n = _n + 1 _o[_n] = " .. quote(tok.body) .. " "
			end
		elseif tok.kind == "expr" then
			if tok.body == "" then
				error(string.format("templates/%s:%d: empty {{ }}", name, tok.line), 0)
			end
			code = "_n = _n + 1 _o[_n] = _R.str(" .. tok.body:gsub("\n", " ") .. ") "
		elseif tok.kind == "stmt" then
			code = statement(tok.body:gsub("\n", " "), tok.line, stack, name)
		end
		out[#out + 1] = code
		out[#out + 1] = string.rep("\n", newlines(tok.raw))
	end
	if #stack > 0 then
		local open = stack[#stack]
		error(string.format("templates/%s:%d: '%s' is not closed with {%% end %%}", name, open.line, open.kind), 0)
	end
	out[#out + 1] = " return _R.concat(_o, '', 1, _n)"
	return table.concat(out)
end

local function load_template(name, src)
	local code = M.compile(src, name)
	local fn, err = load(code, "=templates/" .. name, "t", base)
	if not fn then
		error(err, 0)
	end
	return fn
end

-- render(name, vars, loader): templates/<name> with vars; loader(name)
-- gives the text (or nil, message) the first time a name is used.
function M.render(name, vars, loader)
	local fn = cache[name]
	if not fn then
		local src, err = loader(name)
		if not src then
			error(err, 2)
		end
		fn = load_template(name, src)
		cache[name] = fn
	end
	return fn(vars or {}, runtime)
end

-- render_string(text, vars [, name]): an inline template (not cached).
function M.render_string(src, vars, name)
	return load_template(name or "(string)", src)(vars or {}, runtime)
end

return M
