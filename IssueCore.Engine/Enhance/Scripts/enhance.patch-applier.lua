-- Applies the proposed RFC 6902 operations to prev_bp. Never raises for a bad patch: an invalid
-- operation or pointer, or a failing "test" operation, is recorded as { ok = false, error = ... }
-- so the verifiers deny it. On a real change, bumps metadata.version_label (patch|minor|major)
-- unless the patch itself changed the label, then hashes the canonical form.
-- Output: $.applied =
--   { ok = true, new_blueprint = {...}, new_hash, prev_hash, changed, bump, patch_hash, label_from, label_to }
--   { ok = false, error = "...", prev_hash, bump }
local ctx = _CTX
local proposal = ctx.proposal
local prev_hash = ctx.prev_hash

local function fail(message, bump)
  return { ok = true, value = { ok = false, error = message, prev_hash = prev_hash, bump = bump or "patch" } }
end

local function label_of(bp)
  local m = bp.metadata
  if type(m) ~= "table" or host.is_array(m) then return nil end
  local label = m.version_label
  if type(label) ~= "string" then return nil end
  return label
end

if type(proposal) ~= "table" then return fail("the patch spawner returned no proposal") end
local bump = proposal.bump
if bump ~= "patch" and bump ~= "minor" and bump ~= "major" then
  return fail("the proposal's bump must be patch, minor or major, not " .. tostring(bump))
end
if proposal.ok ~= true then
  return fail(tostring(proposal.reason or "the patch spawner proposed nothing"), bump)
end

local ops = proposal.ops
local applied_ok, patched = pcall(host.json_patch, ctx.prev_bp, ops)
if not applied_ok then return fail(tostring(patched), bump) end
if type(patched) ~= "table" or host.is_array(patched) then
  return fail("the patched document is not a JSON object", bump)
end

local new_hash = host.content_hash(patched)
local changed = new_hash ~= prev_hash
local label_from = label_of(ctx.prev_bp)
local label_to = label_of(patched)
if changed and label_to ~= nil and label_to == label_from then
  local bumped_ok, bumped = pcall(host.semver_bump, { label = label_to, bump = bump })
  if not bumped_ok then return fail(tostring(bumped), bump) end
  patched.metadata.version_label = bumped
  label_to = bumped
  new_hash = host.content_hash(patched)
end

return { ok = true, value = {
  ok = true,
  new_blueprint = patched,
  new_hash = new_hash,
  prev_hash = prev_hash,
  changed = changed,
  bump = bump,
  patch_hash = host.content_hash(ops),
  label_from = label_from or host.null,
  label_to = label_to or host.null,
} }
