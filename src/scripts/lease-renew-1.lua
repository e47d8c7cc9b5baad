-- lease-renew: keeps entries that this consumer is still working on from looking idle, so that
-- other consumers do not reclaim them while their handler runs.
--
-- KEYS[1] the stream
-- ARGV[1] group    ARGV[2] this consumer    ARGV[3..] ids in flight here
--
-- Returns { ids renewed, ids pending on another consumer (taken over) }. An id that is pending
-- nowhere (its group was re-created, say) is in neither list: it is still this consumer's to finish.
-- XCLAIM ... JUSTID resets the idle time without counting a delivery; the ownership check and the
-- claim happen atomically.

local owned, taken = {}, {}
for i = 3, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if #p > 0 then
    if p[1][2] == ARGV[2] then owned[#owned + 1] = ARGV[i] else taken[#taken + 1] = ARGV[i] end
  end
end
local from = 1
while from <= #owned do
  local args = { 'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0 }
  for i = from, math.min(from + 999, #owned) do args[#args + 1] = owned[i] end
  args[#args + 1] = 'JUSTID'
  redis.call(unpack(args))
  from = from + 1000
end
return { owned, taken }
