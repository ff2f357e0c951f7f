// Each Redis store now has a file named for it (redis-client, redis-admission, redis-rate-limit,
// redis-eraser, redis-health; the whole Redis side in redis-backend.ts). These names are passed on
// only for test/stores/{stores.contract,erasure}.test.ts: once they import those files, delete this one.
export { createRedisClient } from './redis-client.js'
export { createRedisAdmission, createRedisDedupeStore } from './redis-admission.js'
export { createRedisRateLimitStore } from './redis-rate-limit.js'
export { createRedisEraser } from './redis-eraser.js'
export { createRedisHealth } from './redis-health.js'
