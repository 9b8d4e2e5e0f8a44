-- Asks the controller for one poll now: it polls whenever this annotation takes a new value,
-- even for a finished node, and echoes the value in status.lastHandledReconcileAt.
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["paiflow.dev/reconcile-requested-at"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
