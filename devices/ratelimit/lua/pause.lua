-- A pause only ever gets longer: a short Retry-After does not cut a longer one short.
local pause_key = KEYS[1]
local milliseconds = tonumber(ARGV[1])

if redis.call('PTTL', pause_key) < milliseconds then
  redis.call('SET', pause_key, '1', 'PX', milliseconds)
end
return 0
