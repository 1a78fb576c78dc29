--[[
  One endpoint's budget shared by every worker (redis-endpoint-limiter.ts): requests and tokens as
  continuously refilled buckets (the algorithm of token-bucket.ts), the calls in flight as slots
  that expire, the pause a 429 asked for, the used ÷ estimated ratio learned per kind of call, and
  the queue lanes waiting on any worker with their credit (lane-policy.ts: the waiting call of the
  highest-priority lane goes first, and a lane with a reserved share earns that share of the refill
  while it waits). One script, so each step is atomic across processes and machines; times are
  Redis's own clock (TIME), so workers whose clocks disagree still share one.

  Input:
    KEYS[1] budget   hash  rpm tpm reqCap tokCap reqLevel tokLevel at pausedUntil
    KEYS[2] slots    zset  permit id -> expiry (ms); a dead worker's slots lapse by themselves
    KEYS[3] learned  hash  kind -> "ratio replies"
    KEYS[4] probes   hash  kind -> permit id of the one call of a kind sent before any reply of it
    KEYS[5] waiting  hash  "lane|worker" -> "expiry priority share cost since": a worker's calls waiting on
                           a lane, `since` when its first one began waiting (Redis's clock)
    KEYS[6] credits  hash  lane -> "tokens requests at": what a reserved lane has earned while waiting
    ARGV[1] op: acquire | settle | pause | renew | waiting | peek
    ARGV[2] configured rpm   ARGV[3] configured tpm   ARGV[4] burst ms   ARGV[5] idle ttl ms
    acquire: [6] permit id  [7] kind  [8] tokens to reserve  [9] max concurrency (0: none)
             [10] headroom share of the token burst  [11] slot ttl ms  [12] lane  [13] worker id
             [14] waiting ttl ms  [15..] per lane this worker has calls waiting on (the call's own
             included): lane, priority, reserved share, calls, tokens of its first call, how many
             ms its first call has waited (its head: the asking call, for the asking lane)
    settle:  [6] permit id  [7] kind  [8] reserved  [9] used (-1: unknown, keep the reservation)
             [10] estimate  [11] call ms  [12..14] limit/remaining/reset of requests
             [15..17] the same of tokens (-1: absent)  [18] min ratio  [19] max ratio  [20] ratio memory
    pause:   [6] ms
    renew:   [6] slot ttl ms  [7..] permit ids this worker still holds
    waiting: [6] worker id  [7] waiting ttl ms  [8..] as acquire's [15..] (none: nothing waits here)
    peek:    nothing
  Returns strings: granted (1/0), wait ms (-1: blocked until a call settles or a lane ahead is
  served), now, rpm, tpm, reqCap, tokCap, reqLevel, tokLevel, pausedUntil, in flight, the lane
  served next (acquire; '' otherwise), then kind, ratio, replies, ...
]]
local budget, slots, learned, probes, waiting, credits = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6]
local op = ARGV[1]
local cfgRpm, cfgTpm, burstMs, idleTtl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)

local function capacityOf(perMinute) return math.max(1, perMinute * burstMs / 60000) end

-- The two buckets, created full the first time any worker touches the endpoint.
local raw = redis.call('HMGET', budget, 'rpm', 'tpm', 'reqCap', 'tokCap', 'reqLevel', 'tokLevel', 'at', 'pausedUntil')
local req, tok, at, pausedUntil
if raw[1] then
  req = { pm = tonumber(raw[1]), cap = tonumber(raw[3]), level = tonumber(raw[5]) }
  tok = { pm = tonumber(raw[2]), cap = tonumber(raw[4]), level = tonumber(raw[6]) }
  at, pausedUntil = tonumber(raw[7]), tonumber(raw[8])
else
  req = { pm = cfgRpm, cap = capacityOf(cfgRpm) }
  tok = { pm = cfgTpm, cap = capacityOf(cfgTpm) }
  req.level, tok.level, at, pausedUntil = req.cap, tok.cap, now, 0
end

-- Refill continuously up to the capacity.
if now > at then
  for _, b in ipairs({ req, tok }) do b.level = math.min(b.cap, b.level + (now - at) * b.pm / 60000) end
  at = now
end

-- A worker configured below the shared limit lowers it for all: the lowest limit is the safe one.
for _, pair in ipairs({ { req, cfgRpm }, { tok, cfgTpm } }) do
  local b, configured = pair[1], pair[2]
  if configured < b.pm then
    b.pm, b.cap = configured, math.min(b.cap, capacityOf(configured))
    b.level = math.min(b.level, b.cap)
  end
end

redis.call('ZREMRANGEBYSCORE', slots, '-inf', now)

-- Milliseconds until `cost` fits; a cost above the capacity goes once the bucket is full.
local function waitFor(b, cost)
  local needed = math.min(cost, b.cap)
  if b.level >= needed then return 0 end
  return math.ceil((needed - b.level) * 60000 / b.pm)
end

-- The provider's headers win (endpoint-limiter.ts follow): a lower limit is adopted, the burst is
-- learned from remaining + time-to-full, the level never exceeds what the provider has left.
local function follow(b, limit, remaining, resetMs, callMs)
  if remaining < 0 then return end
  local pm = b.pm
  if limit > 0 and limit < pm then pm = limit end
  local cap = b.cap
  if resetMs >= 0 then
    local taught = remaining + resetMs * pm / 60000
    if taught >= 1 and taught <= pm and math.abs(taught - cap) > cap * 0.1 then cap = taught end
  end
  b.pm, b.cap = pm, math.max(1, cap)
  b.level = math.min(b.level, b.cap, remaining + callMs * pm / 60000)
end

-- Replaces what `worker` said it has waiting with what it says now (groups of six from ARGV[from]),
-- and drops every entry whose worker stopped saying so (died, or went idle without telling).
local function register(worker, ttl, from)
  local entries = redis.call('HGETALL', waiting)
  for i = 1, #entries, 2 do
    local owner = string.match(entries[i], '|(.*)$')
    local expiry = tonumber(string.match(entries[i + 1], '^(%S+)'))
    if owner == worker or expiry <= now then redis.call('HDEL', waiting, entries[i]) end
  end
  for i = from, #ARGV, 6 do
    if tonumber(ARGV[i + 3]) > 0 then
      local since = now - tonumber(ARGV[i + 5])
      redis.call('HSET', waiting, ARGV[i] .. '|' .. worker, table.concat({ tostring(now + ttl), ARGV[i + 1], ARGV[i + 2], ARGV[i + 4], tostring(since) }, ' '))
    end
  end
end

-- The lanes with calls waiting on any worker: lane -> { priority, share, cost of the cheapest first
-- call, since: when its longest-waiting call began }; and `worker`'s own since per lane.
local function waitingLanes(worker)
  local lanes, mine = {}, {}
  local entries = redis.call('HGETALL', waiting)
  for i = 1, #entries, 2 do
    local lane, owner = string.match(entries[i], '^([^|]*)|(.*)$')
    local expiry, priority, share, cost, since = string.match(entries[i + 1], '(%S+) (%S+) (%S+) (%S+) (%S+)')
    -- An entry in another form (a worker of an older fanyi) is skipped: it lapses by itself.
    if expiry and tonumber(expiry) > now then
      local l = lanes[lane]
      if l then
        l.priority, l.share = math.max(l.priority, tonumber(priority)), math.max(l.share, tonumber(share))
        l.cost, l.since = math.min(l.cost, tonumber(cost)), math.min(l.since, tonumber(since))
      else
        lanes[lane] = { priority = tonumber(priority), share = tonumber(share), cost = tonumber(cost), since = tonumber(since), due = false }
      end
      if owner == worker then mine[lane] = tonumber(since) end
    end
  end
  return lanes, mine
end

-- lane-credits.ts accrue: a waiting reserved lane earns its share of the refill, capped at its next
-- call or its share of a burst; a lane no longer waiting loses its credit. Marks the lanes now due.
local function accrue(lanes)
  local credit = {}
  local stored = redis.call('HGETALL', credits)
  for i = 1, #stored, 2 do
    local t, r, a = string.match(stored[i + 1], '(%S+) (%S+) (%S+)')
    credit[stored[i]] = { tokens = tonumber(t), requests = tonumber(r), at = tonumber(a) }
  end
  for lane in pairs(credit) do
    if not lanes[lane] or lanes[lane].share <= 0 then
      redis.call('HDEL', credits, lane)
      credit[lane] = nil
    end
  end
  for lane, l in pairs(lanes) do
    if l.share > 0 then
      local c = credit[lane] or { tokens = 0, requests = 0, at = now }
      local elapsed = math.max(0, now - c.at)
      c.tokens = math.min(math.max(l.cost, l.share * tok.cap), c.tokens + l.share * tok.pm * elapsed / 60000)
      c.requests = math.min(math.max(1, l.share * req.cap), c.requests + l.share * req.pm * elapsed / 60000)
      c.at = now
      credit[lane] = c
      l.due = c.tokens >= l.cost and c.requests >= 1
    end
  end
  return credit
end

local granted, wait, servedLane = 0, 0, ''

if op == 'acquire' then
  local id, kind, tokens = ARGV[6], ARGV[7], tonumber(ARGV[8])
  local maxConcurrency, headroom, slotTtl = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
  local lane, worker = ARGV[12], ARGV[13]
  register(worker, tonumber(ARGV[14]), 15)
  local lanes, mine = waitingLanes(worker)
  local credit = accrue(lanes)
  -- The lane served next: a due one, else the highest priority; among those, the one whose call
  -- has waited longest (first come, first served across workers, as in one process).
  local headPriority, headDue, headSince = -1, false, math.huge
  for name, l in pairs(lanes) do
    local better = (l.due and not headDue) or (l.due == headDue and (l.priority > headPriority or (l.priority == headPriority and l.since < headSince)))
    if better then servedLane, headPriority, headDue, headSince = name, l.priority, l.due, l.since end
  end
  local me = lanes[lane]
  -- A due lane goes before every priority; otherwise the asking call must be the longest-waiting
  -- one of the highest priority waiting anywhere.
  local myTurn = me ~= nil and (me.due or (not headDue and me.priority >= headPriority and (mine[lane] or math.huge) <= headSince))
  local inFlight = redis.call('ZCARD', slots)
  local blocked = not myTurn or (maxConcurrency > 0 and inFlight >= maxConcurrency)
  -- Slow start: one call until a reply says how far off the estimates are, and one call of each
  -- kind until a reply of that kind does, across all workers.
  local kindKnown = redis.call('HEXISTS', learned, kind) == 1
  if redis.call('EXISTS', learned) == 0 and inFlight > 0 then blocked = true end
  if not kindKnown then
    local probe = redis.call('HGET', probes, kind)
    if probe and redis.call('ZSCORE', slots, probe) then blocked = true end
  end
  if blocked then
    wait = -1
  else
    wait = math.max(0, pausedUntil - now, waitFor(req, 1), waitFor(tok, tokens + headroom * tok.cap))
  end
  if wait == 0 then
    req.level = math.min(req.cap, req.level - 1)
    tok.level = math.min(tok.cap, tok.level - tokens)
    redis.call('ZADD', slots, now + slotTtl, id)
    if not kindKnown then redis.call('HSET', probes, kind, id) end
    granted = 1
    -- The reserve is a floor, not extra: every grant of a reserved lane pays out of its credit.
    local c = credit[lane]
    if c then c.tokens, c.requests = math.max(0, c.tokens - tokens), math.max(0, c.requests - 1) end
    -- Its worker's last waiting call of the lane: the lane no longer waits there.
    for i = 15, #ARGV, 6 do
      if ARGV[i] == lane and tonumber(ARGV[i + 3]) <= 1 then redis.call('HDEL', waiting, lane .. '|' .. worker) end
    end
  end
  for name, c in pairs(credit) do
    redis.call('HSET', credits, name, table.concat({ tostring(c.tokens), tostring(c.requests), tostring(c.at) }, ' '))
  end
elseif op == 'settle' then
  local id, kind, reserved, used = ARGV[6], ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
  local estimate, callMs = tonumber(ARGV[10]), tonumber(ARGV[11])
  redis.call('ZREM', slots, id)
  if redis.call('HGET', probes, kind) == id then redis.call('HDEL', probes, kind) end
  if used >= 0 then tok.level = math.min(tok.cap, tok.level - (used - reserved)) end
  -- estimate-ratio.ts observeRatio: a first reply sets the ratio, later ones move an EWMA.
  if used > 0 and estimate > 0 then
    local observed = used / estimate
    local prior = redis.call('HGET', learned, kind)
    local ratio, replies = observed, 1
    if prior then
      local r, n = string.match(prior, '(%S+) (%S+)')
      local memory = tonumber(ARGV[20])
      ratio, replies = memory * tonumber(r) + (1 - memory) * observed, tonumber(n) + 1
    end
    ratio = math.min(tonumber(ARGV[19]), math.max(tonumber(ARGV[18]), ratio))
    redis.call('HSET', learned, kind, tostring(ratio) .. ' ' .. tostring(replies))
  end
  follow(req, tonumber(ARGV[12]), tonumber(ARGV[13]), tonumber(ARGV[14]), callMs)
  follow(tok, tonumber(ARGV[15]), tonumber(ARGV[16]), tonumber(ARGV[17]), callMs)
elseif op == 'pause' then
  pausedUntil = math.max(pausedUntil, now + tonumber(ARGV[6]))
elseif op == 'waiting' then
  register(ARGV[6], tonumber(ARGV[7]), 8)
elseif op == 'renew' then
  -- Re-added if lapsed (a Redis restart, an outage longer than the ttl): the call is still running.
  local expiry = now + tonumber(ARGV[6])
  for i = 7, #ARGV do redis.call('ZADD', slots, expiry, ARGV[i]) end
end

redis.call('HSET', budget, 'rpm', tostring(req.pm), 'tpm', tostring(tok.pm), 'reqCap', tostring(req.cap), 'tokCap', tostring(tok.cap),
  'reqLevel', tostring(req.level), 'tokLevel', tostring(tok.level), 'at', tostring(at), 'pausedUntil', tostring(pausedUntil))
for _, key in ipairs(KEYS) do redis.call('PEXPIRE', key, idleTtl) end

local reply = { tostring(granted), tostring(wait), tostring(now), tostring(req.pm), tostring(tok.pm), tostring(req.cap), tostring(tok.cap),
  tostring(req.level), tostring(tok.level), tostring(pausedUntil), tostring(redis.call('ZCARD', slots)), servedLane }
local known = redis.call('HGETALL', learned)
for i = 1, #known, 2 do
  local r, n = string.match(known[i + 1], '(%S+) (%S+)')
  reply[#reply + 1] = known[i]
  reply[#reply + 1] = r
  reply[#reply + 1] = n
end
return reply
