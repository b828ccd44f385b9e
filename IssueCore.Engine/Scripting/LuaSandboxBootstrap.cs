namespace IssueCore.Scripting;

/// <summary>The trusted Lua code that builds the sandbox inside a fresh state, before any script runs.</summary>
internal static class LuaSandboxBootstrap
{
    public const string Source = """
        local natives = ...
        local raw_setmetatable, raw_getmetatable, raw_rawset = setmetatable, getmetatable, rawset
        local raw_load, raw_collectgarbage = load, collectgarbage
        local error, type, rawget, next, ipairs, assert = error, type, rawget, next, ipairs, assert
        local traceback = debug.traceback
        local debug_getmetatable, debug_setmetatable = debug.getmetatable, debug.setmetatable
        local NULL = natives.__null

        -- string.dump would hand out bytecode; the real string table stays reachable through method calls.
        local dump = string.dump
        string.dump = nil

        -- Library functions whose loops the count hook cannot see are replaced (see Wrappers). The wrappers
        -- are compiled without debug information, so an error a native raises inside one carries no
        -- position in this chunk.
        local FREE = natives.__free
        local charge = natives.__charge
        local wrapped
        do
          local wrappers = raw_load(dump(assert(raw_load(natives.__wrappers, "=?", "t")), true), "=?", "b")
          wrapped = wrappers(charge, natives.__pattern, natives.__seed, NULL, FREE, natives.__bytes)
        end

        local protected = {}
        local function readonly(t, name)
          local proxy = {}
          raw_setmetatable(proxy, {
            __index = t,
            __newindex = function() error(name .. " is read-only", 2) end,
            __metatable = false,
            __len = function() return #t end,
            __pairs = function()
              local k
              return function()
                local v
                k, v = next(t, k)
                return k, v
              end, proxy, nil
            end,
          })
          protected[proxy] = true
          return proxy
        end

        local ARRAY = { __metatable = "json array" }
        local OBJECT = { __metatable = "json object" }

        local host = { null = NULL }
        for name, f in next, natives do
          if name:sub(1, 2) ~= "__" then
            host[name] = function(...)
              local ok, r = f(...)
              if not ok then error("host." .. name .. ": " .. r, 2) end
              return r
            end
          end
        end
        function host.array(t)
          if t == nil then t = {} end
          if type(t) ~= "table" then error("host.array expects a table", 2) end
          return raw_setmetatable(t, ARRAY)
        end
        function host.object(t)
          if t == nil then t = {} end
          if type(t) ~= "table" then error("host.object expects a table", 2) end
          return raw_setmetatable(t, OBJECT)
        end
        function host.is_array(t) return type(t) == "table" and raw_getmetatable(t) == "json array" end

        local base = {}
        for _, n in ipairs({ "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
                             "rawlen", "select", "tonumber", "tostring", "type", "getmetatable" }) do
          base[n] = _G[n]
        end
        base._VERSION = _VERSION
        -- Lua runs a message handler inside the frame that raised the error. When the budget hook raised
        -- it, hooks stay suspended while the handler runs, so a handler that loops would never be
        -- stopped. This xpcall calls the handler after the failed call has unwound instead, under the
        -- budget like any other code; an error inside the handler becomes the error value, as in Lua.
        local raw_pcall, pack, unpack = pcall, table.pack, table.unpack
        function base.xpcall(f, handler, ...)
          local r = pack(raw_pcall(f, ...))
          if r[1] then return unpack(r, 1, r.n) end
          local _, value = raw_pcall(handler, r[2])
          return false, value
        end
        local ENV = { __index = base, __metatable = false }
        function base.rawset(t, k, v)
          if protected[t] then error("table is read-only", 2) end
          return raw_rawset(t, k, v)
        end
        -- A table gets a private copy of its metatable's events (a shadow), never the script's table itself:
        -- the collector reads '__mode' and '__gc' from the metatable a table has, so a field set on the
        -- script's table after setmetatable cannot make the table weak (ephemeron chains through weak
        -- tables make one collection step run for seconds, where no hook can stop it) or finalizable.
        -- getmetatable still returns the script's table (the shadow's __metatable); events added to it later
        -- are not seen (set them before setmetatable).
        local EVENTS = { "__index", "__newindex", "__call", "__add", "__sub", "__mul", "__div", "__mod", "__pow",
                         "__unm", "__idiv", "__band", "__bor", "__bxor", "__shl", "__shr", "__bnot", "__concat",
                         "__len", "__eq", "__lt", "__le", "__close", "__tostring", "__name", "__pairs" }
        local SHADOW = {}
        function base.setmetatable(t, mt)
          if protected[t] then error("table is read-only", 2) end
          local tm = type(mt)
          if type(t) ~= "table" or (tm ~= "table" and tm ~= "nil") then return raw_setmetatable(t, mt) end
          local current = debug_getmetatable(t)
          -- Not a shadow (a host array or object, a sandbox table) or a shadow of a protected metatable:
          -- Lua decides, and refuses to change a protected metatable.
          if current ~= nil and rawget(current, SHADOW) ~= false then return raw_setmetatable(t, mt) end
          if mt == nil then
            debug_setmetatable(t, nil)
            return t
          end
          if rawget(mt, "__gc") ~= nil then error("__gc metamethods are not allowed", 2) end
          if rawget(mt, "__mode") ~= nil then error("weak tables (__mode) are not allowed", 2) end
          local shadow = { [SHADOW] = false }
          for i = 1, #EVENTS do
            local k = EVENTS[i]
            local v = rawget(mt, k)
            if v ~= nil then shadow[k] = v end
          end
          local guard = rawget(mt, "__metatable")
          if guard ~= nil then
            shadow[SHADOW] = true
            shadow.__metatable = guard
          else
            shadow.__metatable = mt
          end
          debug_setmetatable(t, shadow)
          return t
        end
        function base.load(chunk, name, mode, env)
          if type(chunk) ~= "string" then error("load accepts only source text", 2) end
          if #chunk > FREE and not charge(#chunk, "load") then return end
          if env == nil then
            env = raw_setmetatable({}, ENV)
            raw_rawset(env, "_G", env)
          end
          return raw_load(chunk, name, "t", env)
        end
        function base.collectgarbage(opt)
          if opt == "count" then return raw_collectgarbage("count") end
          error("collectgarbage: only \"count\" is allowed", 2)
        end
        base.string = readonly(string, "string")
        base.table = readonly(table, "table")
        base.math = readonly(math, "math")
        base.utf8 = readonly(utf8, "utf8")
        base.host = readonly(host, "host")

        -- Scripts see a read-only stand-in for the shared string metatable.
        local smt = raw_getmetatable("")
        smt.__metatable = readonly({ __index = base.string }, "the string metatable")

        local ERRBOX = {}
        local function msgh(e)
          return raw_setmetatable({ e, traceback(nil, 2) }, ERRBOX)
        end

        debug = nil
        return { ENV = ENV, msgh = msgh, ERRBOX = ERRBOX, ARRAY = ARRAY, OBJECT = OBJECT, RUN = wrapped.run }
        """;

    /// <summary>
    /// Replacements for library functions that loop in native code, where the count hook never runs: each
    /// is Lua code the hook counts, or a wrapper that charges the native's loop to the instruction budget
    /// first (<c>__charge</c>); the pattern functions are bounded by <c>__pattern</c> (see
    /// <see cref="LuaPatternCost"/>); <c>math.random</c> seeds itself afresh on its first use in a run.
    /// Loaded without debug information and called once with <c>charge, pattern_bound, seed, NULL, FREE, BYTES</c>;
    /// returns <c>{ run = t }</c>, where the host sets <c>t[1]</c> to false and <c>t[2]</c> to 0 before every run. Arguments a native is known to reject are passed to it under
    /// <c>pcall</c> and its error raised again at the caller, so the message points at the script. The
    /// natives stay in the registry's table of loaded modules, so their own errors name them, as in
    /// <c>'table.move'</c>.
    /// </summary>
    public const string Wrappers = """
        local charge, pattern_bound, seed, NULL, FREE, BYTES = ...
        local error, type, select, tonumber, rawget, rawlen, next, ipairs = error, type, select, tonumber, rawget, rawlen, next, ipairs
        local raw_pcall, pack, unpack = pcall, table.pack, table.unpack
        local tointeger, maxinteger, ult, huge, floor, log = math.tointeger, math.maxinteger, math.ult, math.huge, math.floor, math.log
        local debug_getmetatable = debug.getmetatable

        do
          local registry = debug.getregistry()
          local loaded = registry._LOADED or {}
          registry._LOADED = loaded
          for _, name in ipairs({ "string", "table", "math" }) do
            local copy = {}
            for k, v in next, _G[name] do copy[k] = v end
            loaded[name] = copy
          end
        end

        -- Runs a native on arguments it will most likely reject and raises its error at the wrapper's
        -- caller (level 3: this function, the wrapper, its caller). Returns the results packed when the
        -- native accepts them after all.
        local function reraise(f, ...)
          local r = pack(raw_pcall(f, ...))
          if r[1] then return r end
          error(r[2], 3)
        end

        local function typename(v)
          if v == NULL then return "light userdata" end
          return type(v)
        end

        -- The error luaL_checkinteger raises for argument #arg of fname.
        local function integer_expected(v, arg, fname)
          local why
          if type(v) == "number" or (type(v) == "string" and tonumber(v) ~= nil) then
            why = "number has no integer representation"
          else
            why = "number expected, got " .. typename(v)
          end
          error("bad argument #" .. arg .. " to '" .. fname .. "' (" .. why .. ")", 3)
        end

        local function length(t)
          local n = tointeger(#t)
          if not n then error("object length is not an integer", 3) end
          return n
        end

        -- Per-run state, reset by the host before every run: [1] the generator was seeded in this run,
        -- [2] instructions' worth of library work done since it was last charged.
        local run = { false, 0 }

        -- Charges work to the instruction budget: small amounts add up here and go to the host in batches
        -- of at least FREE instructions. Returns false once the budget is exhausted (the hook then stops
        -- the script).
        local function cost(units, what)
          if units >= FREE then return charge(units, what) end
          local debt = run[2] + units
          if debt >= FREE then
            run[2] = 0
            return charge(debt, what)
          end
          run[2] = debt
          return true
        end

        -- The generator's state is shared by every run on this Lua state: a run's first draw reseeds it.
        local m_random, m_randomseed = math.random, math.randomseed
        function math.random(...)
          if not run[1] then
            run[1] = true
            m_randomseed(seed())
          end
          local nargs = select("#", ...)
          if nargs == 0 then return m_random() end
          local lo, hi = ...
          if nargs == 1 then
            hi = tointeger(lo)
            if hi and hi >= 0 then return m_random(hi) end
          elseif nargs == 2 then
            lo, hi = tointeger(lo), tointeger(hi)
            if lo and hi and lo <= hi then return m_random(lo, hi) end
          end
          local r = reraise(m_random, ...)
          return unpack(r, 2, r.n)
        end
        function math.randomseed(...)
          run[1] = true
          if select("#", ...) == 0 then return m_randomseed(seed()) end
          return m_randomseed(...)
        end

        local t_move, t_insert, t_remove = table.move, table.insert, table.remove
        local t_concat, t_unpack, t_sort = table.concat, table.unpack, table.sort

        function table.move(...)
          local a1, f, e, t, a2 = ...
          f, e, t = tointeger(f), tointeger(e), tointeger(t)
          local ok = f and e and t and (type(a1) == "table" or type(a1) == "string") and (a2 == nil or type(a2) == "table")
          if ok and e >= f then
            ok = (f > 0 or e < maxinteger + f) and t <= maxinteger - (e - f)
            if ok and not cost(e - f + 1.0, "table.move") then return end
          end
          if not ok then
            local r = reraise(t_move, ...)
            return unpack(r, 2, r.n)
          end
          return t_move(...)
        end

        -- insert and remove shift elements one by one: in Lua, so every step is counted (a table whose
        -- __len claims a huge length cannot loop unseen).
        function table.insert(...)
          local t, pos, v = ...
          local nargs = select("#", ...)
          if type(t) ~= "table" or (nargs ~= 2 and nargs ~= 3) then
            local r = reraise(t_insert, ...)
            return unpack(r, 2, r.n)
          end
          if nargs == 2 then return t_insert(...) end -- appending does not loop
          local e = length(t) + 1
          local p = tointeger(pos)
          if not p then integer_expected(pos, 2, "insert") end
          if not ult(p - 1, e) then error("bad argument #2 to 'insert' (position out of bounds)", 2) end
          if e > p then
            for i = e, p + 1, -1 do t[i] = t[i - 1] end
          end
          t[p] = v
        end

        function table.remove(...)
          local t, pos = ...
          if type(t) ~= "table" then
            local r = reraise(t_remove, ...)
            return unpack(r, 2, r.n)
          end
          if pos == nil then return t_remove(...) end -- removing the last element does not loop
          local size = length(t)
          local p = tointeger(pos)
          if not p then integer_expected(pos, 2, "remove") end
          if p ~= size and ult(size, p - 1) then error("bad argument #2 to 'remove' (position out of bounds)", 2) end
          local v = t[p]
          if p < size then
            for i = p, size - 1 do t[i] = t[i + 1] end
            p = size
          end
          t[p] = nil
          return v
        end

        -- concat and unpack: the length is taken here (once) and handed to the native with the range.
        function table.concat(...)
          local t, sep, i, j = ...
          local ts = type(sep)
          local first, last = 1, nil
          local ok = type(t) == "table" and (sep == nil or ts == "string" or ts == "number")
          if ok and i ~= nil then first = tointeger(i) ok = first ~= nil end
          if ok and j ~= nil then last = tointeger(j) ok = last ~= nil end
          if not ok then
            local r = reraise(t_concat, ...)
            return unpack(r, 2, r.n)
          end
          if last == nil then last = length(t) end
          if last >= first then
            local span = last - first
            if not cost(span < 0 and huge or span + 1.0, "table.concat") then return end
          end
          return t_concat(t, sep, first, last)
        end

        function table.unpack(...)
          local t, i, j = ...
          local first, last = 1, nil
          local ok = true
          if i ~= nil then first = tointeger(i) ok = first ~= nil end
          if ok and j ~= nil then last = tointeger(j) ok = last ~= nil end
          if not ok then
            local r = reraise(t_unpack, ...)
            return unpack(r, 2, r.n)
          end
          if last == nil then
            if type(t) ~= "table" then return t_unpack(...) end
            last = length(t)
          end
          if last >= first then
            local span = last - first
            if span < 1000000 and not cost(span + 1.0, "table.unpack") then return end
          end
          return t_unpack(t, first, last)
        end

        -- sort: about n log n comparisons, each possibly native (the default order, or a C function).
        -- A table with __len has it called here and again by the native.
        function table.sort(...)
          local t, comp = ...
          local n
          if type(t) == "table" then
            local mt = debug_getmetatable(t)
            if mt ~= nil and rawget(mt, "__len") ~= nil then n = tointeger(#t) else n = rawlen(t) end
          end
          if n == nil or (n > 1 and (n >= 0x7fffffff or (comp ~= nil and type(comp) ~= "function"))) then
            local r = reraise(t_sort, ...)
            return unpack(r, 2, r.n)
          end
          if n > 1 and not cost(n * (floor(log(n, 2)) + 1), "table.sort") then return end
          return t_sort(...)
        end

        -- rep of an empty string with an empty separator copies nothing n times: the result is "".
        local s_rep = string.rep
        function string.rep(...)
          local s, n, sep = ...
          local ts, tsep = type(s), type(sep)
          if (ts ~= "string" and ts ~= "number") or not tointeger(n) or (sep ~= nil and tsep ~= "string" and tsep ~= "number") then
            local r = reraise(s_rep, ...)
            return unpack(r, 2, r.n)
          end
          if s == "" and (sep == nil or sep == "") then return "" end
          return s_rep(...)
        end

        local s_find, s_match, s_gmatch, s_gsub, s_sub = string.find, string.match, string.gmatch, string.gsub, string.sub
        local FIND, MATCH, GMATCH, GSUB = 1, 2, 3, 4

        local function post_charge(rate, start, fail, stop, what)
          cost(stop and (stop - start + 2) * rate or fail, what)
        end

        local function found(rate, start, fail, a, b, ...)
          post_charge(rate, start, fail, b, "string.find")
          if a == nil then return nil end
          return a, b, ...
        end

        local function matched(s, rate, start, fail, a, b, ...)
          post_charge(rate, start, fail, b, "string.match")
          if a == nil then return nil end
          if select("#", ...) == 0 then return s_sub(s, a, b) end
          return ...
        end

        -- A call whose bound is at most CHEAP matcher steps runs without asking the host, its bound charged
        -- here. The bound of each pattern that grows linearly with the subject is learnt from the host once
        -- and kept here. STEPS matcher steps count as one instruction.
        local math_type = math.type
        local CHEAP, STEPS, SHAPE, MAX_KNOWN = 4096, 4, 8, 256
        local known, known_count = { {}, {}, {}, {} }, 0

        -- The subject's length from init on (as the library counts it), or nil when init is not an integer.
        local function remaining(ls, init)
          if init == nil then return ls end
          if math_type(init) ~= "integer" then return nil end
          local start = init
          if init <= 0 then start = (init == 0 or init < -ls) and 1 or ls + init + 1 end
          if start > ls + 1 then return 0 end
          return ls - start + 1
        end

        local function cheap(op, s, p, init, what)
          if type(s) ~= "string" then return false end
          local shape = known[op][p]
          if not shape then return false end
          local n = remaining(#s, init)
          if n == nil then return false end
          local steps = shape[1] + shape[2] * n
          return steps <= CHEAP and cost(steps / STEPS, what)
        end

        local function learn(op, p, alpha, beta)
          if known_count >= MAX_KNOWN then
            known, known_count = { {}, {}, {}, {} }, 0
          end
          known[op][p] = alpha ~= nil and { alpha, beta }
          known_count = known_count + 1
        end

        -- Asks the host to bound the call (see below), and for the pattern's shape when it is not known yet.
        local function ask(op, p, ...)
          if type(p) == "string" and #p <= 64 and known[op][p] == nil then
            local r1, r2, r3, alpha, beta = pattern_bound(op + SHAPE, ...)
            learn(op, p, alpha, beta)
            return r1, r2, r3
          end
          return pattern_bound(op, ...)
        end

        -- pattern_bound returns true (go ahead), false (refused: the hook stops the script), nil (the native
        -- will probably reject its arguments or pattern) or rate, start, fail (charge afterwards); asked
        -- with SHAPE, it also returns the pattern's linear bound (alpha, beta) or nil in fourth and fifth place.
        function string.find(...)
          local s, p, init, plain = ...
          if plain then
            if type(s) == "string" and type(p) == "string" then
              local n, l2 = remaining(#s, init), #p
              if n then
                local steps = (l2 == 0 or l2 > n) and 1 or (n - l2 + 1) * (1 + l2 // 16)
                if steps <= CHEAP and cost(steps / STEPS, "string.find") then return s_find(...) end
              end
            end
          elseif cheap(FIND, s, p, init, "string.find") then
            return s_find(...)
          end
          local rate, start, fail
          if plain then rate, start, fail = pattern_bound(FIND, ...) else rate, start, fail = ask(FIND, p, ...) end
          if rate == true then return s_find(...) end
          if rate == nil then
            local r = reraise(s_find, ...)
            return unpack(r, 2, r.n)
          end
          if not rate then return end
          return found(rate, start, fail, s_find(...))
        end

        -- A match charged afterwards runs as find (the same matcher and captures) to learn where it ended.
        function string.match(...)
          local s, p, init = ...
          if cheap(MATCH, s, p, init, "string.match") then return s_match(...) end
          local rate, start, fail = ask(MATCH, p, ...)
          if rate == true then return s_match(...) end
          if rate == nil then
            local r = reraise(s_match, ...)
            return unpack(r, 2, r.n)
          end
          if not rate then return end
          return matched(s, rate, start, fail, s_find(s, p, init))
        end

        -- The library's gmatch iterator rescans from its last position to the end on every call after the
        -- last match; this one returns nil forever once it returned nil (the scan was charged once, up front).
        local function exhaustible(it)
          local done = false
          local function pass(a, ...)
            if a == nil then
              done = true
              return nil
            end
            return a, ...
          end
          return function()
            if done then return nil end
            return pass(it())
          end
        end

        function string.gmatch(...)
          local s, p, init = ...
          if cheap(GMATCH, s, p, init, "string.gmatch") then return exhaustible(s_gmatch(...)) end
          local go = ask(GMATCH, p, ...)
          if go == nil then
            local r = reraise(s_gmatch, ...)
            return unpack(r, 2, r.n)
          end
          if go ~= true then return end
          return exhaustible(s_gmatch(...))
        end

        -- A '%' in a replacement string may be rejected part way: such calls always ask the host.
        function string.gsub(...)
          local s, p, repl = ...
          local tr = type(repl)
          if (tr == "function" or tr == "table" or (tr == "string" and not s_find(repl, "%", 1, true))) and cheap(GSUB, s, p, nil, "string.gsub") then
            return s_gsub(...)
          end
          local go = ask(GSUB, p, ...)
          if go == nil then
            local r = reraise(s_gsub, ...)
            return unpack(r, 2, r.n)
          end
          if go ~= true then return end
          return s_gsub(...)
        end

        -- Functions that read a whole string without allocating in proportion (the allocator charges every
        -- byte written or allocated): charged the bytes they may read, BYTES per instruction, before they run.
        -- byte and codepoint may also push one value per byte.
        local function reads(s, what)
          if type(s) ~= "string" then return true end
          local n = #s
          if n < 64 then return true end
          return cost(n / BYTES, what)
        end

        local function reads_values(s, j, what)
          if type(s) ~= "string" then return true end
          local n = #s
          if j == nil or n < 64 then return reads(s, what) end
          return cost(n + n / BYTES, what)
        end

        local u_len, u_offset, u_codepoint = utf8.len, utf8.offset, utf8.codepoint
        local s_byte, s_unpack = string.byte, string.unpack
        local raw_tonumber = tonumber

        function utf8.len(...)
          if not reads((...), "utf8.len") then return end
          return u_len(...)
        end

        function utf8.offset(...)
          if not reads((...), "utf8.offset") then return end
          return u_offset(...)
        end

        function utf8.codepoint(...)
          local s, _, j = ...
          if not reads_values(s, j, "utf8.codepoint") then return end
          return u_codepoint(...)
        end

        function string.byte(...)
          local s, _, j = ...
          if not reads_values(s, j, "string.byte") then return end
          return s_byte(...)
        end

        -- unpack reads the subject and pushes one value per format item.
        function string.unpack(...)
          local fmt, s = ...
          if type(fmt) == "string" and #fmt >= 64 and not cost(#fmt, "string.unpack") then return end
          if not reads(s, "string.unpack") then return end
          return s_unpack(...)
        end

        -- packsize walks its format: one instruction per format byte.
        local s_packsize = string.packsize
        function string.packsize(...)
          local fmt = ...
          if type(fmt) == "string" and #fmt >= 64 and not cost(#fmt, "string.packsize") then return end
          return s_packsize(...)
        end

        -- The library's codes iterator skips continuation bytes before it decodes, so one call on a run of
        -- them scans it all, and the iterator can be called again on any string. Here the subject is
        -- validated (and charged) once, and the iterator only walks that subject.
        local u_codes, rawequal = utf8.codes, rawequal
        function utf8.codes(...)
          local s, lax = ...
          if type(s) ~= "string" then return u_codes(...) end
          if not reads(s, "utf8.codes") then return end
          local n, bad = u_len(s, 1, -1, lax)
          if not n then error("invalid UTF-8 code at byte " .. bad, 2) end
          local f, state, init = u_codes(...)
          return function(subject, i)
            if not rawequal(subject, s) then error("utf8.codes: the iterator walks only its own string", 2) end
            return f(subject, i)
          end, state, init
        end

        -- tonumber scans its whole string argument (leading and trailing spaces included).
        _G.tonumber = function(...)
          if not reads((...), "tonumber") then return end
          return raw_tonumber(...)
        end

        return { run = run }
        """;
}
