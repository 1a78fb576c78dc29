--[[
  Stores one evaluation's settings (redis-control-state.ts save) if nobody stored others since the
  evaluating process read them: compare and set on the settings' version.

  Input:
    KEYS[1] settings   hash  batchFactor, workers (absent: no cap), version
    ARGV[1] batchFactor   ARGV[2] workers ('' for no cap)   ARGV[3] the version read   ARGV[4] ttl ms
  Returns 1 when stored (version + 1), 0 when the stored version is another.
]]
local key = KEYS[1]
local read = tonumber(ARGV[3])
if tonumber(redis.call('HGET', key, 'version') or '0') ~= read then return 0 end
redis.call('HSET', key, 'batchFactor', ARGV[1], 'version', read + 1)
if ARGV[2] == '' then redis.call('HDEL', key, 'workers') else redis.call('HSET', key, 'workers', ARGV[2]) end
redis.call('PEXPIRE', key, tonumber(ARGV[4]))
return 1
