// Faults on a schedule for the chaos run. Each stand-in (test/helpers: Chatwoot, OpenAI, n8n) sits
// behind a "fault front": a loopback HTTP proxy that decides, per request, from a seeded stream,
// whether this request passes, gets a 5xx (alone, in a burst, or inside a timed outage), a 429, an
// answer slower than the service's client timeout, a slow answer, or (Chatwoot message POSTs) is
// stored and then answered 500. Most faults are injected by arming the stand-in's own controls
// (failNext / delayNext / hangNext, matched to exactly that request) and forwarding the request; the
// front itself holds slow OpenAI requests and turns a stored message POST's answer into a 500.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { request } from 'undici'
import type { FakeChatwoot } from '../../test/helpers/fake-chatwoot.js'
import type { Match } from '../../test/helpers/fake-http.js'
import type { FakeN8n } from '../../test/helpers/fake-n8n.js'
import type { FakeOpenAi } from '../../test/helpers/fake-openai.js'
import type { Rng } from './rng.js'

export type FaultKind = 'burst_5xx' | 'outage_5xx' | 'throttle_429' | 'timeout' | 'slow' | 'write_then_500' | 'stall'

export interface Outage {
  /** From the start of the load, ms. */
  readonly startMs: number
  readonly durationMs: number
}

export interface FaultProfile {
  /** Chance that a request starts a burst of 5xx answers (it and the next few requests of this target). */
  readonly burstChance: number
  readonly burstLength: readonly [number, number]
  readonly burstStatuses: readonly number[]
  /** Chance of a 429 (Retry-After: 1 s for Chatwoot, retry-after-ms 200 for OpenAI). */
  readonly throttleChance: number
  /** Chance of an answer later than the service's client timeout (OpenAI: never answered). */
  readonly timeoutChance: number
  readonly timeoutMs: number
  readonly slowChance: number
  readonly slowMs: readonly [number, number]
  /** Chatwoot only: chance that a message POST is stored, then answered 500. */
  readonly writeThenFailChance: number
  /**
   * Message POSTs may be stored and then answered 500 or too late (false: those two faults spare
   * message POSTs, whose outcome the service can then always know).
   */
  readonly ambiguousWrites: boolean
  /** Windows in which every request of this target gets a 503. */
  readonly outages: readonly Outage[]
}

export interface Decision {
  readonly kind: FaultKind | 'pass'
  readonly status?: number
  readonly delayMs?: number
}

export interface RequestInfo {
  readonly method: string
  readonly path: string
}

/** While `until` (ms epoch) is ahead, every request is answered `delayMs` late: set around a kill, so the victim dies busy. */
export interface Stall {
  until: number
  delayMs: number
}

/** Per-request fault decisions from a seeded stream: the n-th request of a target gets the same decision for the same seed. */
export function createDecider (profile: FaultProfile, rng: Rng, isMessagePost: (r: RequestInfo) => boolean, stall?: Stall): (r: RequestInfo, elapsedMs: number) => Decision {
  let burstLeft = 0
  let burstStatus = 500
  return (r, elapsedMs) => {
    // Always the same number of draws per request, so a later request's decision does not depend on earlier ones' kinds.
    const roll = rng.next()
    const roll2 = rng.next()
    const length = rng.int(profile.burstLength[0], profile.burstLength[1])
    const status = rng.pick(profile.burstStatuses)
    const slowMs = rng.int(profile.slowMs[0], profile.slowMs[1])
    if (stall !== undefined && Date.now() < stall.until) return { kind: 'stall', delayMs: stall.delayMs }
    if (profile.outages.some((o) => elapsedMs >= o.startMs && elapsedMs < o.startMs + o.durationMs)) return { kind: 'outage_5xx', status: 503 }
    if (burstLeft > 0) {
      burstLeft--
      return { kind: 'burst_5xx', status: burstStatus }
    }
    let p = profile.burstChance
    if (roll < p) {
      burstLeft = length - 1
      burstStatus = status
      return { kind: 'burst_5xx', status }
    }
    const ambiguous = profile.ambiguousWrites || !isMessagePost(r)
    if (roll < (p += profile.throttleChance)) return { kind: 'throttle_429', status: 429 }
    if (roll < (p += profile.timeoutChance)) return ambiguous ? { kind: 'timeout', delayMs: profile.timeoutMs } : { kind: 'pass' }
    if (roll < (p += profile.slowChance)) return { kind: 'slow', delayMs: slowMs }
    if (ambiguous && isMessagePost(r) && roll2 < profile.writeThenFailChance) return { kind: 'write_then_500', status: 500 }
    return { kind: 'pass' }
  }
}

/** What the front itself does for a request, beyond arming the stand-in. */
export interface Injection {
  /** Hold the request this long before forwarding it. */
  readonly waitMs?: number
  /** Forward it (the stand-in acts on it), then answer this status instead of the stand-in's answer. */
  readonly answerStatus?: number
}

/** Arms the stand-in for one request and says what the front does itself. */
export type Injector = (d: Decision, r: RequestInfo) => Injection

const exact = (r: RequestInfo): Match => ({ method: r.method, path: new RegExp(`^${r.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) })

export const isChatwootMessagePost = (r: RequestInfo): boolean => r.method === 'POST' && /\/conversations\/\d+\/messages$/.test(r.path)

export function chatwootInjector (chatwoot: FakeChatwoot): Injector {
  return (d, r) => {
    switch (d.kind) {
      case 'burst_5xx':
      case 'outage_5xx':
        chatwoot.failNext(1, d.status ?? 500, { match: exact(r) })
        break
      case 'throttle_429':
        chatwoot.failNext(1, 429, { retryAfter: 1, match: exact(r) })
        break
      case 'timeout':
      case 'slow':
      case 'stall':
        // Handled at once (a message is stored), answered late: past the client timeout, it is "stored, then timed out".
        chatwoot.delayNext(1, d.delayMs ?? 0, exact(r))
        break
      case 'write_then_500':
        // Stored, then answered 500. Done by the front rather than failAfterWrite(), whose fault is
        // taken by whichever message POST the stand-in handles next (another conversation's, under load).
        return { answerStatus: 500 }
      case 'pass':
        break
    }
    return {}
  }
}

export function openAiInjector (openai: FakeOpenAi): Injector {
  return (d) => {
    switch (d.kind) {
      case 'burst_5xx':
      case 'outage_5xx':
        openai.failNext(1, d.status ?? 500)
        return {}
      case 'throttle_429':
        openai.failNext(1, 429, { retryAfterMs: 200 })
        return {}
      case 'timeout':
        openai.hangNext(1)
        return {}
      case 'slow':
      case 'stall':
        // The OpenAI stand-in answers synchronously: the front holds the request instead.
        return { waitMs: d.delayMs ?? 0 }
      default:
        return {}
    }
  }
}

export function n8nInjector (n8n: FakeN8n): Injector {
  return (d, r) => {
    switch (d.kind) {
      case 'burst_5xx':
      case 'outage_5xx':
      case 'throttle_429':
        n8n.failNext(1, d.status ?? 500, exact(r))
        break
      case 'timeout':
      case 'slow':
      case 'stall':
        n8n.delayNext(1, d.delayMs ?? 0, exact(r))
        break
      default:
        break
    }
    return {}
  }
}

export interface TraceEntry {
  readonly at: number
  readonly method: string
  readonly path: string
  readonly fault: FaultKind | 'pass'
  /** The status answered to the service; undefined when it gave up first. */
  status: number | undefined
  /** The echo_id of a message POST. */
  readonly echoId: string | undefined
}

export interface FaultFront {
  readonly name: string
  /** `http://127.0.0.1:<port>`: give this to the service instead of the stand-in's url. */
  readonly url: string
  /** Requests seen, and faults injected by kind. */
  readonly counts: { requests: number } & Partial<Record<FaultKind, number>>
  /** Every request: when, what, the fault injected and the status answered (for the dump of failed conversations). */
  readonly trace: TraceEntry[]
  /** Time of the last request, ms epoch (0 before the first). */
  lastRequestAt (): number
  close (): Promise<void>
}

const HOP_BY_HOP = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length', 'proxy-connection', 'upgrade', 'te', 'trailer'])

function forwardable (headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {}
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k.toLowerCase())) out[k] = v
  return out
}

const readBody = async (req: IncomingMessage): Promise<Buffer> => {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

const echoIdOf = (body: Buffer): string | undefined => {
  if (body.length === 0 || body.length > 100_000) return undefined
  try {
    const echo = (JSON.parse(body.toString('utf8')) as { echo_id?: unknown }).echo_id
    return typeof echo === 'string' ? echo : undefined
  } catch {
    return undefined
  }
}

export interface FaultFrontOptions {
  readonly name: string
  /** The stand-in's url. */
  readonly upstream: string
  readonly decide: (r: RequestInfo, elapsedMs: number) => Decision
  readonly inject: Injector
  /** Outage windows count from here (ms epoch); set when the load starts. */
  readonly origin: () => number
}

/** A loopback proxy in front of a stand-in that injects the decided fault into each request. */
export async function startFaultFront (opts: FaultFrontOptions): Promise<FaultFront> {
  const counts: FaultFront['counts'] = { requests: 0 }
  const trace: TraceEntry[] = []
  let last = 0
  let closed = false

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const info: RequestInfo = { method: req.method ?? 'GET', path: url.pathname }
    counts.requests++
    last = Date.now()
    const d = opts.decide(info, Date.now() - opts.origin())
    if (d.kind !== 'pass') counts[d.kind] = (counts[d.kind] ?? 0) + 1
    const entry: TraceEntry = { at: last, method: info.method, path: info.path, fault: d.kind, status: undefined, echoId: echoIdOf(body) }
    trace.push(entry)
    const injection = opts.inject(d, info)
    const wait = injection.waitMs ?? 0

    const abort = new AbortController()
    res.on('close', () => { if (!res.writableFinished) abort.abort() })
    if (wait > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait)
        abort.signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
      })
      if (abort.signal.aborted) return
    }
    const upstream = await request(opts.upstream + (req.url ?? '/'), {
      method: info.method as 'GET',
      headers: forwardable(req.headers),
      ...(body.length > 0 ? { body } : {}),
      signal: abort.signal,
      headersTimeout: 0,
      bodyTimeout: 0,
    })
    const answer = Buffer.from(await upstream.body.arrayBuffer())
    if (res.destroyed) return
    if (injection.answerStatus !== undefined) {
      const text = '{"error":"Internal Server Error"}'
      res.writeHead(injection.answerStatus, { 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)) })
      res.end(text)
      entry.status = injection.answerStatus
      return
    }
    res.writeHead(upstream.statusCode, { ...forwardable(upstream.headers), 'content-length': String(answer.length) })
    res.end(answer)
    entry.status = upstream.statusCode
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      // The caller gave up (its timeout) or the stand-in closed: nothing to answer.
      if (!res.headersSent && !res.destroyed && !closed) {
        res.writeHead(502, { 'content-type': 'application/json' })
        res.end('{"error":"fault front: upstream failed"}')
      } else {
        res.destroy()
      }
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return {
    name: opts.name,
    url: `http://127.0.0.1:${port}`,
    counts,
    trace,
    lastRequestAt: () => last,
    async close () {
      if (closed) return
      closed = true
      const done = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await done
    },
  }
}

/** Outage windows spread over the expected load, from a seeded stream. */
export function planOutages (rng: Rng, count: number, durationMs: readonly [number, number], spanMs: number): Outage[] {
  const outages: Outage[] = []
  for (let i = 0; i < count; i++) {
    // One per slice of the span, so they do not pile up.
    const slice = spanMs / count
    outages.push({ startMs: Math.round(slice * i + rng.next() * slice * 0.8), durationMs: rng.int(durationMs[0], durationMs[1]) })
  }
  return outages
}
