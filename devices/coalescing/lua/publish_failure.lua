-- Publish a failure for waiters (for linger ms), unless another token holds the lock; then
-- release the lock. Never touches the cache. Returns the failure's number, or 0 when another
-- token holds the lock (nothing published).
local counter_key = KEYS[1]
local failure_key = KEYS[2]
local lock_key = KEYS[3]
local description = ARGV[1]
local linger_ms = ARGV[2]
local token = ARGV[3]  -- '' for none

local holder = redis.call('GET', lock_key)
if holder and holder ~= token then return 0 end
local seq = redis.call('INCR', counter_key)
redis.call('SET', failure_key, seq .. '\n' .. description, 'PX', linger_ms)
if holder then redis.call('DEL', lock_key) end
return seq
