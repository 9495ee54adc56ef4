// The Lua scripts redisquota runs: each allocation is one script, so read-check-increment is
// atomic across every Mixer replica sharing the server. Keys: KEYS[1] the counter, KEYS[2] the
// dedup record. ARGV: amount, maxAmount, windowMs, bestEffort (1/0), dedupTtlMs (0: none), bucketMs.
// All three allocating scripts return {granted, validDurationMs}.

const DEDUP = `
local dedupTtl = tonumber(ARGV[5])
if dedupTtl > 0 then
  local prior = redis.call('GET', KEYS[2])
  if prior then
    local sep = string.find(prior, ':')
    return {tonumber(string.sub(prior, 1, sep - 1)), tonumber(string.sub(prior, sep + 1))}
  end
end
local amount = tonumber(ARGV[1])
local max = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local function grantFrom(available)
  if available >= amount then return amount end
  if ARGV[4] == '1' then return math.max(0, available) end
  return 0
end
local function remember(granted, valid)
  if dedupTtl > 0 then redis.call('SET', KEYS[2], granted .. ':' .. valid, 'PX', dedupTtl) end
  return {granted, valid}
end
`;

/** The window starts at the first allocation and ends when the counter key expires. */
export const FIXED_WINDOW_SCRIPT = `${DEDUP}
local pttl = redis.call('PTTL', KEYS[1])
local used = 0
if pttl < 0 then
  redis.call('DEL', KEYS[1])
  pttl = window
else
  used = tonumber(redis.call('GET', KEYS[1]) or '0')
end
local granted = grantFrom(max - used)
if granted > 0 and redis.call('INCRBY', KEYS[1], granted) == granted then
  redis.call('PEXPIRE', KEYS[1], window)
end
return remember(granted, pttl)
`;

/** A hash of bucket number → amount; buckets older than the window are dropped as they are seen. */
export const ROLLING_WINDOW_SCRIPT = `${DEDUP}
local bucket = tonumber(ARGV[6])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local current = math.floor(now / bucket)
local oldest = current - math.ceil(window / bucket) + 1
local all = redis.call('HGETALL', KEYS[1])
local used = 0
for i = 1, #all, 2 do
  if tonumber(all[i]) < oldest then redis.call('HDEL', KEYS[1], all[i]) else used = used + tonumber(all[i + 1]) end
end
local granted = grantFrom(max - used)
if granted > 0 then redis.call('HINCRBY', KEYS[1], tostring(current), granted) end
redis.call('PEXPIRE', KEYS[1], window + bucket)
return remember(granted, bucket)
`;

/**
 * An allocation quota: KEYS[1] holds the amount in use (no expiry — it goes down by Release),
 * so a grant here is charged until some replica releases it.
 */
export const ALLOCATION_SCRIPT = `${DEDUP}
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local granted = grantFrom(max - used)
if granted > 0 then redis.call('INCRBY', KEYS[1], granted) end
return remember(granted, 0)
`;

/**
 * Gives back up to ARGV[1] of an allocation (never below zero). KEYS[1] the counter, KEYS[2]
 * the release's dedup record; ARGV[2] dedupTtlMs (0: none). Returns the amount released.
 */
export const RELEASE_SCRIPT = `
local dedupTtl = tonumber(ARGV[2])
if dedupTtl > 0 then
  local prior = redis.call('GET', KEYS[2])
  if prior then return tonumber(prior) end
end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local released = math.max(0, math.min(used, tonumber(ARGV[1])))
if used - released > 0 then redis.call('DECRBY', KEYS[1], released) else redis.call('DEL', KEYS[1]) end
if dedupTtl > 0 then redis.call('SET', KEYS[2], released, 'PX', dedupTtl) end
return released
`;
