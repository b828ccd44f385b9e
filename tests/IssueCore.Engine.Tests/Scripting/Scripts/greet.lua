return { ok = true, value = { greeting = "hello " .. _CTX.name } }
