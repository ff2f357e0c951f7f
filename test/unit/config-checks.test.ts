// What an operator sees when a value is wrong: the variable, what it accepts, and what was given
// (never a password), and where the service listens when APP_HOST is left out.
import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from '../../src/config.js'

/** The problems of the one ConfigError loadConfig throws for `env`. */
function problems (env: Record<string, string | undefined>): readonly string[] {
  try {
    loadConfig(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.problems
    throw err
  }
  throw new Error('loadConfig did not throw')
}

describe('APP_PORT', () => {
  it.each(['99999', '65536', '0', '-1', '80.5', 'http', '8080x'])('%s is refused with the accepted range and the value given', (value) => {
    expect(problems({ APP_PORT: value })).toEqual([`APP_PORT: must be a whole number from 1 to 65535, got "${value}"`])
  })

  it.each([['1', 1], ['65535', 65535], [' 8080 ', 8080], [undefined, 8000]] as const)('%s → %d', (value, port) => {
    expect(loadConfig({ APP_PORT: value }).http.port).toBe(port)
  })

  it('clips a long value in the message', () => {
    const [problem] = problems({ APP_PORT: '9'.repeat(200) })
    expect(problem?.length).toBeLessThan(80)
  })
})

describe('URL settings name the schemes they accept', () => {
  it.each([
    ['REDIS_URL', 'http://x', 'REDIS_URL: must be a redis:// or rediss:// URL, got "http://x"'],
    ['REDIS_URL', 'localhost:6379', 'REDIS_URL: must be a redis:// or rediss:// URL, got "localhost:…"'],
    ['REDIS_URL', 'admin:hunter2@redis:6379', 'REDIS_URL: must be a redis:// or rediss:// URL, got "admin:…"'],
    ['CHATWOOT_BASE_URL', 'ftp://chat.example.com', 'CHATWOOT_BASE_URL: must be an http:// or https:// URL, got "ftp://chat.example.com"'],
    ['OPENAI_BASE_URL', 'api.openai.com/v1', 'OPENAI_BASE_URL: must be an http:// or https:// URL, got something that is not a URL'],
    ['N8N_BASE_URL', 'redis://n8n:5678', 'N8N_BASE_URL: must be an http:// or https:// URL, got "redis://n8n:5678"'],
    ['N8N_WEBHOOK_HANDOFF', 'ftp://n8n/webhook/handoff', 'N8N_WEBHOOK_HANDOFF: must be a path under N8N_BASE_URL or an http:// or https:// URL, got "ftp://n8n"'],
  ])('%s=%s', (name, value, message) => {
    expect(problems({ [name]: value })).toEqual([message])
  })

  it('never echoes a password, a user name, a path or a query', () => {
    const [redis] = problems({ REDIS_URL: 'http://admin:hunter2-secret@redis.internal:6379/0?token=abc' })
    expect(redis).toBe('REDIS_URL: must be a redis:// or rediss:// URL, got "http://***@redis.internal:6379"')
    const [n8n] = problems({ N8N_WEBHOOK_LEAD_QUALIFIED: 'ftp://user:pw@n8n/webhook/secret-path' })
    expect(n8n).not.toMatch(/pw|user|secret-path/)
    const [garbage] = problems({ OPENAI_BASE_URL: 'sk-live-0123456789' })
    expect(garbage).not.toContain('sk-live')
  })

  it('accepts what they name, and n8n workflow paths', () => {
    const c = loadConfig({
      REDIS_URL: 'rediss://:pw@redis.example.com:6380/0',
      CHATWOOT_BASE_URL: 'http://chatwoot:3000',
      N8N_BASE_URL: 'https://n8n.example.com',
      N8N_WEBHOOK_HANDOFF: 'webhook/handoff',
      N8N_WEBHOOK_LEAD_QUALIFIED: '/webhook/qualified',
      N8N_WEBHOOK_MEETING_REQUESTED: 'https://hooks.example.com/meeting',
    })
    expect(c.redis.url).toBe('rediss://:pw@redis.example.com:6380/0')
    expect(c.n8n.webhooks).toMatchObject({ handoff: 'webhook/handoff', leadQualified: '/webhook/qualified', meetingRequested: 'https://hooks.example.com/meeting' })
  })

  it('lists every bad URL in the one error', () => {
    expect(problems({ REDIS_URL: 'http://a', CHATWOOT_BASE_URL: 'redis://b' }).map((p) => p.split(':')[0]).sort())
      .toEqual(['CHATWOOT_BASE_URL', 'REDIS_URL'])
  })
})

describe('APP_HOST', () => {
  it('is loopback in dev, so a laptop does not serve the network', () => {
    expect(loadConfig({}).http.host).toBe('127.0.0.1')
    expect(loadConfig({ NODE_ENV: 'development' }).http.host).toBe('127.0.0.1')
    expect(loadConfig({ APP_ENV: 'test' }).http.host).toBe('127.0.0.1')
  })

  it('is every interface when NODE_ENV=production (the image)', () => {
    expect(loadConfig({ NODE_ENV: 'production' }).http.host).toBe('0.0.0.0')
  })

  it('is what APP_HOST says when it is set, whatever NODE_ENV', () => {
    expect(loadConfig({ APP_HOST: '0.0.0.0' }).http.host).toBe('0.0.0.0')
    expect(loadConfig({ APP_HOST: '10.1.2.3', NODE_ENV: 'production' }).http.host).toBe('10.1.2.3')
    expect(loadConfig({ APP_HOST: '  ', NODE_ENV: 'production' }).http.host).toBe('0.0.0.0')
  })
})
