// npm run bench: loopback only, bounded. Each target runs in its own process; targets alternate
// over several rounds so drift hits them alike; figures are reported as ratios to bare Fastify.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { cpus } from 'node:os'
import autocannon from 'autocannon'
import { cpuPerRequest } from './cpu.js'
import { measureEndToEnd } from './e2e.js'
import { nextWebhook } from './payload.js'
import { measureRss } from './rss.js'
import { serviceNodeFlags } from './service-command.js'
import { steadyLatency, type Steady } from './steady.js'

const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 3)
const DURATION = Number(process.env['BENCH_SECONDS'] ?? 5)
const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 50)
const TARGETS = (process.env['BENCH_TARGETS'] ?? 'bare,bare-logged,buffer-parser,rawbody-plugin,webhook-memory,webhook-redis,webhook-redis-intake').split(',')
/** The fixed rate at which latency is read (flat-out latency is only queueing). */
const FIXED_RATE = Number(process.env['BENCH_FIXED_RATE'] ?? 5000)
const REDIS_URL = process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379/15'
const EXTRAS = (process.env['BENCH_EXTRAS'] ?? 'cpu,fixed-rate,e2e,rss').split(',')

interface Sample { rps: number, p50: number, p99: number, non2xx: number }

// On a small machine the server and the load generator fight for the same cores; pinning the
// target to CPU 0 and this process (autocannon) to CPU 1 keeps the figures steady between runs.
const PIN = cpus().length >= 2 && process.platform === 'linux' && process.env['BENCH_PIN'] !== '0' && hasTaskset()
if (PIN) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' })

function hasTaskset (): boolean {
  return spawnSync('taskset', ['--version'], { stdio: 'ignore' }).status === 0
}

async function start (kind: string): Promise<{ port: number, child: ChildProcess }> {
  // Every target runs with the image's Node flags, bare Fastify included: same runtime, fair ratios.
  const argv = [process.execPath, ...serviceNodeFlags(), '--import', 'tsx', new URL('./target.ts', import.meta.url).pathname, kind]
  const [cmd = process.execPath, ...args] = PIN ? ['taskset', '-c', '0', ...argv] : argv
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout?.setEncoding('utf8')
  for await (const chunk of child.stdout ?? []) {
    out += String(chunk)
    const m = /READY (\d+)/.exec(out)
    if (m?.[1] !== undefined) return { port: Number(m[1]), child }
  }
  throw new Error(`${kind} did not start`)
}

async function load (port: number): Promise<Sample> {
  const result = await autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [{
      method: 'POST',
      path: '/api/v1/webhooks/agentbot',
      setupRequest: (req) => ({ ...req, ...nextWebhook() }),
    }],
  })
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx }
}

const samples = new Map<string, Sample[]>()
for (let round = 1; round <= ROUNDS; round++) {
  for (const kind of TARGETS) {
    const { port, child } = await start(kind)
    await load(port).then(() => undefined) // warm-up pass, discarded
      .catch(() => undefined)
    const s = await load(port)
    child.kill('SIGTERM')
    await once(child, 'exit')
    samples.set(kind, [...(samples.get(kind) ?? []), s])
    process.stderr.write(`round ${round} ${kind}: ${s.rps.toFixed(0)} req/s p50 ${s.p50} ms p99 ${s.p99} ms non-2xx ${s.non2xx}\n`)
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0
const base = median((samples.get('bare') ?? []).map((s) => s.rps))
console.log(`\n${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${ROUNDS} rounds × ${DURATION} s, ${CONNECTIONS} connections; ${PIN ? 'target on CPU 0, load on CPU 1' : 'not pinned'}; medians`)
console.log('| target | req/s | ratio to bare | p50 ms | p99 ms | non-2xx |')
console.log('|---|---|---|---|---|---|')
for (const [kind, list] of samples) {
  const rps = median(list.map((s) => s.rps))
  console.log(`| ${kind} | ${rps.toFixed(0)} | ${base > 0 ? (rps / base).toFixed(2) : '-'} | ${median(list.map((s) => s.p50))} | ${median(list.map((s) => s.p99))} | ${list.reduce((n, s) => n + s.non2xx, 0)} |`)
}

if (EXTRAS.includes('cpu')) {
  const requests = Number(process.env['BENCH_CPU_REQUESTS'] ?? 30_000)
  console.log(`\nCPU time per request (µs; ${requests} requests after as many to warm up; from /proc and Redis INFO, so steady on a busy machine):`)
  console.log('| target | server | Redis | load generator | server ÷ bare |')
  console.log('|---|---|---|---|---|')
  let bareUs = 0
  for (const kind of ['bare', 'webhook-memory', 'webhook-redis', 'webhook-redis-intake']) {
    const { port, child } = await start(kind)
    const s = await cpuPerRequest(kind, port, child.pid ?? 0, REDIS_URL, requests)
    child.kill('SIGTERM')
    await once(child, 'exit')
    if (kind === 'bare') bareUs = s.serverUs
    console.log(`| ${kind} | ${s.serverUs.toFixed(0)} | ${s.redisUs.toFixed(0)} | ${s.loadUs.toFixed(0)} | ${bareUs > 0 ? (s.serverUs / bareUs).toFixed(2) : '-'} |`)
  }
}

if (EXTRAS.includes('fixed-rate')) {
  console.log(`\nLatency at a steady ${FIXED_RATE} req/s, open loop, sent evenly (${DURATION} s after 1 s of warm-up), median of ${ROUNDS} rounds:`)
  console.log('| target | answered 200 | p50 ms | p99 ms | max ms |')
  console.log('|---|---|---|---|---|')
  for (const kind of ['bare', 'webhook-memory', 'webhook-redis']) {
    const runs: Steady[] = []
    for (let round = 1; round <= ROUNDS; round++) {
      const { port, child } = await start(kind)
      runs.push(await steadyLatency(port, FIXED_RATE, DURATION))
      child.kill('SIGTERM')
      await once(child, 'exit')
    }
    const last = runs.at(-1)
    console.log(`| ${kind} | ${last?.ok ?? 0}/${last?.sent ?? 0} | ${median(runs.map((s) => s.p50)).toFixed(2)} | ${median(runs.map((s) => s.p99)).toFixed(2)} | ${median(runs.map((s) => s.max)).toFixed(1)} |`)
  }
}

if (EXTRAS.includes('e2e')) {
  const rate = Number(process.env['BENCH_E2E_RATE'] ?? 50)
  const seconds = Number(process.env['BENCH_E2E_SECONDS'] ?? 10)
  console.log(`\nWebhook → reply at the Chatwoot stand-in (instant OpenAI stand-in, debounce 0, ${rate} new conversations/s for ${seconds} s):`)
  console.log('| store | replies | p50 ms | p99 ms | max ms |')
  console.log('|---|---|---|---|---|')
  for (const [name, redisUrl] of [['memory', undefined], ['redis', REDIS_URL]] as const) {
    const r = await measureEndToEnd({ redisUrl, rate, seconds, pin: PIN })
    console.log(`| ${name} | ${r.replied}/${r.sent} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.max.toFixed(1)} |`)
  }
}

if (EXTRAS.includes('rss')) {
  const r = await measureRss(PIN)
  console.log(`\nRSS of ${r.command} (in-memory store): ${r.idleMb} MB idle, ${r.loadedMb} MB with ${r.conversations} active conversations (2 lead turns each, read after the burst settled)`)
}
