-- Argo CD health of a paiflow.dev PipelineRunNode, read from the conditions the controller writes
-- (Ready, Reconciling and Stalled share one reason; see docs/gitops.md for the mapping).
local hs = {}

local function condition(conditions, type)
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

local status = obj.status
if status == nil or status.conditions == nil or #status.conditions == 0 then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to report status"
  return hs
end

-- Conditions describe the last generation the controller acted on; an unobserved spec change
-- (e.g. a new nodeId) makes them stale.
local generation = obj.metadata.generation
if generation ~= nil and status.observedGeneration ~= nil and status.observedGeneration ~= generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe generation " .. tostring(generation)
  return hs
end

local stalled = condition(status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.message or stalled.reason or ""
  return hs
end

local ready = condition(status.conditions, "Ready")
if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to report status"
  return hs
end

hs.message = ready.message or ready.reason or ""
if ready.status == "True" then
  hs.status = "Healthy"
elseif ready.status == "False" and (ready.reason == "Suspended" or ready.reason == "NodeSuspended") then
  hs.status = "Suspended"
elseif ready.status == "False" then
  hs.status = "Degraded"
else
  -- Ready Unknown (Reconciling=True): in progress, or polling failing transiently.
  hs.status = "Progressing"
end
return hs
