-- Delete the lock if token still owns it (compare-and-delete).
local lock_key = KEYS[1]
local token = ARGV[1]

if redis.call('GET', lock_key) == token then return redis.call('DEL', lock_key) end
return 0
