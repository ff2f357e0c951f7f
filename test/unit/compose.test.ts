// Operations files stay consistent with the config schema: compose/docker-compose.yml,
// compose/Dockerfile, .env.example and .ci/run (Compose itself cannot run in CI: no Docker engine).
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configVariables } from '../../src/config.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8')

type Yaml = Record<string, unknown>

const asRecord = (value: unknown, what: string): Yaml => {
  expect(value, `${what} must be a mapping`).toBeTypeOf('object')
  expect(value, `${what} must be a mapping`).not.toBeNull()
  expect(Array.isArray(value), `${what} must be a mapping, not a list`).toBe(false)
  return value as Yaml
}

const compose = asRecord(parse(read('compose/docker-compose.yml')), 'compose file')
const services = asRecord(compose.services, 'services')
const known = new Set(configVariables)

/** Keys of a Compose `environment:`, which may be a mapping or a list of KEY=value. */
const environmentKeys = (environment: unknown): string[] => {
  if (environment === undefined || environment === null) return []
  if (Array.isArray(environment)) {
    return environment.map((entry) => String(entry).split('=')[0]?.trim() ?? '')
  }
  return Object.keys(asRecord(environment, 'environment'))
}

/** Names assigned in a dotenv file, whether the line is commented out or not (`KEY=`, `# KEY=`). */
const assignedNames = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((line) => /^\s*(?:#\s*)?(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined)

/** Dockerfile instructions with continuation lines joined and comments dropped. */
const instructions = (text: string): Array<{ keyword: string, args: string }> =>
  text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => {
      const [keyword = '', ...rest] = line.split(/\s+/)
      return { keyword: keyword.toUpperCase(), args: rest.join(' ') }
    })

describe('compose/docker-compose.yml', () => {
  it('has the api and redis services', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['api', 'redis']))
  })

  it('starts api only once redis is healthy', () => {
    const api = asRecord(services.api, 'services.api')
    const dependsOn = asRecord(api.depends_on, 'services.api.depends_on')
    const redis = asRecord(dependsOn.redis, 'services.api.depends_on.redis')
    expect(redis.condition).toBe('service_healthy')
  })

  it('gives both services a healthcheck', () => {
    for (const name of ['api', 'redis']) {
      const service = asRecord(services[name], `services.${name}`)
      const healthcheck = asRecord(service.healthcheck, `services.${name}.healthcheck`)
      expect(healthcheck.disable, `services.${name}.healthcheck.disable`).not.toBe(true)
      expect(healthcheck.test, `services.${name}.healthcheck.test`).toBeDefined()
    }
    const api = asRecord(services.api, 'services.api')
    expect(JSON.stringify(asRecord(api.healthcheck, 'api.healthcheck').test)).toContain('/api/v1/health')
    expect(JSON.stringify(asRecord(asRecord(services.redis, 'redis').healthcheck, 'redis.healthcheck').test)).toContain('ping')
  })

  it('builds api from the repository root with compose/Dockerfile', () => {
    const api = asRecord(services.api, 'services.api')
    const build = asRecord(api.build, 'services.api.build')
    expect(build.context).toBe('..')
    expect(build.dockerfile).toBe('compose/Dockerfile')
  })

  it('sets only variables that src/config.ts knows on api', () => {
    const api = asRecord(services.api, 'services.api')
    const keys = environmentKeys(api.environment)
    expect(keys).toEqual(expect.arrayContaining(['APP_PORT', 'REDIS_URL']))
    expect(keys.filter((key) => !known.has(key))).toEqual([])
  })

  it('points api at the redis service', () => {
    const api = asRecord(services.api, 'services.api')
    const environment = asRecord(api.environment, 'services.api.environment')
    expect(environment.REDIS_URL).toBe('redis://redis:6379/0')
  })
})

describe('.env.example', () => {
  const names = assignedNames(read('.env.example'))

  it('lists every variable of the config schema', () => {
    expect(configVariables.length).toBeGreaterThan(0)
    expect(configVariables.filter((name) => !names.includes(name))).toEqual([])
  })

  it('assigns only variables the config schema knows', () => {
    expect(names.length).toBeGreaterThan(0)
    expect(names.filter((name) => !known.has(name))).toEqual([])
  })

  it('assigns each variable once', () => {
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([])
  })
})

describe('compose/Dockerfile', () => {
  const steps = instructions(read('compose/Dockerfile'))
  const finalStage = steps.slice(steps.map((s) => s.keyword).lastIndexOf('FROM'))
  const args = (keyword: string, from = steps): string[] => from.filter((s) => s.keyword === keyword).map((s) => s.args)

  it('is multi-stage', () => {
    expect(args('FROM').length).toBeGreaterThan(1)
  })

  it('has a HEALTHCHECK on /api/v1/health', () => {
    const healthchecks = args('HEALTHCHECK', finalStage)
    expect(healthchecks).toHaveLength(1)
    expect(healthchecks[0]).toContain('/api/v1/health')
  })

  it('runs the final stage as a non-root user', () => {
    const user = args('USER', finalStage).at(-1)
    expect(user, 'the final stage must set USER').toBeDefined()
    expect(['root', '0', '0:0', 'root:root']).not.toContain(user)
  })

  it('installs with npm ci only, production dependencies only in the final stage', () => {
    const runs = args('RUN')
    expect(runs.some((run) => /\bnpm ci\b/.test(run))).toBe(true)
    expect(runs.filter((run) => /\bnpm (install|i|add)\b/.test(run))).toEqual([])
    const finalInstalls = args('RUN', finalStage).filter((run) => /\bnpm ci\b/.test(run))
    expect(finalInstalls.length).toBeGreaterThan(0)
    expect(finalInstalls.filter((run) => !/--omit=dev\b/.test(run))).toEqual([])
  })

  it('runs bin/start.mjs, which runs dist/server.js with the Node flags', () => {
    expect(args('CMD', finalStage).at(-1)).toBe('["node", "bin/start.mjs"]')
    expect(args('COPY', finalStage)).toContain('bin ./bin')
  })
})

describe('.ci/run', () => {
  it('runs npm test', () => {
    // Commands only: comments and quoted strings (section titles, messages) do not count.
    const commands = read('.ci/run')
      .split(/\r?\n/)
      .filter((line) => !line.trim().startsWith('#'))
      .map((line) => line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""'))
    expect(commands.some((line) => /(^|[\s;&|(])npm test(\s|$|[;&|)])/.test(line))).toBe(true)
  })
})
