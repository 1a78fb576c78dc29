--[[
  One process's report of a period of adaptive control on one endpoint (redis-control-state.ts):
  its calls are added to the period's window, it is counted among the endpoint's live members, and
  the first report of each period takes the evaluation of the previous one. Periods are counted on
  Redis's clock (TIME), so processes whose clocks disagree still agree on them. Every key below
  shares the base's {hash tag}, so they sit in one Redis Cluster slot.

  Input:
    KEYS[1] base      `<prefix>:{<scope>}`; the script's keys are, after it:
            :w:<interval>:<period>     hash  attempts errors rateLimited answered ms tokens waitMs (summed), inFlight (largest)
            :j:<interval>:<period>     set   job ids whose calls are in the window
            :lead:<interval>:<period>  string  the member that evaluates the period
            :members                   zset  member -> last report (ms)
            :ceilings                  hash  member -> most batches it works on at once
            :settings                  hash  batchFactor, workers (absent: no cap), version (saves so far)
    ARGV[1] interval ms   ARGV[2] now ms (-1: Redis's clock)   ARGV[3] member   ARGV[4] ceiling
    ARGV[5] job id        ARGV[6] idle ttl ms (members and settings outlive the last report this long)
    ARGV[7..14] attempts errors rateLimited answered ms tokens waitMs inFlight
  Returns strings: period, lead (1/0), batchFactor ('' if never stored), workers ('' if none),
    version ('' if never stored), member count, then member and ceiling pairs, then (lead only) the previous period's eight
    window fields and its job ids.
]]
local base = KEYS[1]
local interval, now, member, ceiling, jobId, idleTtl = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
if now < 0 then
  local clock = redis.call('TIME')
  now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
end
local period = math.floor(now / interval)
local function windowKey(p) return base .. ':w:' .. interval .. ':' .. p end
local function jobsKey(p) return base .. ':j:' .. interval .. ':' .. p end
-- A window is read one period after it closes; a little longer covers a late reporter.
local windowTtl = interval * 4

local window = windowKey(period)
local fields = { 'attempts', 'errors', 'rateLimited', 'answered', 'ms', 'tokens', 'waitMs' }
for i, field in ipairs(fields) do
  local value = tonumber(ARGV[6 + i])
  if value ~= 0 then redis.call('HINCRBY', window, field, value) end
end
local inFlight = tonumber(ARGV[14])
if inFlight > tonumber(redis.call('HGET', window, 'inFlight') or '0') then redis.call('HSET', window, 'inFlight', inFlight) end
redis.call('PEXPIRE', window, windowTtl)
redis.call('SADD', jobsKey(period), jobId)
redis.call('PEXPIRE', jobsKey(period), windowTtl)

-- Live members: heard from within three periods; the rest are forgotten with their ceilings.
local members, ceilings = base .. ':members', base .. ':ceilings'
local cutoff = now - 3 * interval
local gone = redis.call('ZRANGEBYSCORE', members, '-inf', '(' .. cutoff)
if #gone > 0 then
  redis.call('ZREMRANGEBYSCORE', members, '-inf', '(' .. cutoff)
  redis.call('HDEL', ceilings, unpack(gone))
end
redis.call('ZADD', members, now, member)
redis.call('HSET', ceilings, member, ceiling)
redis.call('PEXPIRE', members, idleTtl)
redis.call('PEXPIRE', ceilings, idleTtl)
redis.call('PEXPIRE', base .. ':settings', idleTtl)

local isLead = redis.call('SET', base .. ':lead:' .. interval .. ':' .. period, member, 'NX', 'PX', interval * 3)
local settings = redis.call('HMGET', base .. ':settings', 'batchFactor', 'workers', 'version')
local out = { tostring(period), isLead and '1' or '0', settings[1] or '', settings[2] or '', settings[3] or '' }
local live = redis.call('ZRANGE', members, 0, -1)
out[#out + 1] = tostring(#live)
local liveCeilings = redis.call('HMGET', ceilings, unpack(live))
for i, id in ipairs(live) do
  out[#out + 1] = id
  out[#out + 1] = liveCeilings[i] or ceiling
end
if isLead then
  local previous = redis.call('HMGET', windowKey(period - 1), 'attempts', 'errors', 'rateLimited', 'answered', 'ms', 'tokens', 'waitMs', 'inFlight')
  for i = 1, 8 do out[#out + 1] = previous[i] or '0' end
  for _, id in ipairs(redis.call('SMEMBERS', jobsKey(period - 1))) do out[#out + 1] = id end
end
return out
