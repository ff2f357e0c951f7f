import { describe, expect, it } from 'vitest'
import { ConfigError, configVariables, loadConfig } from '../../src/config.js'

const PROD_COMPLETE = {
  APP_ENV: 'prod',
  CHATWOOT_BASE_URL: 'https://chat.example.com',
  CHATWOOT_WEBHOOK_SECRET: 'bot-secret',
  CHATWOOT_ACCESS_TOKEN: 'bot-token',
  OPENAI_API_KEY: 'sk-test',
  REDIS_URL: 'redis://redis:6379/0',
}

/** Runs loadConfig and returns the ConfigError it throws (fails the test when it does not throw). */
function configError (env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err
    throw err
  }
  throw new Error('loadConfig did not throw')
}

describe('defaults (the seed contract)', () => {
  const config = loadConfig({})

  it('match the seed README', () => {
    expect(config.http.port).toBe(8000)
    expect(config.limits.dedupeTtlSeconds).toBe(300)
    expect(config.limits.ipRequests).toBe(60)
    expect(config.limits.ipWindowSeconds).toBe(60)
    expect(config.http.allowedOrigins).toEqual(['http://localhost:3000'])
    expect(config.metrics.enabled).toBe(true)
  })

  it('start in dev on embedded defaults', () => {
    expect(config.env).toBe('dev')
    expect(config.redis.url).toBeUndefined()
    expect(config.webhook.secrets).toEqual([])
    expect(config.webhook.timestampToleranceSeconds).toBe(300)
    expect(config.webhook.pathToken).toBeUndefined()
  })

  it('is deeply frozen', () => {
    expect(Object.isFrozen(config)).toBe(true)
    expect(Object.isFrozen(config.limits)).toBe(true)
    expect(Object.isFrozen(config.http.allowedOrigins)).toBe(true)
    expect(() => { (config.limits as { dedupeTtlSeconds: number }).dedupeTtlSeconds = 1 }).toThrow(TypeError)
  })

  it('blank values count as unset', () => {
    const c = loadConfig({ APP_PORT: '', RATE_LIMIT_REQUESTS: '  ', CHATWOOT_BASE_URL: ' ', PROMETHEUS_ENABLED: '' })
    expect(c.http.port).toBe(8000)
    expect(c.limits.ipRequests).toBe(60)
    expect(c.chatwoot.baseUrl).toBeUndefined()
    expect(c.metrics.enabled).toBe(true)
  })

  it('lists every variable it knows', () => {
    for (const name of ['APP_PORT', 'CHATWOOT_WEBHOOK_SECRET', 'REDIS_URL', 'RATE_LIMIT_REQUESTS', 'PROMETHEUS_ENABLED']) {
      expect(configVariables).toContain(name)
    }
  })
})

describe('prod', () => {
  it('starts when everything required is set', () => {
    const c = loadConfig(PROD_COMPLETE)
    expect(c.env).toBe('prod')
    expect(c.warnings).toEqual([])
  })

  it('refuses to start with ONE ConfigError that lists every missing value', () => {
    const err = configError({ APP_ENV: 'prod' })
    expect(err.name).toBe('ConfigError')
    expect(err.problems).toHaveLength(4)
    for (const name of ['CHATWOOT_BASE_URL', 'CHATWOOT_WEBHOOK_SECRET', 'CHATWOOT_ACCESS_TOKEN', 'OPENAI_API_KEY']) {
      expect(err.problems.some((p) => p.startsWith(name) && p.includes('required when APP_ENV=prod'))).toBe(true)
      expect(err.message).toContain(name)
    }
  })

  it('names just the one missing value when the rest is there', () => {
    const err = configError({ ...PROD_COMPLETE, OPENAI_API_KEY: undefined })
    expect(err.problems).toEqual(['OPENAI_API_KEY is required when APP_ENV=prod'])
  })

  it('an empty secret list (",") counts as missing', () => {
    const err = configError({ ...PROD_COMPLETE, CHATWOOT_WEBHOOK_SECRET: ' , ' })
    expect(err.problems).toEqual(['CHATWOOT_WEBHOOK_SECRET is required when APP_ENV=prod'])
  })

  it('reports invalid and missing values together in the same error', () => {
    const err = configError({ APP_ENV: 'prod', APP_PORT: 'eighty', CHATWOOT_BASE_URL: 'not a url' })
    const text = err.problems.join('\n')
    expect(text).toContain('APP_PORT')
    expect(text).toContain('CHATWOOT_BASE_URL')
    for (const name of ['CHATWOOT_WEBHOOK_SECRET', 'CHATWOOT_ACCESS_TOKEN', 'OPENAI_API_KEY']) expect(text).toContain(name)
  })
})

describe('dev', () => {
  it('starts without anything set, with a warning per missing value', () => {
    const c = loadConfig({ APP_ENV: 'dev' })
    const text = c.warnings.join('\n')
    for (const name of ['CHATWOOT_BASE_URL', 'CHATWOOT_WEBHOOK_SECRET', 'CHATWOOT_ACCESS_TOKEN', 'OPENAI_API_KEY', 'REDIS_URL']) {
      expect(text).toContain(name)
    }
    expect(c.warnings).toHaveLength(5)
  })

  it('warns loudly when unsigned path-token deliveries are enabled', () => {
    const c = loadConfig({ ...PROD_COMPLETE, WEBHOOK_PATH_TOKEN: 'x'.repeat(32) })
    expect(c.webhook.pathToken).toBe('x'.repeat(32))
    expect(c.warnings.some((w) => w.includes('WEBHOOK_PATH_TOKEN') && w.includes('UNSIGNED'))).toBe(true)
  })
})

describe('invalid values', () => {
  it.each([
    ['APP_PORT', 'abc'],
    ['APP_PORT', '80.5'],
    ['APP_PORT', '-1'],
    ['RATE_LIMIT_REQUESTS', '0'],
    ['RATE_LIMIT_WINDOW', 'sixty'],
    ['DEDUPE_TTL_SECONDS', '0'],
    ['WEBHOOK_BODY_LIMIT_BYTES', '100'],
    ['CONVERSATION_RATE_LIMIT_REQUESTS', '1e'],
    ['PROMETHEUS_ENABLED', 'maybe'],
    ['APP_ENV', 'production'],
    ['LOG_LEVEL', 'verbose'],
    ['CHATWOOT_ACCOUNT_ID', '0'],
    ['CHATWOOT_ACCOUNT_ID', 'three'],
    ['CHATWOOT_BASE_URL', 'ftp://chat.example.com'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['WEBHOOK_PATH_TOKEN', 'short-token'],
  ])('%s=%s is rejected, naming the variable', (name, value) => {
    const err = configError({ [name]: value })
    expect(err.problems).toHaveLength(1)
    expect(err.problems[0]).toMatch(new RegExp(`^${name}: `))
  })

  it('several invalid values are listed in one error', () => {
    const err = configError({ APP_PORT: 'x', RATE_LIMIT_WINDOW: '0', PROMETHEUS_ENABLED: 'on' })
    expect(err.problems.map((p) => p.split(':')[0]).sort()).toEqual(['APP_PORT', 'PROMETHEUS_ENABLED', 'RATE_LIMIT_WINDOW'])
  })

  it('accepts the valid spellings of numbers and booleans', () => {
    const c = loadConfig({ APP_PORT: ' 9000 ', RATE_LIMIT_REQUESTS: '5', PROMETHEUS_ENABLED: 'false', CHATWOOT_ACCOUNT_ID: '3' })
    expect(c.http.port).toBe(9000)
    expect(c.limits.ipRequests).toBe(5)
    expect(c.metrics.enabled).toBe(false)
    expect(c.chatwoot.accountId).toBe(3)
    expect(loadConfig({ PROMETHEUS_ENABLED: '0' }).metrics.enabled).toBe(false)
    expect(loadConfig({ PROMETHEUS_ENABLED: 'yes' }).metrics.enabled).toBe(true)
  })
})

describe('lists', () => {
  it('comma-separated secrets are trimmed, empties dropped, order kept (rotation)', () => {
    expect(loadConfig({ CHATWOOT_WEBHOOK_SECRET: ' old-secret , new-secret ,, ' }).webhook.secrets).toEqual(['old-secret', 'new-secret'])
    expect(loadConfig({ CHATWOOT_WEBHOOK_SECRET: 'only' }).webhook.secrets).toEqual(['only'])
  })

  it('comma-separated origins', () => {
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://a.example, https://b.example' }).http.allowedOrigins)
      .toEqual(['https://a.example', 'https://b.example'])
  })
})

describe('TRUST_PROXY', () => {
  it.each([
    [undefined, false],
    ['false', false],
    ['true', true],
    ['1', 1],
    ['10.0.0.0/8, 172.16.0.0/12', ['10.0.0.0/8', '172.16.0.0/12']],
  ] as const)('%s → %j', (value, expected) => {
    expect(loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).http.trustProxy).toEqual(expected)
  })

  it('refuses anything else, naming the variable', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'everyone' })).toThrow(/TRUST_PROXY/)
  })
})

describe('WORKER_ENABLED and ADMIN_API_TOKEN', () => {
  it('a webhook-only replica needs the durable queue', () => {
    expect(() => loadConfig({ WORKER_ENABLED: 'false' })).toThrow(/WORKER_ENABLED=false needs REDIS_URL/)
    expect(loadConfig({ WORKER_ENABLED: 'false', REDIS_URL: 'redis://127.0.0.1:6379/0' }).workerEnabled).toBe(false)
    expect(loadConfig({}).workerEnabled).toBe(true)
  })

  it('the admin token must be long, and unset means no admin endpoints', () => {
    expect(() => loadConfig({ ADMIN_API_TOKEN: 'short' })).toThrow(/ADMIN_API_TOKEN/)
    expect(loadConfig({}).admin.token).toBeUndefined()
    expect(loadConfig({ ADMIN_API_TOKEN: 'a'.repeat(24) }).admin.token).toBe('a'.repeat(24))
  })
})
