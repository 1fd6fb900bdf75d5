-- A finished call's entry moves to the Redis clock's now (never later than it was).
local log_key = KEYS[1]
local token = ARGV[1]

local t = redis.call('TIME')
redis.call('ZADD', log_key, 'XX', 'LT', tonumber(t[1]) * 1000000 + tonumber(t[2]), token)
return 0
