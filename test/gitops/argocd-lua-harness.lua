-- Runs an Argo CD resource customization script the way Argo CD does: the object is the global
-- `obj`, the script's return value is the result.
--   lua5.1 argocd-lua-harness.lua health <health.lua>   < object.lua  -> status, then message
--   lua5.1 argocd-lua-harness.lua action <action.lua>   < object.lua  -> the returned object as JSON
--   lua5.1 argocd-lua-harness.lua action-real-clock <action.lua> < object.lua  -> the same, os.date as is
--   lua5.1 argocd-lua-harness.lua discovery <discovery.lua> < object.lua -> the actions as JSON
-- object.lua is a chunk `return { ... }` (see lua-table.ts). The action mode pins os.date to the
-- zero time, as Argo CD's own action tests expect ("0001-01-01T00:00:00Z").
local mode, script = arg[1], arg[2]

local function encode(value)
  local t = type(value)
  if t == "nil" then
    return "null"
  elseif t == "boolean" or t == "number" then
    return tostring(value)
  elseif t == "string" then
    return '"' .. value:gsub('[%c"\\]', function(c)
      return string.format("\\u%04x", c:byte())
    end) .. '"'
  elseif t == "table" then
    local n = #value
    local parts = {}
    if n > 0 then
      for i = 1, n do
        parts[i] = encode(value[i])
      end
      return "[" .. table.concat(parts, ",") .. "]"
    end
    local keys = {}
    for k in pairs(value) do
      keys[#keys + 1] = tostring(k)
    end
    table.sort(keys)
    for _, k in ipairs(keys) do
      parts[#parts + 1] = encode(k) .. ":" .. encode(value[k])
    end
    return "{" .. table.concat(parts, ",") .. "}"
  end
  error("cannot encode a " .. t)
end

obj = assert(loadstring(io.read("*a"), "object"))()
if mode == "action" then
  os.date = function()
    return "0001-01-01T00:00:00Z"
  end
end
local result = assert(loadfile(script))()
if mode == "health" then
  print(result.status)
  print(result.message)
else
  print(encode(result))
end
