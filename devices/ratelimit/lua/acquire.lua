-- One atomic check-and-admit of a key's sliding-window log, timed by the Redis clock.
-- The log is a sorted set: member = the call's token, score = when its window starts to run
-- (admission + hold while the call is under way, its end once finished), in microseconds.
-- Returns {wait, now}: wait 0 = admitted, > 0 = sleep that many microseconds and try again,
-- < 0 = refused (minus the wait, which exceeds the budget); now = the Redis clock (µs).
local log_key = KEYS[1]
local pause_key = KEYS[2]
local rate = tonumber(ARGV[1])
local window = tonumber(ARGV[2])          -- µs
local token = ARGV[3]
local budget = tonumber(ARGV[4])          -- µs the caller may still wait
local hold = tonumber(ARGV[5])            -- µs an unfinished call keeps its slot
local in_flight_poll = tonumber(ARGV[6])  -- µs between looks at a call still under way

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local wait = 0
local paused = redis.call('PTTL', pause_key)
if paused > 0 then wait = paused * 1000 end
redis.call('ZREMRANGEBYSCORE', log_key, '-inf', now - window)
if wait == 0 then
  local count = redis.call('ZCARD', log_key)
  if count >= rate then
    -- the entry that must age out before one more call fits in the window
    local blocking = tonumber(redis.call('ZRANGE', log_key, count - rate, count - rate,
                                         'WITHSCORES')[2])
    if blocking > now then
      -- a call still under way frees its slot a window after it ends: look again soon
      if window > budget then wait = window else wait = in_flight_poll end
    else
      wait = math.max(blocking + window - now, 1)
    end
  end
end
if wait == 0 then
  redis.call('ZADD', log_key, now + hold, token)
  redis.call('PEXPIRE', log_key, math.ceil((window + hold) / 1000) + 1000)
  return {0, now}
end
if wait > budget then return {-wait, now} end
return {wait, now}
