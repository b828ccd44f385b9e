namespace IssueCore.Scripting;

/// <summary>The trusted Lua code that builds the sandbox inside a fresh state, before any script runs.</summary>
internal static class LuaSandboxBootstrap
{
    public const string Source = """
        local natives = ...
        local raw_setmetatable, raw_getmetatable, raw_rawset = setmetatable, getmetatable, rawset
        local raw_load, raw_collectgarbage = load, collectgarbage
        local error, type, rawget, next, ipairs = error, type, rawget, next, ipairs
        local traceback = debug.traceback
        local NULL = natives.__null

        -- string.dump would hand out bytecode; the real string table stays reachable through method calls.
        string.dump = nil

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
          if name ~= "__null" then
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
        function base.setmetatable(t, mt)
          if protected[t] then error("table is read-only", 2) end
          if type(mt) == "table" and rawget(mt, "__gc") ~= nil then error("__gc metamethods are not allowed", 2) end
          return raw_setmetatable(t, mt)
        end
        function base.load(chunk, name, mode, env)
          if type(chunk) ~= "string" then error("load accepts only source text", 2) end
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
        return { ENV = ENV, msgh = msgh, ERRBOX = ERRBOX, ARRAY = ARRAY, OBJECT = OBJECT }
        """;
}
