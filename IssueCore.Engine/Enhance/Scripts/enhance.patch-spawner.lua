-- The default patch spawner: proposes the RFC 6902 operations the issue carries.
-- Input: the whole ctx (issue, prev_bp, ...). Output: $.proposal =
--   { ok = true,  ops = [...], rationale = "...", bump = "patch"|"minor"|"major" }
--   { ok = false, reason = "...", ops = [], rationale = "...", bump = "..." }
-- A host replaces it by registering its own agent named "patch-spawner" (for example a language model).
local issue = _CTX.issue
local rationale = issue.rationale
if rationale == nil or rationale == host.null then rationale = issue.intent end
local bump = issue.bump
if bump == nil or bump == host.null then bump = "patch" end

local ops = issue.patch
if ops == nil or ops == host.null then
  return { ok = true, value = {
    ok = false,
    reason = "the issue carries no RFC 6902 operations and no host patch-spawner is registered",
    ops = host.array(), rationale = rationale, bump = bump } }
end
if not host.is_array(ops) then
  return { ok = true, value = {
    ok = false,
    reason = "the issue's patch is not an array of RFC 6902 operations",
    ops = host.array(), rationale = rationale, bump = bump } }
end
return { ok = true, value = { ok = true, ops = ops, rationale = rationale, bump = bump } }
