-- Publish a payload for waiters (for linger ms) and cache it (for ttl ms; 0: drop the cache),
-- numbered from the store-wide counter; then release the lock if token still holds it.
-- Returns the publication's number.
local counter_key = KEYS[1]
local result_key = KEYS[2]
local cache_key = KEYS[3]
local lock_key = KEYS[4]
local stored_at = ARGV[1]
local payload = ARGV[2]
local linger_ms = ARGV[3]
local ttl_ms = tonumber(ARGV[4])
local token = ARGV[5]  -- '' for none

local seq = redis.call('INCR', counter_key)
local value = seq .. ' ' .. stored_at .. '\n' .. payload
redis.call('SET', result_key, value, 'PX', linger_ms)
if ttl_ms > 0 then
  redis.call('SET', cache_key, value, 'PX', ttl_ms)
else
  redis.call('DEL', cache_key)
end
if token ~= '' and redis.call('GET', lock_key) == token then redis.call('DEL', lock_key) end
return seq
