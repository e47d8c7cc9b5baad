-- gone-groups: the groups this library saw on a channel ({channel}:groups, where each group is
-- recorded when created or first seen) that no longer exist: destroyed, and not re-created. Their
-- keys (failure records, dedup mark) are cleaned up by forget-group-4.lua. Reads only.
--
-- KEYS[1] the stream
-- KEYS[2] the channel's first-seen times of groups ({channel}:groups)
--
-- Returns the names of the gone groups.

local present = {}
local ok, groups = pcall(redis.call, 'XINFO', 'GROUPS', KEYS[1])
if ok then
  for _, raw in ipairs(groups) do present[rs_pairs(raw)['name']] = true end
end
local gone = {}
for _, name in ipairs(redis.call('HKEYS', KEYS[2])) do
  if not present[name] then gone[#gone + 1] = name end
end
return gone
