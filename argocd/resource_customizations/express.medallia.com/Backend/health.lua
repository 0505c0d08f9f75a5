-- Argo CD health of an Express node (Backend or Frontend), which makes sync
-- waves wait for the node. Runs in Argo CD's sandbox: Lua 5.1 with only the
-- base, package and table libraries (no global os, string or math). Rules,
-- first match wins (express-waves' `status` command applies the same ones):
--   annotation express.medallia.com/up: "false"     -> Healthy (down on purpose)
--   no status                                       -> Progressing
--   status.observedGeneration < metadata.generation -> Progressing
--   condition Degraded/Failed "True", or phase Failed/Broken/Error -> Degraded
--   status.deploymentRevision ~= the revision label -> Progressing (rolling out)
--   condition Ready "True"                          -> Healthy
--   otherwise                                       -> Progressing
-- and then, on-call's escape hatch past a node known broken: annotation
-- express.medallia.com/health: "ignore" -> Healthy whatever the above says,
-- with a message naming who asked (express.medallia.com/health-ignored-by)
-- and what the rules above say.
local meta = obj.metadata or {}
local annotations = meta.annotations or {}
local labels = meta.labels or {}

local function assess()
  local hs = {}

  if annotations["express.medallia.com/up"] == "false" then
    hs.status = "Healthy"
    hs.message = "Intentionally down"
    return hs
  end

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

  local want = labels["express.medallia.com/deployment-revision"]
  if want ~= nil and st.deploymentRevision ~= want then
    hs.status = "Progressing"
    hs.message = "Rolling out revision " .. want .. ", running " .. tostring(st.deploymentRevision or "none")
    return hs
  end

  if ready ~= nil and ready.status == "True" then
    hs.status = "Healthy"
    if st.deploymentRevision ~= nil then
      hs.message = "Ready at revision " .. tostring(st.deploymentRevision)
    else
      hs.message = "Ready"
    end
    return hs
  end

  hs.status = "Progressing"
  hs.message = "Waiting for Ready (phase " .. tostring(phase or "unknown") .. ")"
  if ready ~= nil and ready.message ~= nil then
    hs.message = hs.message .. ": " .. tostring(ready.message)
  end
  return hs
end

local hs = assess()
if annotations["express.medallia.com/health"] == "ignore" then
  local by = annotations["express.medallia.com/health-ignored-by"]
  if by == nil or by == "" then
    by = "nobody named (express.medallia.com/health-ignored-by is not set)"
  end
  return {
    status = "Healthy",
    message = "Health check ignored, asked by " .. tostring(by) .. " (express.medallia.com/health: ignore); the node is " .. hs.status .. ": " .. hs.message
  }
end
return hs
