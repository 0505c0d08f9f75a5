-- Health of an express-waves approval Gate (waves.express.medallia.com).
-- Suspended until the approval annotation names the rollout its spec
-- guards, then Healthy. Argo CD keeps the sync task of a Suspended resource
-- running, so no later wave is applied until then (gitops-engine
-- pkg/sync/sync_context.go, Sync: only Healthy succeeds a running task).
-- Only what Argo CD's Lua sandbox has: base and table (no string library).
local hs = {}
local spec = obj.spec
local meta = obj.metadata or {}
local annotations = meta.annotations or {}
if spec == nil or type(spec.rollout) ~= "string" or spec.rollout == ""
    or type(spec.cluster) ~= "string" or type(spec.after) ~= "string" then
  hs.status = "Degraded"
  hs.message = "Not a gate express-waves wrote (spec.cluster, spec.after and spec.rollout must be strings): render it again"
  return hs
end
local approved = annotations["waves.express.medallia.com/approved"]
if approved == spec.rollout then
  hs.status = "Healthy"
  local by = annotations["waves.express.medallia.com/approved-by"]
  if type(by) == "string" and by ~= "" then
    hs.message = "Approved by " .. by
  else
    hs.message = "Approved"
  end
  return hs
end
local where = spec.cluster
if type(meta.namespace) == "string" and meta.namespace ~= "" then
  where = meta.namespace .. "/" .. spec.cluster
end
hs.status = "Suspended"
hs.message = "waiting for approval: express-waves approve " .. where .. " --gate " .. spec.after
if approved ~= nil then
  hs.message = hs.message .. " (the approval it has is for another rollout)"
end
return hs
