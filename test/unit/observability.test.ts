// The operations stack (compose/): the compose file, the reverse proxy, Prometheus's scrape config
// and alert rules, Grafana's provisioning and dashboard. No Docker engine runs in CI, so this proves
// what can be proved without one: the files parse, fit together, and every PromQL expression uses
// only metric and label names that the real app exposes on a live /metrics.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { request } from 'undici'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { configVariables, loadConfig } from '../../src/config.js'
import { startTestApp, type TestApp } from '../helpers/app.js'
import type { ChatRequestBody } from '../helpers/fake-openai.js'
import { messageVariant, VECTORS } from '../helpers/fixtures.js'
import { settle, SECRET, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { analyze, familyOf, parseExposition, type Family } from '../helpers/promql.js'
import { cleanPrefix, createTestRedis, REDIS_URL, redisAvailable, uniquePrefix } from '../helpers/redis.js'
import { chatwootHeaders } from '../helpers/sign.js'
import { until } from '../helpers/wait.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const composeDir = join(root, 'compose')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

type Yaml = Record<string, unknown>
const isRecord = (value: unknown): value is Yaml => typeof value === 'object' && value !== null && !Array.isArray(value)
const rec = (value: unknown, what: string): Yaml => {
  expect(isRecord(value), `${what} must be a mapping`).toBe(true)
  return value as Yaml
}
const list = (value: unknown, what: string): unknown[] => {
  expect(Array.isArray(value), `${what} must be a list`).toBe(true)
  return value as unknown[]
}

const compose = rec(parse(read('compose/docker-compose.yml')), 'compose file')
const services = rec(compose.services, 'services')
const service = (name: string): Yaml => rec(services[name], `services.${name}`)
const prometheus = rec(parse(read('compose/prometheus/prometheus.yml')), 'prometheus.yml')
const alertsFile = rec(parse(read('compose/prometheus/alerts.yml')), 'alerts.yml')
const alertTests = rec(parse(read('compose/prometheus/alerts.test.yml')), 'alerts.test.yml')
const datasources = rec(parse(read('compose/grafana/provisioning/datasources/prometheus.yml')), 'grafana datasources')
const providers = rec(parse(read('compose/grafana/provisioning/dashboards/mrdom-sdr.yml')), 'grafana dashboard providers')
const dashboard = rec(JSON.parse(read('compose/grafana/dashboards/mrdom-sdr.json')), 'dashboard')
const nginx = read('compose/nginx/default.conf')
const readme = read('docs/observability.md')

interface Rule { alert: string, expr: string, for: string, labels: Yaml, annotations: Yaml }
const rules: Rule[] = list(alertsFile.groups, 'groups').flatMap((g) => list(rec(g, 'group').rules, 'rules') as Rule[])

interface Panel { id: number, type: string, title: string, datasource?: Yaml, gridPos: Yaml, targets?: Array<{ expr: string, datasource?: Yaml }>, panels?: Panel[] }
const allPanels = (panels: Panel[]): Panel[] => panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])])
const panels = allPanels(dashboard.panels as Panel[])
const graphPanels = panels.filter((p) => p.type !== 'row')
const dashboardExprs = graphPanels.flatMap((p) => (p.targets ?? []).map((t) => t.expr))

const squash = (s: string): string => s.replace(/\s+/g, ' ').trim()
/** A Compose interpolation, `${NAME:-fallback}`, as the compose file spells it. */
const composeVar = (name: string, fallback: string): string => `$\{${name}:-${fallback}}`

/** `short` syntax (`"8000:8000"`) or long syntax of a service's ports. */
const publishedPorts = (s: Yaml): Array<{ hostIp: string | undefined, published: string, target: string }> =>
  (Array.isArray(s.ports) ? s.ports : []).map((p: unknown) => {
    if (isRecord(p)) return { hostIp: p.host_ip as string | undefined, published: String(p.published), target: String(p.target) }
    // Split on the colons outside ${...} (a default value may hold one: ${API_PORT:-8000}).
    const parts = String(p).match(/(\$\{[^}]*\}|[^:])+/g) ?? []
    const target = parts.pop() ?? ''
    const published = parts.pop() ?? ''
    return { hostIp: parts.length > 0 ? parts.join(':') : undefined, published, target }
  })

/** Bind mounts of a service: [source relative to compose/, target]. */
const bindMounts = (s: Yaml): Array<[string, string]> =>
  (Array.isArray(s.volumes) ? s.volumes : [])
    .map((v: unknown) => String(v).split(':'))
    .filter(([source]) => source !== undefined && (source.startsWith('./') || source.startsWith('../')))
    .map(([source, target]) => [source ?? '', target ?? ''])

// The seed README's PromQL (its "Consultas PromQL úteis"), verbatim: the contract the dashboard keeps.
const SEED_QUERIES = {
  'p95 latency per route': 'histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le, path))',
  'error ratio per route': 'sum by (path) (rate(http_request_duration_seconds_count{status=~"4..|5.."}[5m])) / sum by (path) (rate(http_request_duration_seconds_count[5m]))',
  'SLA 95 % < 300 ms': 'sum(rate(http_request_duration_seconds_bucket{le="0.3"}[5m])) / sum(rate(http_request_duration_seconds_count[5m]))',
  'mean response size': 'sum by (path) (rate(http_response_size_bytes_sum[5m])) / sum by (path) (rate(http_response_size_bytes_count[5m]))',
}

describe('compose/docker-compose.yml: the stack', () => {
  it('has the api, the proxy, redis, prometheus, grafana and (profile n8n) n8n', () => {
    expect(Object.keys(services).sort()).toEqual(['api', 'grafana', 'n8n', 'prometheus', 'proxy', 'redis'])
    expect(service('n8n').profiles).toEqual(['n8n'])
    for (const name of ['api', 'grafana', 'prometheus', 'proxy', 'redis']) {
      expect(service(name).profiles, `${name} must start without a profile`).toBeUndefined()
    }
  })

  it('healthchecks every service (all of them run for good)', () => {
    for (const [name, value] of Object.entries(services)) {
      const healthcheck = rec(rec(value, name).healthcheck, `services.${name}.healthcheck`)
      expect(healthcheck.disable, name).not.toBe(true)
      const test = list(healthcheck.test, `services.${name}.healthcheck.test`).map(String)
      expect(['CMD', 'CMD-SHELL'], name).toContain(test[0])
      expect(test.length, name).toBeGreaterThan(1)
      expect(rec(value, name).restart, `${name} restarts by itself`).toBe('unless-stopped')
    }
  })

  it('lets the api scale: no host port, no container name, reached on 8000 through Docker DNS', () => {
    const api = service('api')
    expect(api.ports, 'a fixed host port would clash under --scale api=3').toBeUndefined()
    expect(api.container_name).toBeUndefined()
    expect(api.expose).toEqual(['8000'])
    expect(rec(api.environment, 'api.environment').APP_PORT).toBe('8000')
  })

  it('starts the api once Redis is healthy, and points it at that Redis', () => {
    const api = service('api')
    expect(rec(rec(api.depends_on, 'api.depends_on').redis, 'depends_on.redis').condition).toBe('service_healthy')
    expect(rec(api.environment, 'api.environment').REDIS_URL).toBe('redis://redis:6379/0')
    expect(list(api.env_file, 'api.env_file').map((e) => isRecord(e) ? e.path : e)).toEqual(['../.env'])
  })

  it('sets on the api only variables of the config schema', () => {
    const keys = Object.keys(rec(service('api').environment, 'api.environment'))
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.filter((key) => !configVariables.includes(key))).toEqual([])
  })

  it('runs Redis with an append-only file on a volume, so the durable queue survives a restart', () => {
    const redis = service('redis')
    const command = list(redis.command, 'redis.command').map(String).join(' ')
    expect(command).toMatch(/--appendonly yes\b/)
    expect(command).toMatch(/--maxmemory-policy noeviction\b/)
    expect(redis.volumes).toContain('redis-data:/data')
    expect(Object.keys(rec(compose.volumes, 'volumes'))).toContain('redis-data')
  })

  it('publishes one port on all interfaces, the proxy\'s; the rest only on 127.0.0.1', () => {
    const exposed = Object.entries(services).flatMap(([name, s]) => publishedPorts(rec(s, name)).map((p) => ({ name, ...p })))
    expect(exposed.filter((p) => p.hostIp === undefined).map((p) => p.name)).toEqual(['proxy'])
    expect(exposed.filter((p) => p.hostIp !== undefined && p.hostIp !== '127.0.0.1')).toEqual([])
    expect(publishedPorts(service('proxy'))).toEqual([{ hostIp: undefined, published: composeVar('API_PORT', '8000'), target: '8000' }])
    expect(rec(rec(service('proxy').depends_on, 'proxy.depends_on').api, 'proxy.depends_on.api').condition).toBe('service_healthy')
  })

  it('pins every image it pulls (no latest, a version number in the tag)', () => {
    for (const [name, value] of Object.entries(services)) {
      const s = rec(value, name)
      if (s.build !== undefined) continue
      const image = String(s.image)
      expect(image, name).toMatch(/^[a-z0-9./-]+:v?\d+(\.\d+)+(-[a-z0-9.]+)?$/)
      expect(image, name).not.toMatch(/:latest$/)
    }
  })

  it('mounts only files that exist in the repository', () => {
    const mounts = Object.entries(services).flatMap(([name, s]) => bindMounts(rec(s, name)))
    expect(mounts.length).toBeGreaterThanOrEqual(4)
    for (const [source] of mounts) {
      expect(existsSync(resolve(composeDir, source)), `${source} (relative to compose/)`).toBe(true)
    }
    expect(bindMounts(service('prometheus'))).toContainEqual(['./prometheus', '/etc/prometheus'])
    expect(bindMounts(service('proxy'))).toContainEqual(['./nginx/default.conf', '/etc/nginx/conf.d/default.conf'])
  })

  it('documents every variable Compose interpolates in compose/.env.example, and none of them is the api\'s', () => {
    const text = read('compose/docker-compose.yml')
    const used = [...new Set([...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)/g)].map((m) => m[1] ?? ''))].sort()
    const documented = [...read('compose/.env.example').matchAll(/^([A-Z_][A-Z0-9_]*)=/gm)].map((m) => m[1] ?? '').sort()
    expect(used.length).toBeGreaterThan(0)
    expect(documented).toEqual(used)
    expect(used.filter((name) => configVariables.includes(name))).toEqual([])
  })
})

describe('compose/nginx/default.conf: the reverse proxy', () => {
  const directives = nginx.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter((line) => line.length > 0)
  const has = (re: RegExp): boolean => directives.some((d) => re.test(d))

  it('balances over every api replica, re-resolving the name through Docker DNS', () => {
    expect(has(/^resolver 127\.0\.0\.11\b.*\bvalid=\d+s\b/)).toBe(true)
    const upstream = /upstream (\S+) \{([^}]*)\}/.exec(nginx)
    expect(upstream).not.toBeNull()
    expect(upstream?.[2]).toMatch(/\bserver api:8000 resolve;/)
    expect(upstream?.[2]).toMatch(/\bzone \S+ \d+k;/)
    expect(has(new RegExp(`^proxy_pass http://${upstream?.[1] ?? '-'};$`))).toBe(true)
  })

  it('streams the webhook body untouched and never sets, hides or drops X-Chatwoot-* headers', () => {
    expect(has(/^proxy_request_buffering off;$/)).toBe(true)
    expect(has(/x-chatwoot/i), 'no directive may name an X-Chatwoot-* header').toBe(false)
    expect(has(/^proxy_pass_request_(headers|body) off;/)).toBe(false)
    expect(has(/^(underscores_in_headers|ignore_invalid_headers|proxy_hide_header|more_clear_input_headers)\b/)).toBe(false)
    expect(has(/^proxy_set_body\b/)).toBe(false)
  })

  it('accepts bodies up to the api\'s own limit, so the api answers 413 itself', () => {
    const size = /^client_max_body_size (\d+)([km]?);$/.exec(directives.find((d) => d.startsWith('client_max_body_size')) ?? '')
    expect(size).not.toBeNull()
    const bytes = Number(size?.[1]) * ({ k: 1024, m: 1024 * 1024 }[size?.[2] ?? ''] ?? 1)
    expect(bytes).toBeGreaterThan(loadConfig({}).webhook.bodyLimitBytes)
  })

  it('never retries a request another replica may already have taken (no non_idempotent)', () => {
    expect(has(/^proxy_next_upstream\b.*\bnon_idempotent\b/)).toBe(false)
  })

  it('listens where compose publishes it and serves the path its healthcheck probes', () => {
    expect(has(/^listen 8000;$/)).toBe(true)
    const test = list(rec(service('proxy').healthcheck, 'proxy.healthcheck').test, 'test').map(String)
    const url = new URL(test.find((t) => t.startsWith('http')) ?? '')
    expect(url.port).toBe('8000')
    expect(nginx).toContain(`location = ${url.pathname} {`)
  })

  it('keeps the legacy path token out of its access log', () => {
    expect(nginx).toMatch(/~\^\/api\/v1\/webhooks\/agentbot\/\s+\/api\/v1\/webhooks\/agentbot\/\[redacted\];/)
    const format = /log_format (\S+) ([\s\S]*?);\n/.exec(nginx)
    expect(format?.[2]).toContain('$sdr_loggable_uri')
    expect(format?.[2]).not.toMatch(/\$request\b|\$request_uri|\$uri\b/)
    expect(has(new RegExp(`^access_log \\S+ ${format?.[1] ?? '-'};$`))).toBe(true)
  })
})

describe('compose/prometheus/prometheus.yml', () => {
  const jobs = list(prometheus.scrape_configs, 'scrape_configs').map((j) => rec(j, 'scrape config'))
  const job = jobs.find((j) => j.job_name === 'mrdom-sdr-api')

  it('keeps the seed\'s job name, interval and service label', () => {
    expect(job).toBeDefined()
    expect(job?.scrape_interval).toBe('15s')
    expect(job?.metrics_path ?? '/metrics').toBe('/metrics')
    const relabels = list(job?.relabel_configs, 'relabel_configs').map((r) => rec(r, 'relabel'))
    expect(relabels).toContainEqual({ target_label: 'service', replacement: 'mrdom-sdr' })
  })

  it('scrapes every api replica through Docker DNS, on port 8000', () => {
    expect(job?.static_configs).toBeUndefined()
    const sd = list(job?.dns_sd_configs, 'dns_sd_configs').map((s) => rec(s, 'dns_sd_config'))
    expect(sd).toHaveLength(1)
    expect(sd[0]).toMatchObject({ names: ['api'], type: 'A', port: 8000 })
    expect(service('api').expose).toEqual([String(sd[0]?.port)])
  })

  it('loads the alert rules', () => {
    const files = list(prometheus.rule_files, 'rule_files').map(String)
    expect(files).toEqual(['alerts.yml'])
    expect(existsSync(join(composeDir, 'prometheus', 'alerts.yml'))).toBe(true)
  })
})

describe('compose/prometheus/alerts.yml', () => {
  it('gives every rule a name, a for:, a severity and a summary and description', () => {
    expect(rules.length).toBeGreaterThanOrEqual(6)
    for (const rule of rules) {
      expect(rule.alert, JSON.stringify(rule)).toMatch(/^MrDomSdr[A-Z][A-Za-z0-9]+$/)
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/)
      expect(['warning', 'critical'], rule.alert).toContain(rule.labels?.severity)
      expect(String(rule.annotations?.summary ?? ''), rule.alert).not.toBe('')
      expect(String(rule.annotations?.description ?? '').length, rule.alert).toBeGreaterThan(40)
    }
    const names = rules.map((r) => r.alert)
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([])
  })

  const ruleUsing = (metric: string, ...fragments: RegExp[]): Rule | undefined =>
    rules.find((r) => analyze(r.expr).selectors.some((s) => s.metric === metric) && fragments.every((f) => f.test(squash(r.expr))))

  it.each([
    ['webhook 5xx rate', 'http_request_duration_seconds_count', [/status=~"5\.\."/, /path=~"\/api\/v1\/webhooks\/agentbot/]],
    ['SLA 95 % < 300 ms broken', 'http_request_duration_seconds_bucket', [/le="0\.3"/, /< 0\.95$/]],
    ['Redis down', 'sdr_redis_up', [/sdr_redis_up\{[^}]*\} == 0/, /absent\(sdr_redis_up/]],
    ['queue age growing', 'sdr_queue_oldest_age_seconds', [/deriv\(/]],
    ['handoffs failing', 'sdr_handoffs_total', [/outcome="failed"/]],
    ['LLM errors', 'sdr_brain_calls_total', [/adapter="openai",outcome!="ok"/]],
    ['durable queue exhausted', 'sdr_queue_events_total', [/event="exhausted"/]],
    ['n8n workflow gave up', 'sdr_workflow_triggers_total', [/gave_up/]],
  ] as const)('has an alert for %s', (_what, metric, fragments) => {
    expect(ruleUsing(metric, ...fragments)).toBeDefined()
  })

  it('has a promtool unit test (alerts.test.yml) in which each alert fires', () => {
    const fired = new Set(list(alertTests.tests, 'tests').flatMap((t) => list(rec(t, 'test').alert_rule_test, 'alert_rule_test'))
      .map((a) => rec(a, 'alert_rule_test'))
      .filter((a) => Array.isArray(a.exp_alerts) && a.exp_alerts.length > 0)
      .map((a) => String(a.alertname)))
    expect(alertTests.rule_files).toEqual(['alerts.yml'])
    expect(rules.map((r) => r.alert).filter((name) => !fired.has(name))).toEqual([])
  })

  it('is explained, alert by alert, in docs/observability.md', () => {
    const section = readme.split(/^## /m).find((s) => s.startsWith('Alerts')) ?? ''
    expect(section).not.toBe('')
    expect(rules.map((r) => r.alert).filter((name) => !section.includes(`\`${name}\``))).toEqual([])
  })
})

describe('Grafana: provisioning and the dashboard', () => {
  const grafana = service('grafana')
  const ds = rec(list(datasources.datasources, 'datasources')[0], 'datasource')

  it('provisions the Prometheus of the compose file as the default datasource', () => {
    expect(ds).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090', isDefault: true })
    expect(publishedPorts(service('prometheus')).map((p) => p.target)).toEqual(['9090'])
    expect(bindMounts(grafana)).toContainEqual(['./grafana/provisioning', '/etc/grafana/provisioning'])
  })

  it('loads the dashboard folder from where compose mounts it', () => {
    const provider = rec(list(providers.providers, 'providers')[0], 'provider')
    const path = String(rec(provider.options, 'provider.options').path)
    const mount = bindMounts(grafana).find(([, target]) => target === path)
    expect(mount, `a bind mount onto ${path}`).toBeDefined()
    expect(existsSync(join(composeDir, mount?.[0] ?? '-', 'mrdom-sdr.json'))).toBe(true)
    const home = String(rec(grafana.environment, 'grafana.environment').GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH)
    expect(home).toBe(`${path}/mrdom-sdr.json`)
  })

  it('takes the admin credentials from Compose variables', () => {
    const env = rec(grafana.environment, 'grafana.environment')
    expect(env.GF_SECURITY_ADMIN_USER).toBe(composeVar('GRAFANA_ADMIN_USER', 'admin'))
    expect(env.GF_SECURITY_ADMIN_PASSWORD).toBe(composeVar('GRAFANA_ADMIN_PASSWORD', 'admin'))
  })

  it('is a well-formed dashboard whose panels all query the provisioned datasource', () => {
    expect(dashboard.uid).toBe('mrdom-sdr')
    const ids = panels.map((p) => p.id)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([])
    expect(graphPanels.length).toBeGreaterThanOrEqual(20)
    for (const panel of graphPanels) {
      expect(panel.targets?.length ?? 0, panel.title).toBeGreaterThan(0)
      expect(panel.datasource?.uid, panel.title).toBe(ds.uid)
      for (const target of panel.targets ?? []) {
        expect(target.datasource?.uid, panel.title).toBe(ds.uid)
        expect(target.expr.trim(), panel.title).not.toBe('')
      }
      const { x, w } = panel.gridPos as { x: number, w: number }
      expect(x + w, panel.title).toBeLessThanOrEqual(24)
    }
  })

  it.each(Object.entries(SEED_QUERIES))('shows the seed README query "%s" verbatim', (_name, query) => {
    expect(dashboardExprs.map(squash)).toContain(squash(query))
  })

  it('shows every PromQL example of the README\'s Metrics section', () => {
    const section = readme.split(/^## /m).find((s) => s.startsWith('Metrics')) ?? ''
    const examples = [...section.matchAll(/`([^`\n]*\((?:[^`\n]*)\))`/g)].map((m) => m[1] ?? '').filter((q) => /\b(sdr|http)_[a-z_]+/.test(q))
    expect(examples.length).toBeGreaterThanOrEqual(8)
    expect(examples.filter((q) => !dashboardExprs.some((e) => squash(e).includes(squash(q))))).toEqual([])
  })

  it.each([
    ['leads qualified', 'sdr_leads_qualified_total', []],
    ['handoffs by reason', 'sdr_handoffs_total', ['reason']],
    ['brain fallback rate', 'sdr_brain_calls_total', []],
    ['queue depth', 'sdr_queue_depth', []],
    ['queue oldest age', 'sdr_queue_oldest_age_seconds', []],
    ['LLM tokens', 'sdr_llm_tokens_total', ['kind']],
    ['webhook outcomes', 'sdr_webhook_events_total', ['event', 'outcome']],
    ['Redis up', 'sdr_redis_up', []],
    ['durable-queue events', 'sdr_queue_events_total', ['event']],
    ['outbound calls by target and outcome', 'sdr_outbound_requests_total', ['target', 'outcome']],
  ] as const)('has a panel for %s', (_what, metric, by) => {
    const uses = dashboardExprs.map((e) => analyze(e)).filter((u) => u.selectors.some((s) => s.metric === metric))
    expect(uses.length, metric).toBeGreaterThan(0)
    expect(uses.some((u) => by.every((label) => u.grouping.includes(label))), `${metric} by (${by.join(', ')})`).toBe(true)
  })
})

// ---------------------------------------------------------------------------------------------
// Every expression against a live /metrics.
// ---------------------------------------------------------------------------------------------

/** What Prometheus itself adds: the scrape's `up`, and the target labels of our job. */
const targetLabels = (): Set<string> => {
  const job = list(prometheus.scrape_configs, 'scrape_configs').map((j) => rec(j, 'job')).find((j) => j.job_name === 'mrdom-sdr-api')
  const relabelled = list(job?.relabel_configs ?? [], 'relabel_configs').map((r) => String(rec(r, 'relabel').target_label))
  return new Set(['job', 'instance', ...relabelled])
}
const PROMETHEUS_SERIES = new Set(['up'])

interface Exposed {
  readonly families: Map<string, Family>
  /** Label names per metric object of the app's registry, for families without a sample. */
  readonly declared: Map<string, readonly string[]>
}

/** Problems of one expression against what the app exposes; empty when it only uses real names. */
function problems (expr: string, exposed: Exposed, declaredOnly: Set<string>): string[] {
  const found: string[] = []
  const use = analyze(expr)
  const targets = targetLabels()
  const available = new Set<string>(targets)
  for (const selector of use.selectors) {
    const name = selector.metric
    if (name === undefined) { found.push(`a selector without a metric name in: ${expr}`); continue }
    let labels: Set<string>
    if (PROMETHEUS_SERIES.has(name)) {
      labels = new Set(targets)
    } else {
      const hit = familyOf(exposed.families, name)
      if (hit === undefined) { found.push(`metric ${name} is not exposed`); continue }
      const live = hit.family.sampleLabels.get(name)
      if (live !== undefined) {
        labels = new Set([...live, ...targets])
      } else {
        labels = new Set([...(exposed.declared.get(hit.name) ?? []), ...(name.endsWith('_bucket') ? ['le'] : []), ...targets])
        declaredOnly.add(name)
      }
    }
    for (const label of labels) available.add(label)
    for (const label of selector.labels) {
      if (!labels.has(label)) found.push(`${name} has no label ${label}`)
    }
  }
  for (const label of use.grouping) {
    if (!available.has(label)) found.push(`by/on label ${label} is not a label of the selected series`)
  }
  return found
}

const EMPTY_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }
const lastUserText = (body: ChatRequestBody): string => {
  // The last lead turn: after it comes the per-turn context (a system message).
  const content = body.messages?.filter((m) => m.role === 'user').at(-1)?.content
  return typeof content === 'string' ? content : ''
}

describe('every PromQL expression of the dashboard and the alerts, against a live /metrics', () => {
  let p: Pipeline | undefined
  let failing: TestApp | undefined
  const prefixes: string[] = []
  let exposed: Exposed = { families: new Map(), declared: new Map() }
  const declaredOnly = new Set<string>()

  beforeAll(async () => {
    const redisEnv = (): Record<string, string> => {
      if (!redisAvailable) return {}
      const prefix = uniquePrefix()
      prefixes.push(prefix)
      return { REDIS_URL, REDIS_KEY_PREFIX: prefix }
    }
    // The real app and worker with stand-ins for Chatwoot, OpenAI and n8n; Redis when it answers.
    p = await startPipeline({
      env: redisEnv(),
      openai: (body) => /humano/.test(lastUserText(body))
        ? { reply: 'Vou chamar alguém do time.', fields: EMPTY_FIELDS, intent: 'wants_human', language: 'pt-BR', confidence: 0.9 }
        : { reply: 'Que bom falar com você!', fields: { ...EMPTY_FIELDS, name: 'Carla' }, intent: 'gives_info', language: 'pt-BR', confidence: 0.9 },
    })
    const lead = { accountId: 7, conversationId: 70_001 }
    const handoff = { accountId: 7, conversationId: 70_002 }
    expect((await p.say(lead, 'Oi, sou a Carla')).body.status).toBe('accepted')
    expect((await p.say(handoff, 'quero falar com um humano')).body.status).toBe('accepted')
    await p.waitForReplies(lead, 1)
    await until(async () => /sdr_handoffs_total\{/.test(await p!.metrics()), 5000, 20)
    await settle(p)
    // An ignored delivery (the bot's own message) and a refused one (wrong secret).
    const own = messageVariant((m) => { m.conversation.id = 70_003 }, 'message_created.outgoing.agent_bot_self')
    const ownHeaders = chatwootHeaders(own, { secret: SECRET, timestamp: Math.floor(Date.now() / 1000) })
    expect((await request(`${p.app.url}/api/v1/webhooks/agentbot`, { method: 'POST', headers: ownHeaders, body: own }).then((r) => r.body.json()) as { status?: string }).status).toBe('ignored')
    const forged = chatwootHeaders(own, { secret: 'not-the-secret', timestamp: Math.floor(Date.now() / 1000) })
    expect((await request(`${p.app.url}/api/v1/webhooks/agentbot`, { method: 'POST', headers: forged, body: own })).statusCode).toBe(401)
    await request(`${p.app.url}/api/v1/health`).then((r) => r.body.dump())

    const texts = [await p.metrics()]
    const declared = new Map<string, readonly string[]>()
    for (const metric of await p.app.app.metrics.registry.getMetricsAsJSON()) {
      const object = p.app.app.metrics.registry.getSingleMetric(metric.name) as unknown as { labelNames?: readonly string[] }
      declared.set(metric.name, object.labelNames ?? [])
    }

    // With Redis, a worker that fails makes the durable queue retry: sdr_queue_events_total gets a sample.
    if (redisAvailable) {
      failing = await startTestApp({ ...redisEnv(), SHUTDOWN_TIMEOUT_MS: '100' }, { handler: async () => { throw new Error('worker down') } })
      const body = messageVariant((m) => { m.id = 9_700_001; m.conversation.id = 70_004 })
      const headers = chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) })
      expect((await request(`${failing.url}/api/v1/webhooks/agentbot`, { method: 'POST', headers, body })).statusCode).toBe(200)
      const scrape = async (): Promise<string> => request(`${failing!.url}/metrics`).then((r) => r.body.text())
      await until(async () => /sdr_queue_events_total\{event="retried"\}/.test(await scrape()), 5000, 20)
      texts.push(await scrape())
    }

    const families = new Map<string, Family>()
    for (const text of texts) {
      for (const [name, family] of parseExposition(text)) {
        const known = families.get(name)
        if (known === undefined) { families.set(name, family); continue }
        for (const [sample, labels] of family.sampleLabels) {
          known.sampleLabels.set(sample, new Set([...(known.sampleLabels.get(sample) ?? []), ...labels]))
        }
      }
    }
    exposed = { families, declared }
  }, 30_000)

  afterAll(async () => {
    await p?.close()
    await failing?.close()
    if (prefixes.length > 0) {
      const redis = createTestRedis()
      for (const prefix of prefixes) await cleanPrefix(redis, prefix)
      redis.disconnect()
    }
    if (declaredOnly.size > 0) {
      console.info(`[observability] no live sample in this run, labels checked against the app registry's declaration: ${[...declaredOnly].sort().join(', ')}`)
    }
  })

  it('scraped the series the expressions need', () => {
    const labelsOf = (sample: string): string[] => [...(familyOf(exposed.families, sample)?.family.sampleLabels.get(sample) ?? [])].sort()
    expect(labelsOf('http_request_duration_seconds_bucket')).toEqual(['le', 'method', 'path', 'status'])
    expect(labelsOf('sdr_webhook_events_total')).toEqual(['event', 'outcome'])
    expect(labelsOf('sdr_webhook_ignored_total')).toEqual(['reason'])
    expect(labelsOf('sdr_handoffs_total')).toEqual(['outcome', 'reason'])
    expect(labelsOf('sdr_brain_calls_total')).toEqual(['adapter', 'outcome'])
    expect(labelsOf('sdr_llm_tokens_total')).toEqual(['kind'])
    expect(labelsOf('sdr_outbound_requests_total')).toEqual(['operation', 'outcome', 'target'])
    if (redisAvailable) expect(labelsOf('sdr_queue_events_total')).toEqual(['event'])
  })

  it('catches a misspelt metric, a label the service does not have, and a bad by clause', () => {
    const none = new Set<string>()
    expect(problems('sum(rate(sdr_handoff_total[5m]))', exposed, none)).toEqual(['metric sdr_handoff_total is not exposed'])
    expect(problems('sum(rate(sdr_handoffs_total{conversation_id="1"}[5m]))', exposed, none)).toEqual(['sdr_handoffs_total has no label conversation_id'])
    expect(problems('sum by (route) (rate(http_request_duration_seconds_count[5m]))', exposed, none)).toEqual(['by/on label route is not a label of the selected series'])
    expect(problems('rate(http_request_duration_seconds[5m])', exposed, none)).toEqual(['metric http_request_duration_seconds is not exposed'])
    expect(() => analyze('histogram_quantil(0.95, sum(rate(http_request_duration_seconds_bucket[5m])) by (le))')).toThrow(/unknown function/)
    expect(() => analyze('sum(rate(sdr_replies_total[5m])')).toThrow(/unbalanced/)
    expect(problems(SEED_QUERIES['p95 latency per route'], exposed, none)).toEqual([])
    expect(analyze(SEED_QUERIES['error ratio per route'])).toMatchObject({
      selectors: [{ metric: 'http_request_duration_seconds_count', labels: ['status'] }, { metric: 'http_request_duration_seconds_count', labels: [] }],
      grouping: ['path', 'path'],
    })
  })

  it('the dashboard uses only exposed metric and label names', () => {
    expect(dashboardExprs.length).toBeGreaterThanOrEqual(30)
    expect(dashboardExprs.flatMap((e) => problems(e, exposed, declaredOnly))).toEqual([])
  })

  it('the alert rules use only exposed metric and label names', () => {
    expect(rules.flatMap((r) => problems(r.expr, exposed, declaredOnly).map((problem) => `${r.alert}: ${problem}`))).toEqual([])
  })
})

// ---------------------------------------------------------------------------------------------
// promtool (Debian package `prometheus`), when installed.
// ---------------------------------------------------------------------------------------------

const promtoolVersion = spawnSync('promtool', ['--version'], { encoding: 'utf8' })
const hasPromtool = promtoolVersion.error === undefined && promtoolVersion.status === 0
if (!hasPromtool) {
  console.warn('[SKIPPED] promtool checks of compose/prometheus: promtool is not on PATH (Debian package `prometheus`: apt-get install prometheus)')
}

describe.skipIf(!hasPromtool)('promtool', () => {
  const promDir = join(composeDir, 'prometheus')
  const promtool = (...args: string[]) => {
    const run = spawnSync('promtool', args, { cwd: promDir, encoding: 'utf8', timeout: 30_000 })
    return { status: run.status, output: `${run.stdout}${run.stderr}` }
  }

  it('check config: prometheus.yml (and the rule files it loads) is valid', () => {
    const run = promtool('check', 'config', 'prometheus.yml')
    expect(run.output).toContain('SUCCESS')
    expect(run.status, run.output).toBe(0)
  })

  it('check rules: alerts.yml is valid', () => {
    const run = promtool('check', 'rules', 'alerts.yml')
    expect(run.output).toMatch(/SUCCESS: \d+ rules found/)
    expect(run.status, run.output).toBe(0)
  })

  it('test rules: every alert fires on its unit test series (alerts.test.yml)', () => {
    const run = promtool('test', 'rules', 'alerts.test.yml')
    expect(run.status, run.output).toBe(0)
  })

  it('parses every dashboard expression (checked as recording rules)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sdr-dashboard-'))
    try {
      const file = join(dir, 'dashboard-rules.yml')
      const recording = dashboardExprs.map((expr, i) => `      - record: dashboard:panel_${i}\n        expr: ${JSON.stringify(expr)}\n`).join('')
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${recording}`)
      const run = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8', timeout: 30_000 })
      expect(`${run.stdout}${run.stderr}`).toContain(`SUCCESS: ${dashboardExprs.length} rules found`)
      expect(run.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('.dockerignore', () => {
  const patterns = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'))
  /** Whether the build context drops `path` (a pattern matches it or one of its parent folders). */
  const ignored = (path: string): boolean => patterns.some((pattern) => {
    const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '\0').replace(/\*/g, '[^/]*').replace(/\0/g, '(.*/)?')}(/.*)?$`)
    return re.test(path)
  })

  it('keeps everything compose/Dockerfile copies from the context', () => {
    const sources = read('compose/Dockerfile').split('\n')
      .filter((line) => /^COPY\s/.test(line) && !line.includes('--from='))
      .flatMap((line) => line.trim().split(/\s+/).slice(1, -1))
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'playbooks']))
    expect(sources.filter(ignored)).toEqual([])
  })

  it('drops secrets, dependencies, build output and what the image does not need', () => {
    for (const path of ['.env', '.env.local', 'node_modules', 'src/a/node_modules', 'dist', '.git', 'test', 'bench', 'scripts', 'compose', 'README.md']) {
      expect(ignored(path), path).toBe(true)
    }
  })
})

describe('.ci/run', () => {
  it('runs the promtool checks when promtool is installed, without installing it', () => {
    const ci = read('.ci/run')
    // Commands only: comments and quoted strings (section titles, messages) do not count.
    const commands = ci.split('\n')
      .filter((line) => !line.trim().startsWith('#'))
      .map((line) => line.replace(/"(?:[^"\\]|\\.)*"|'[^']*'/g, '""'))
      .join('\n')
    expect(commands).toMatch(/command -v promtool/)
    expect(commands).toMatch(/promtool check config compose\/prometheus\/prometheus\.yml/)
    expect(commands).toMatch(/promtool check rules compose\/prometheus\/alerts\.yml/)
    expect(commands).toMatch(/promtool test rules compose\/prometheus\/alerts\.test\.yml/)
    expect(commands).not.toMatch(/apt-get install[^\n]*\bprometheus\b/)
  })
})
