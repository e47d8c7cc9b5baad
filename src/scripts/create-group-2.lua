-- create-group: creates a consumer group (with MKSTREAM) unless it exists, and records when this
-- library first saw it, so that a new group does not count as stale before staleGroupMs has passed.
--
-- KEYS[1] the stream
-- KEYS[2] the channel's first-seen times of groups ({channel}:groups)
-- ARGV[1] group    ARGV[2] the id to start at ('$' or '0-0' or a mark)
--
-- Returns 'created', or 'exists' when the group was there already (BUSYGROUP).

local ok, err = pcall(redis.call, 'XGROUP', 'CREATE', KEYS[1], ARGV[1], ARGV[2], 'MKSTREAM')
local now = rs_now_ms()
if ok then
  redis.call('HSET', KEYS[2], ARGV[1], rs_int(now))
  return 'created'
end
if string.sub(err['err'] or tostring(err), 1, 9) ~= 'BUSYGROUP' then return redis.error_reply(err['err'] or tostring(err)) end
rs_first_seen(KEYS[2], ARGV[1], now)
return 'exists'
