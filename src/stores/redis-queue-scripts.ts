// Lua for the durable lane queue (redis-queue.ts). Every key of one queue shares the hash tag
// `{q}`, as BullMQ keeps a queue in one slot: each script is atomic, also on Redis Cluster.
//
// Keys: lane:<lane> (LIST of entries, arrival order) · due (ZSET lane → when its batch may run)
// · first (ZSET lane → arrival of its oldest unprocessed entry) · leases (ZSET lane → lease end)
// · tokens (HASH lane → fencing token of the lease) · fence (counter) · attempts (HASH lane → failed
// or stalled runs) · pending (counter of unprocessed entries).

/** KEYS: lane, due, first, leases, pending · ARGV: lane, entry, now, debounceMs, maxWaitMs */
export const ENQUEUE = `
redis.call('RPUSH', KEYS[1], ARGV[2])
redis.call('INCR', KEYS[5])
redis.call('ZADD', KEYS[3], 'NX', ARGV[3], ARGV[1])
if redis.call('ZSCORE', KEYS[4], ARGV[1]) then return 0 end
local first = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[1]))
local dueAt = math.min(tonumber(ARGV[3]) + tonumber(ARGV[4]), first + tonumber(ARGV[5]))
-- GT: a message may push the batch later (debounce) but never before a retry's backoff.
redis.call('ZADD', KEYS[2], 'GT', dueAt, ARGV[1])
return 1`

/** KEYS: lane, due, first, leases, tokens, fence, attempts · ARGV: lane, now, leaseMs, maxBatch → {token, attempt, entries} */
export const CLAIM = `
local s = redis.call('ZSCORE', KEYS[2], ARGV[1])
if not s or tonumber(s) > tonumber(ARGV[2]) then return false end
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
local token = redis.call('INCR', KEYS[6])
redis.call('ZADD', KEYS[4], tonumber(ARGV[2]) + tonumber(ARGV[3]), ARGV[1])
redis.call('HSET', KEYS[5], ARGV[1], token)
local attempt = tonumber(redis.call('HGET', KEYS[7], ARGV[1]) or '0')
return { token, attempt, redis.call('LRANGE', KEYS[1], 0, tonumber(ARGV[4]) - 1) }`

/** KEYS: lane, due, first, leases, tokens, attempts, pending · ARGV: lane, token, count, now, debounceMs, maxWaitMs → entries left, or -1 when the lease was lost */
export const COMPLETE = `
if redis.call('HGET', KEYS[5], ARGV[1]) ~= ARGV[2] then return -1 end
local n = tonumber(ARGV[3])
if n > 0 then
  redis.call('LTRIM', KEYS[1], n, -1)
  redis.call('DECRBY', KEYS[7], n)
end
redis.call('ZREM', KEYS[4], ARGV[1])
redis.call('HDEL', KEYS[5], ARGV[1])
redis.call('HDEL', KEYS[6], ARGV[1])
local left = redis.call('LLEN', KEYS[1])
if left > 0 then
  redis.call('ZADD', KEYS[3], 'NX', ARGV[4], ARGV[1])
  local first = tonumber(redis.call('ZSCORE', KEYS[3], ARGV[1]))
  redis.call('ZADD', KEYS[2], math.min(tonumber(ARGV[4]) + tonumber(ARGV[5]), first + tonumber(ARGV[6])), ARGV[1])
else
  redis.call('ZREM', KEYS[3], ARGV[1])
end
return left`

/** KEYS: due, first, leases, tokens, attempts · ARGV: lane, token, now, backoffMs → attempts so far, or -1 when the lease was lost */
export const RETRY = `
if redis.call('HGET', KEYS[4], ARGV[1]) ~= ARGV[2] then return -1 end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
local a = redis.call('HINCRBY', KEYS[5], ARGV[1], 1)
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
redis.call('ZADD', KEYS[1], tonumber(ARGV[3]) + tonumber(ARGV[4]), ARGV[1])
return a`

/** KEYS: leases, tokens · ARGV: lane, token, leaseEnd → 1 extended, 0 lost */
export const EXTEND = `
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[1], 'XX', ARGV[3], ARGV[1])
return 1`

/** KEYS: leases, tokens, attempts, due, first · ARGV: now, max → lanes whose lease ran out (their replica died or froze) */
export const RECOVER = `
local lanes = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, tonumber(ARGV[2]))
for _, lane in ipairs(lanes) do
  redis.call('ZREM', KEYS[1], lane)
  redis.call('HDEL', KEYS[2], lane)
  redis.call('HINCRBY', KEYS[3], lane, 1)
  redis.call('ZADD', KEYS[4], ARGV[1], lane)
  redis.call('ZADD', KEYS[5], 'NX', ARGV[1], lane)
end
return lanes`
