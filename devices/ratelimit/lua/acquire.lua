-- One atomic check-and-admit of a key's sliding-window log, timed by the Redis clock.
-- The log is a sorted set: member = the call's token, score = when its window starts to run
-- (admission + hold while the call is under way, its end once finished), in microseconds.
-- Interactive callers are listed in `waiting` (score: their fair tag, one slot after their
-- person's previous tag, kept in `persons`; `deadlines` drops those whose budget ran out) and
-- admitted only while fewer earlier-tagged callers wait than slots are free. Bulk callers
-- (tokens starting with the bulk mark) leave `keep_free` slots free when nobody waits, and
-- hold at most `share` slots of the window while somebody does. The `keep_free` slots are kept
-- only while an interactive caller came in the last `reserve_for` µs (`people_seen`: when one
-- last came; reserve_for < 0: always).
-- Returns {wait, now}: wait 0 = admitted, > 0 = sleep that many microseconds and try again,
-- < 0 = refused (minus the wait, which exceeds the budget); now = the Redis clock (µs).
local log_key = KEYS[1]
local pause_key = KEYS[2]
local waiting_key = KEYS[3]
local deadlines_key = KEYS[4]
local persons_key = KEYS[5]
local people_seen_key = KEYS[6]
local rate = tonumber(ARGV[1])
local window = tonumber(ARGV[2])          -- µs
local token = ARGV[3]
local budget = tonumber(ARGV[4])          -- µs the caller may still wait
local hold = tonumber(ARGV[5])            -- µs an unfinished call keeps its slot
local in_flight_poll = tonumber(ARGV[6])  -- µs between looks at a call still under way
local bulk = ARGV[7] == '1'
local person = ARGV[8]
local keep_free = tonumber(ARGV[9])
local share = tonumber(ARGV[10])
local bulk_mark = ARGV[11]
local reserve_for = tonumber(ARGV[12])    -- µs; < 0: the reserve is always kept

local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local ttl = math.ceil((window + hold) / 1000) + 1000
local wait = 0
local paused = redis.call('PTTL', pause_key)
if paused > 0 then wait = paused * 1000 end
redis.call('ZREMRANGEBYSCORE', log_key, '-inf', now - window)
local gone = redis.call('ZRANGEBYSCORE', deadlines_key, '-inf', now)
if #gone > 0 then
  redis.call('ZREM', waiting_key, unpack(gone))
  redis.call('ZREM', deadlines_key, unpack(gone))
end
if not bulk then
  if redis.call('ZSCORE', waiting_key, token) == false then
    local tag = now
    local next_tag = tonumber(redis.call('HGET', persons_key, person) or '0')
    if next_tag > tag then tag = next_tag end
    redis.call('HSET', persons_key, person, tag + math.floor(window / rate))
    redis.call('ZADD', waiting_key, tag, token)
  end
  redis.call('ZADD', deadlines_key, now + budget, token)
  redis.call('PEXPIRE', waiting_key, ttl)
  redis.call('PEXPIRE', deadlines_key, ttl)
  redis.call('PEXPIRE', persons_key, 3600000)
  redis.call('SET', people_seen_key, string.format('%.0f', now), 'PX', 3600000)
end
if wait == 0 then
  local count = redis.call('ZCARD', log_key)
  local limit
  if bulk then
    if reserve_for >= 0 and keep_free > 0 then
      local seen = tonumber(redis.call('GET', people_seen_key) or '')
      if seen == nil or now - seen >= reserve_for then keep_free = 0 end
    end
    limit = rate - keep_free
    if redis.call('ZCARD', waiting_key) > 0 then
      local held = 0
      for _, member in ipairs(redis.call('ZRANGE', log_key, 0, -1)) do
        if string.sub(member, 1, #bulk_mark) == bulk_mark then held = held + 1 end
      end
      if held < share then limit = math.min(count + 1, rate) else limit = 0 end
    end
  else
    limit = rate - redis.call('ZRANK', waiting_key, token)
  end
  if count >= limit then
    if limit <= 0 then
      wait = in_flight_poll
    else
      -- the entry that must age out before one more call fits in the window
      local blocking = tonumber(redis.call('ZRANGE', log_key, count - limit, count - limit,
                                           'WITHSCORES')[2])
      if blocking > now then
        -- a call still under way frees its slot a window after it ends: look again soon
        if window > budget then wait = window else wait = in_flight_poll end
      else
        wait = math.max(blocking + window - now, 1)
      end
    end
  end
end
if wait == 0 then
  redis.call('ZADD', log_key, now + hold, token)
  redis.call('PEXPIRE', log_key, ttl)
  redis.call('ZREM', waiting_key, token)
  redis.call('ZREM', deadlines_key, token)
  return {0, now}
end
if wait > budget then
  redis.call('ZREM', waiting_key, token)
  redis.call('ZREM', deadlines_key, token)
  return {-wait, now}
end
return {wait, now}
