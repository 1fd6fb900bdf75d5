-- One look by a waiting caller. Returns {'entry', value} for a publication newer than seen_seq,
-- else (when it takes failures) {'failure', value} for a failure newer than it, else {'leader'}
-- when the lock was free and is now the caller's, else {'wait'}.
-- A publication is "seq stored_at\npayload", a failure "seq\ndescription".
local result_key = KEYS[1]
local lock_key = KEYS[2]
local failure_key = KEYS[3]
local seen_seq = tonumber(ARGV[1])
local token = ARGV[2]
local lock_ms = ARGV[3]
local takes_failures = ARGV[4] == '1'

local value = redis.call('GET', result_key)
if value then
  local seq = tonumber(string.match(value, '^(%d+) '))
  if seq and seq > seen_seq then return {'entry', value} end
end
if takes_failures then
  local failure = redis.call('GET', failure_key)
  if failure then
    local seq = tonumber(string.match(failure, '^(%d+)\n'))
    if seq and seq > seen_seq then return {'failure', failure} end
  end
end
if redis.call('SET', lock_key, token, 'NX', 'PX', lock_ms) then return {'leader'} end
return {'wait'}
