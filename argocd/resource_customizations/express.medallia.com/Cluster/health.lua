-- Argo CD health of an Express Cluster CR. Runs in Argo CD's sandbox: Lua
-- 5.1 with only the base, package and table libraries (no global os, string
-- or math).
-- Rules, first match wins (express-waves' `status` command applies the same):
--   no status                                       -> Progressing
--   status.observedGeneration < metadata.generation -> Progressing
--   condition Degraded/Failed "True", or phase Failed/Broken/Error -> Degraded
--   condition Ready "True"                          -> Healthy
--   otherwise                                       -> Progressing
local hs = {}
local meta = obj.metadata or {}

local st = obj.status
if st == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to report status"
  return hs
end

if meta.generation ~= nil and st.observedGeneration ~= nil and st.observedGeneration < meta.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to observe generation " .. tostring(meta.generation)
  return hs
end

local ready = nil
for _, c in ipairs(st.conditions or {}) do
  if (c.type == "Degraded" or c.type == "Failed") and c.status == "True" then
    hs.status = "Degraded"
    hs.message = c.type .. ": " .. tostring(c.message or "no message")
    return hs
  end
  if c.type == "Ready" then
    ready = c
  end
end

local phase = st.phase
if phase == "Failed" or phase == "Broken" or phase == "Error" then
  hs.status = "Degraded"
  hs.message = "Phase " .. phase .. ": " .. tostring(st.message or "no message")
  return hs
end

if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = "Ready"
  return hs
end

hs.status = "Progressing"
hs.message = "Waiting for Ready (phase " .. tostring(phase or "unknown") .. ")"
if ready ~= nil and ready.message ~= nil then
  hs.message = hs.message .. ": " .. tostring(ready.message)
end
return hs
