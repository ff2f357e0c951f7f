import type { Redis } from 'ioredis'

/** A Lua script as ioredis defines it; without numberOfKeys the caller passes the count first. */
export interface ScriptDefinition {
  readonly lua: string
  readonly numberOfKeys?: number
}

/**
 * Defines each script as a command of this client, once per client (EVALSHA, falling back to EVAL
 * after a SCRIPT FLUSH), and returns the client typed with those commands.
 */
export function withScripts<R extends Redis> (redis: Redis, scripts: Readonly<Record<string, ScriptDefinition>>): R {
  const defined = redis as unknown as Record<string, unknown>
  for (const [name, script] of Object.entries(scripts)) {
    if (typeof defined[name] !== 'function') redis.defineCommand(name, script)
  }
  return redis as R
}
