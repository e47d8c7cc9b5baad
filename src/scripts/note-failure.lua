-- note-failure: records when an entry first failed in a group (kept until it succeeds or is
-- dead-lettered). Its presence also tells the reclaim sweep that the entry waits for a retry.
--
-- KEYS[1] the group's retry-metadata hash
-- ARGV[1] the entry id
--
-- Returns the first-failure time in ms (the server's clock).

redis.call('HSETNX', KEYS[1], ARGV[1], rs_int(rs_now_ms()))
return tonumber(redis.call('HGET', KEYS[1], ARGV[1]))
