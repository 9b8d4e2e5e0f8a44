-- "poll-now" is always offered: a reconcile request also re-polls a finished node.
local actions = {}
actions["poll-now"] = {["disabled"] = false}
return actions
