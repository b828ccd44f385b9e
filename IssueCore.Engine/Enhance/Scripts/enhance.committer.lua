-- Tallies the verifier verdicts and decides (the host commits only what its own verifier-router recorded as passing). Output: $.commit =
--   { status = "applied",  new_hash, new_blueprint, bump, patch_hash, rationale, summary, verdicts }
--   { status = "rejected", reasons = { "axis: reason", ... }, rationale, summary, verdicts }
-- A patch that did not apply is always rejected (its first reason is "patch: ..."), and so is one that changes
-- nothing (reason "unchanged: ...").
local ctx = _CTX
local applied = ctx.applied
local proposal = ctx.proposal
local rationale = proposal and proposal.rationale
if type(rationale) ~= "string" then rationale = ctx.issue.intent end

local verdicts = host.array()
local reasons = host.array()
if applied.ok ~= true then
  reasons[#reasons + 1] = "patch: " .. tostring(applied.error)
end

local passed = 0
for _, branch in ipairs(ctx.verdicts) do
  -- Each element is a fan-out branch's ctx holding its verdict at .verdict, or (when the fan-out collects only
  -- that member) the verdict itself. The host counts only the verdicts it recorded; these are for the summary.
  local v = branch.verdict
  if v == nil then v = branch end
  verdicts[#verdicts + 1] = host.object({ axis = v.axis, status = v.status, detail = v.detail })
  if v.status == "pass" then
    passed = passed + 1
  else
    reasons[#reasons + 1] = v.axis .. ": " .. v.detail
  end
end

-- Applied means a new version: a result equal to the head is rejected even when no axis (noop) denied it.
if #reasons == 0 and applied.new_hash == ctx.prev_hash then
  reasons[#reasons + 1] = "unchanged: the patch changes nothing (the content is still " .. string.sub(tostring(ctx.prev_hash), 1, 12) .. ")"
end

local total = #verdicts
if #reasons == 0 then
  local from = applied.label_from
  local to = applied.label_to
  local labels = ""
  if type(from) == "string" and type(to) == "string" then labels = " " .. from .. " -> " .. to end
  return { ok = true, value = {
    status = "applied",
    new_hash = applied.new_hash,
    new_blueprint = applied.new_blueprint,
    bump = applied.bump,
    patch_hash = applied.patch_hash,
    rationale = rationale,
    summary = "applied" .. labels .. " (" .. applied.bump .. "); " .. passed .. "/" .. total .. " axes passed",
    verdicts = verdicts,
  } }
end

return { ok = true, value = {
  status = "rejected",
  reasons = reasons,
  rationale = rationale,
  summary = "rejected: " .. #reasons .. " reason(s); " .. passed .. "/" .. total .. " axes passed",
  verdicts = verdicts,
} }
