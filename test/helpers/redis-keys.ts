// Key housekeeping for suites and scripts that use Redis; no connection of its own, no side effects.
import type { Redis } from 'ioredis'

/** Deletes every key under the prefix. */
export async function cleanPrefix (client: Redis, prefix: string): Promise<number> {
  let cursor = '0'
  let deleted = 0
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    if (keys.length > 0) deleted += await client.del(...keys)
  } while (cursor !== '0')
  return deleted
}

/** Keys currently under the prefix. */
export async function keysUnder (client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = []
  let cursor = '0'
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    cursor = next
    found.push(...keys)
  } while (cursor !== '0')
  return found.sort()
}
