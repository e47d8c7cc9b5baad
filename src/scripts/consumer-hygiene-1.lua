-- consumer-hygiene: removes consumers that have been idle for long and own no pending entry (each
-- process start makes a new consumer name, so dead ones pile up). A consumer that owns pending
-- entries is never removed: deleting it would drop them from the group for good.
--
-- KEYS[1] the stream
-- ARGV[1] group    ARGV[2] idle threshold in ms    ARGV[3] this consumer (never removed)
--
-- Returns the names removed. The check and the delete are one atomic step, so an entry cannot be
-- delivered to a consumer between them.

local ok, consumers = pcall(redis.call, 'XINFO', 'CONSUMERS', KEYS[1], ARGV[1])
if not ok then return {} end
local removed = {}
for _, raw in ipairs(consumers) do
  local c = rs_pairs(raw)
  if c['name'] ~= ARGV[3] and tonumber(c['pending']) == 0 and tonumber(c['idle']) > tonumber(ARGV[2]) then
    redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], c['name'])
    removed[#removed + 1] = c['name']
  end
end
return removed
