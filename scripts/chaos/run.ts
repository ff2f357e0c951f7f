// One chaos run, end to end: stand-ins behind fault fronts, replicas sharing one Redis, the load with
// duplicates and a replica killed mid-run, quiescence, attribution, cleanup. scripts/chaos.ts prints
// it; test/integration/chaos.test.ts runs a small one.
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { startFakeChatwoot, type FakeChatwoot } from '../../test/helpers/fake-chatwoot.js'
import { cleanPrefix } from '../../test/helpers/redis-keys.js'
import { startFakeN8n, type FakeN8n } from '../../test/helpers/fake-n8n.js'
import { startFakeOpenAi, type ChatRequestBody, type FakeOpenAi } from '../../test/helpers/fake-openai.js'
import { analyse, replyKey, type Analysis, type ConversationOutcome, type N8nHandoff } from './analyse.js'
import {
  chatwootInjector,
  createDecider,
  isChatwootMessagePost,
  n8nInjector,
  openAiInjector,
  planOutages,
  startFaultFront,
  type FaultFront,
  type FaultProfile,
  type Outage,
  type Stall,
  type TraceEntry,
} from './faults.js'
import { FIELD_OF, createSender, planLoad, runLoad, type DeliveryStats, type MessageRecord, type PlannedConversation } from './load.js'
import { createReplica, freePort, type Replica, type ReplicaCommand } from './replicas.js'
import { createRng } from './rng.js'

export const SECRET = 'chaos-webhook-secret-0123456789abcdef'
const ACCOUNT_ID = 1
const N8N_PATHS = {
  N8N_WEBHOOK_LEAD_QUALIFIED: '/webhook/lead-qualified',
  N8N_WEBHOOK_HANDOFF: '/webhook/handoff',
  N8N_WEBHOOK_LEAD_DISQUALIFIED: '/webhook/lead-disqualified',
  N8N_WEBHOOK_MEETING_REQUESTED: '/webhook/meeting-requested',
}

export interface ChaosOptions {
  readonly seed: number
  readonly conversations: number
  readonly messages: number
  readonly dupRate: number
  /** Share of conversations whose lead asks for a human at some message (a handoff by design). */
  readonly humanRate: number
  readonly replicas: number
  readonly concurrency: number
  readonly gapMs: number
  readonly gapJitterMs: number
  readonly kill: boolean
  /** Kill once this share of the lead messages was sent. */
  readonly killAt: number
  readonly restartAfterMs: number
  /** Chatwoot answers slowly for this long around the kill, so the victim dies in the middle of turns (0: off). */
  readonly killStallMs: number
  readonly sticky: boolean
  readonly faults: boolean
  /** Chatwoot may store a reply and answer 500, or answer after the client gave up (see FaultProfile.ambiguousWrites). */
  readonly ambiguousWrites: boolean
  /** The OpenAI stand-in extracts no field, so the bot repeats its question (identical consecutive replies). */
  readonly blindModel: boolean
  readonly deliveryAttempts: number
  readonly retryWaitMs: number
  readonly deliveryTimeoutMs: number
  /** Quiescence: no Chatwoot request for this long, and no acknowledged message waiting for its reply. */
  readonly quietMs: number
  /** Hard cap of the wait for quiescence, from the end of the load. */
  readonly settleMaxMs: number
  readonly debounceMs: number
  /** The service's Chatwoot, OpenAI and n8n client timeout. */
  readonly clientTimeoutMs: number
  readonly redisUrl: string
  readonly command: ReplicaCommand
  /** Extra environment for the replicas (e.g. settings of the durable queue). */
  readonly extraEnv: Readonly<Record<string, string>>
  readonly log: (line: string) => void
}

export interface FrontReport {
  readonly name: string
  readonly requests: number
  readonly faults: Readonly<Record<string, number>>
  readonly outages: readonly Outage[]
}

export interface KillReport {
  readonly replica: number
  readonly afterMessages: number
  readonly killedAtMs: number
  readonly restartedAtMs: number | undefined
}

export interface ChaosReport {
  readonly options: Omit<ChaosOptions, 'log' | 'command'> & { readonly command: string }
  readonly keyPrefix: string
  readonly logDir: string
  readonly logFiles: readonly string[]
  /** Details of the conversations with a lost, duplicate or out-of-order message. */
  readonly flaggedFile: string | undefined
  readonly replicaPorts: readonly number[]
  readonly kill: KillReport | undefined
  readonly loadMs: number
  readonly settleMs: number
  /** Quiescence reached before the hard cap. */
  readonly settled: boolean
  readonly delivery: DeliveryStats
  readonly messagesSent: number
  readonly notAcknowledged: { readonly total: number, readonly ignored: number, readonly undelivered: number }
  readonly analysis: Analysis
  readonly fronts: readonly FrontReport[]
  /** warn/error/fatal lines in the replicas' logs, and the most frequent messages. */
  readonly logSummary: { readonly warn: number, readonly error: number, readonly fatal: number, readonly top: ReadonlyArray<{ msg: string, count: number }> }
  readonly redisKeysCleaned: number
  readonly passed: boolean
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * The OpenAI stand-in's answer to a turn, read from the lead's new messages (those after the bot's
 * last answer): `wants_human` when they ask for a person, and the fields they state, as a model would
 * read them. `blind`: no fields at all, so the bot asks the same question again and again.
 */
export function scriptedCompletion (body: ChatRequestBody, blind = false): Record<string, unknown> {
  const schema = body.response_format?.json_schema?.schema as { properties?: { fields?: { properties?: Record<string, unknown> } } } | undefined
  const keys = Object.keys(schema?.properties?.fields?.properties ?? {})
  const fields: Record<string, string | null> = Object.fromEntries((keys.length > 0 ? keys : ['name', 'company', 'role', 'need', 'email', 'phone', 'budget', 'timeline']).map((k) => [k, null]))
  const messages = body.messages ?? []
  let lastBot = -1
  messages.forEach((m, i) => { if (m.role === 'assistant') lastBot = i })
  const fresh = messages.slice(lastBot + 1)
    .filter((m) => m.role === 'user')
    .map((m) => String(m.content).replace(/<\/?lead_message>/g, '').trim())
  for (const text of fresh) {
    const field = FIELD_OF[text]
    if (!blind && field !== undefined && field in fields) fields[field] = text
  }
  return {
    reply: '',
    fields,
    intent: fresh.some((t) => /humano/i.test(t)) ? 'wants_human' : 'gives_info',
    language: 'pt-BR',
    confidence: 0.9,
  }
}

function profiles (o: ChaosOptions, expectedLoadMs: number): Record<'chatwoot' | 'openai' | 'n8n', FaultProfile> {
  const rng = createRng(o.seed).fork('outages')
  const late = o.clientTimeoutMs + 500
  const none: FaultProfile = { burstChance: 0, burstLength: [1, 1], burstStatuses: [500], throttleChance: 0, timeoutChance: 0, timeoutMs: late, slowChance: 0, slowMs: [0, 0], writeThenFailChance: 0, ambiguousWrites: false, outages: [] }
  const w = o.ambiguousWrites
  if (!o.faults) return { chatwoot: none, openai: none, n8n: none }
  return {
    // Short outages only: the service's retries (4 attempts over about a second) are meant to ride them out.
    chatwoot: { burstChance: 0.01, burstLength: [2, 6], burstStatuses: [500, 502, 503], throttleChance: 0.003, timeoutChance: 0.01, timeoutMs: late, slowChance: 0.05, slowMs: [50, 400], writeThenFailChance: 0.02, ambiguousWrites: w, outages: planOutages(rng, 2, [200, 500], expectedLoadMs) },
    openai: { burstChance: 0.02, burstLength: [1, 4], burstStatuses: [500, 503], throttleChance: 0.01, timeoutChance: 0.02, timeoutMs: late, slowChance: 0.1, slowMs: [100, 600], writeThenFailChance: 0, ambiguousWrites: w, outages: planOutages(rng, 1, [1000, 2000], expectedLoadMs) },
    n8n: { burstChance: 0.05, burstLength: [1, 3], burstStatuses: [500, 502, 503], throttleChance: 0, timeoutChance: 0.03, timeoutMs: late, slowChance: 0.1, slowMs: [100, 600], writeThenFailChance: 0, ambiguousWrites: w, outages: planOutages(rng, 1, [1000, 3000], expectedLoadMs) },
  }
}

async function redisClient (url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 1, enableOfflineQueue: false, retryStrategy: () => null })
  client.on('error', () => {})
  try {
    await client.connect()
    await client.ping()
  } catch (err) {
    client.disconnect()
    throw new Error(`Redis at ${url} did not answer PING (${err instanceof Error ? err.message : String(err)}): the chaos run needs one (set REDIS_URL)`)
  }
  return client
}

function summariseLogs (files: readonly string[]): ChaosReport['logSummary'] {
  let warn = 0
  let error = 0
  let fatal = 0
  const byMsg = new Map<string, number>()
  for (const file of files) {
    let text = ''
    try {
      text = readFileSync(file, 'utf8')
    } catch {
      continue
    }
    for (const line of text.split('\n')) {
      if (!line.startsWith('{')) continue
      let entry: { level?: number, msg?: string }
      try {
        entry = JSON.parse(line) as { level?: number, msg?: string }
      } catch {
        continue
      }
      const level = entry.level ?? 0
      if (level >= 60) fatal++
      else if (level >= 50) error++
      else if (level >= 40) warn++
      else continue
      const key = `${level >= 50 ? 'ERROR' : 'WARN'} ${entry.msg ?? '(no msg)'}`
      byMsg.set(key, (byMsg.get(key) ?? 0) + 1)
    }
  }
  const top = [...byMsg.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8).map(([msg, count]) => ({ msg, count }))
  return { warn, error, fatal, top }
}

/** What happened in each flagged conversation, times relative to the start of the load (ms). */
function dumpFlagged (ids: readonly number[], plan: readonly PlannedConversation[], byConversation: ReadonlyMap<number, readonly MessageRecord[]>, outcomes: readonly ConversationOutcome[], trace: readonly TraceEntry[], logFiles: readonly string[], origin: number): unknown[] {
  const logs = logFiles.map((file, replica) => {
    try {
      return readFileSync(file, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((line) => ({ replica, line }))
    } catch {
      return []
    }
  }).flat()
  return ids.slice(0, 50).map((id) => {
    const conv = plan.find((c) => c.ref.conversationId === id)
    const outcome = outcomes.find((c) => c.conversationId === id)
    const path = new RegExp(`/conversations/${id}(?:/|$)`)
    return {
      conversationId: id,
      status: outcome?.status,
      leads: (byConversation.get(id) ?? []).map((r) => {
        const m = conv?.messages[r.index]
        return {
          messageId: r.messageId,
          text: m?.text,
          replica: m?.replica,
          dup: m?.dup,
          sentAt: r.sentAt !== undefined ? r.sentAt - origin : undefined,
          ackSentAt: r.ackSentAt !== undefined ? r.ackSentAt - origin : undefined,
          ackStatus: r.ackStatus,
          ignored: r.ignored,
          undelivered: r.undelivered,
        }
      }),
      botMessages: outcome?.botMessages.map((m) => ({ id: m.id, private: m.private, echoId: m.echoId, at: m.at - origin, content: m.content?.slice(0, 60) })),
      chatwootRequests: trace.filter((t) => path.test(t.path)).map((t) => ({ ...t, at: t.at - origin })),
      replicaLogs: logs.filter((l) => l.line.includes(`"conversationId":${id},`) || l.line.includes(`"conversationId":${id}}`)),
    }
  })
}

export async function runChaos (o: ChaosOptions): Promise<ChaosReport> {
  const rng = createRng(o.seed)
  const prefix = `chaos:${randomBytes(4).toString('hex')}:`
  const logDir = mkdtempSync(join(tmpdir(), 'sdr-chaos-'))
  const cleanups: Array<() => Promise<void>> = []
  const replicas: Replica[] = []
  const redis = await redisClient(o.redisUrl)
  cleanups.push(async () => { redis.disconnect() })

  const expectedLoadMs = Math.max(2000, Math.ceil(o.conversations / Math.max(1, o.concurrency)) * o.messages * (o.gapMs + o.gapJitterMs / 2))
  const faultProfiles = profiles(o, expectedLoadMs)
  let origin = Date.now()
  let chatwoot: FakeChatwoot | undefined
  let openai: FakeOpenAi | undefined
  let n8n: FakeN8n | undefined
  const fronts: Array<{ front: FaultFront, profile: FaultProfile }> = []
  let redisKeysCleaned = 0

  try {
    chatwoot = await startFakeChatwoot({ autoCreate: true })
    openai = await startFakeOpenAi({ respond: (body) => scriptedCompletion(body, o.blindModel) })
    n8n = await startFakeN8n()
    const cw = chatwoot
    const oa = openai
    const nn = n8n
    cleanups.push(async () => { await Promise.all([cw.close(), oa.close(), nn.close()]) })

    const stall: Stall = { until: 0, delayMs: Math.round(o.clientTimeoutMs * 0.5) }
    const front = async (name: 'chatwoot' | 'openai' | 'n8n', upstream: string, inject: ReturnType<typeof chatwootInjector>) => {
      const profile = faultProfiles[name]
      const f = await startFaultFront({
        name,
        upstream,
        decide: name === 'chatwoot'
          ? createDecider(profile, rng.fork(`faults:${name}`), isChatwootMessagePost, stall)
          : createDecider(profile, rng.fork(`faults:${name}`), () => false),
        inject,
        origin: () => origin,
      })
      fronts.push({ front: f, profile })
      cleanups.push(() => f.close())
      return f
    }
    const chatwootFront = await front('chatwoot', cw.url, chatwootInjector(cw))
    const openaiFront = await front('openai', oa.url, openAiInjector(oa))
    const n8nFront = await front('n8n', nn.url, n8nInjector(nn))

    // When each bot message reached the stand-in.
    const arrivedAt = new Map<number, number>()
    cw.onMessage((m) => { arrivedAt.set(m.id, Date.now()) })

    const timeout = String(o.clientTimeoutMs)
    const env: Record<string, string> = {
      PATH: process.env['PATH'] ?? '',
      APP_ENV: 'dev',
      APP_HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      CHATWOOT_BASE_URL: chatwootFront.url,
      CHATWOOT_WEBHOOK_SECRET: SECRET,
      CHATWOOT_ACCESS_TOKEN: cw.botToken,
      OPENAI_API_KEY: 'sk-test',
      OPENAI_BASE_URL: `${openaiFront.url}/v1`,
      OPENAI_TIMEOUT_MS: timeout,
      N8N_BASE_URL: n8nFront.url,
      N8N_API_KEY: 'n8n-chaos-key',
      ...N8N_PATHS,
      BOT_DEBOUNCE_MS: String(o.debounceMs),
      BOT_MAX_WAIT_MS: String(Math.max(1000, o.debounceMs * 10)),
      CHATWOOT_TIMEOUT_MS: timeout,
      N8N_TIMEOUT_MS: timeout,
      REDIS_URL: o.redisUrl,
      REDIS_KEY_PREFIX: prefix,
      // The per-conversation limit is not under test here; Chatwoot's retries of a 429 would blur the figures.
      CONVERSATION_RATE_LIMIT_REQUESTS: '1000',
      SHUTDOWN_TIMEOUT_MS: '5000',
      PROMETHEUS_ENABLED: 'true',
      ...o.extraEnv,
    }

    const ports: number[] = []
    for (let i = 0; i < o.replicas; i++) ports.push(await freePort())
    for (let i = 0; i < o.replicas; i++) replicas.push(createReplica(i, ports[i] ?? 0, o.command, env, logDir))
    cleanups.push(async () => { await Promise.all(replicas.map((r) => r.stop(8000))) })
    o.log(`replicas: ${replicas.map((r) => r.url).join(' ')} (${o.command.args.join(' ')})`)
    o.log(`logs: ${logDir}`)
    await Promise.all(replicas.map((r) => r.start()))

    const plan = planLoad(rng.fork('load'), {
      conversations: o.conversations,
      messages: o.messages,
      dupRate: o.dupRate,
      humanRate: o.humanRate,
      replicas: o.replicas,
      sticky: o.sticky,
      gapMs: o.gapMs,
      gapJitterMs: o.gapJitterMs,
      accountId: ACCOUNT_ID,
    })
    for (const c of plan) cw.addConversation(c.ref, { status: 'pending' })
    const total = o.conversations * o.messages
    const sender = createSender({
      secret: SECRET,
      replicas,
      sticky: o.sticky,
      attempts: o.deliveryAttempts,
      retryWaitMs: o.retryWaitMs,
      timeoutMs: o.deliveryTimeoutMs,
      chatwoot: cw,
    })

    // The kill: one replica, SIGKILL, once `killAt` of the messages were sent; back on its port later.
    let kill: { replica: number, afterMessages: number, killedAtMs: number, restartedAtMs: number | undefined } | undefined
    let restart: Promise<void> | undefined
    const victim = rng.fork('kill').int(0, o.replicas - 1)
    const killAfter = Math.floor(total * o.killAt)
    origin = Date.now()
    const progress = setInterval(() => {
      const acked = [...sender.records.values()].filter((r) => r.ackSentAt !== undefined).length
      o.log(`  t=${((Date.now() - origin) / 1000).toFixed(0)}s sent ${sender.records.size}/${total}, acknowledged ${acked}, bot messages ${arrivedAt.size}, chatwoot requests ${chatwootFront.counts.requests}`)
    }, 5000)
    cleanups.push(async () => { clearInterval(progress) })

    await runLoad(plan, sender, o.concurrency, {
      beforeMessage (sent) {
        if (!o.kill || kill !== undefined || sent < killAfter) return
        const r = replicas[victim]
        if (r === undefined) return
        const k = { replica: victim, afterMessages: sent, killedAtMs: Date.now() - origin, restartedAtMs: undefined as number | undefined }
        kill = k
        restart = (async () => {
          if (o.killStallMs > 0) {
            // Chatwoot turns slow first: every replica is in the middle of turns when the victim dies.
            stall.until = Date.now() + o.killStallMs
            await sleep(Math.round(o.killStallMs / 2))
            k.killedAtMs = Date.now() - origin
          }
          await r.kill()
          o.log(`  t=${(k.killedAtMs / 1000).toFixed(1)}s killed replica ${victim} (SIGKILL) after ${sent} messages; restarting in ${o.restartAfterMs} ms`)
          await sleep(o.restartAfterMs)
          await r.start()
          k.restartedAtMs = Date.now() - origin
          o.log(`  t=${(k.restartedAtMs / 1000).toFixed(1)}s replica ${victim} restarted on port ${r.port}`)
        })()
        // Awaited after the load; until then a failed restart must not count as an unhandled rejection.
        restart.catch(() => {})
      },
    })
    const loadMs = Date.now() - origin
    if (restart !== undefined) await restart
    clearInterval(progress)
    o.log(`load done in ${(loadMs / 1000).toFixed(1)} s; waiting for quiescence (quiet ${o.quietMs} ms, cap ${o.settleMaxMs} ms)`)

    // Quiescence: Chatwoot quiet, and every acknowledged message of a conversation still with the bot answered.
    const waiting = (): number => {
      let n = 0
      for (const c of plan) {
        const conv = cw.conversation(c.ref)
        if (conv.status !== 'pending') continue
        let max = -1
        for (const m of conv.messages) {
          const key = m.viaApi && !m.private ? replyKey(m.echoId, c.ref.accountId, c.ref.conversationId) : undefined
          if (key !== undefined && key > max) max = key
        }
        for (const r of sender.byConversation.get(c.ref.conversationId) ?? []) {
          if (r.ackSentAt !== undefined && r.messageId > max) n++
        }
      }
      return n
    }
    const settleStart = Date.now()
    let settled = false
    for (;;) {
      await sleep(250)
      const quietFor = Date.now() - Math.max(chatwootFront.lastRequestAt(), settleStart)
      if (quietFor >= o.quietMs && waiting() === 0) {
        settled = true
        break
      }
      if (Date.now() - settleStart >= o.settleMaxMs) break
    }
    const settleMs = Date.now() - settleStart
    if (!settled) o.log(`  quiescence cap reached after ${(settleMs / 1000).toFixed(1)} s with ${waiting()} acknowledged message(s) still unanswered`)

    const outcomes: ConversationOutcome[] = plan.map((c) => {
      const conv = cw.conversation(c.ref)
      return {
        accountId: c.ref.accountId,
        conversationId: c.ref.conversationId,
        leads: (sender.byConversation.get(c.ref.conversationId) ?? []).map((r) => ({ messageId: r.messageId, ackSentAt: r.ackSentAt })),
        botMessages: cw.messages(c.ref).map((m) => ({ id: m.id, private: m.private, content: m.content, echoId: m.echoId, at: arrivedAt.get(m.id) ?? 0 })),
        status: conv.status,
        openedByChatwoot: sender.openedByChatwoot.has(c.ref.conversationId),
      }
    })
    const handoffs: N8nHandoff[] = nn.received(N8N_PATHS.N8N_WEBHOOK_HANDOFF).map((r) => {
      const b = (typeof r.body === 'object' && r.body !== null ? r.body : {}) as { conversation_id?: unknown, reason?: unknown, idempotency_key?: unknown }
      return {
        conversationId: typeof b.conversation_id === 'number' ? b.conversation_id : undefined,
        reason: typeof b.reason === 'string' ? b.reason : undefined,
        idempotencyKey: typeof b.idempotency_key === 'string' ? b.idempotency_key : undefined,
      }
    })
    const analysis = analyse(outcomes, handoffs)
    const flaggedFile = analysis.flagged.length > 0 ? join(logDir, 'flagged-conversations.json') : undefined

    const records = [...sender.records.values()]
    const notAcked = records.filter((r) => r.ackSentAt === undefined)

    // Stop the replicas now (SIGTERM), so their logs are complete before they are read.
    await Promise.all(replicas.map((r) => r.stop(8000)))
    if (flaggedFile !== undefined) {
      writeFileSync(flaggedFile, JSON.stringify(dumpFlagged(analysis.flagged, plan, sender.byConversation, outcomes, chatwootFront.trace, replicas.map((r) => r.logFile), origin), null, 2))
    }
    redisKeysCleaned = await cleanPrefix(redis, prefix)

    const { log: _log, command, ...rest } = o
    return {
      options: { ...rest, command: `node ${command.args.join(' ')}` },
      keyPrefix: prefix,
      logDir,
      logFiles: replicas.map((r) => r.logFile),
      flaggedFile,
      replicaPorts: ports,
      kill,
      loadMs,
      settleMs,
      settled,
      delivery: sender.stats,
      messagesSent: records.length,
      notAcknowledged: { total: notAcked.length, ignored: notAcked.filter((r) => r.ignored.length > 0).length, undelivered: notAcked.filter((r) => r.undelivered).length },
      analysis,
      fronts: fronts.map(({ front: f, profile }) => {
        const { requests, ...faults } = f.counts
        return { name: f.name, requests, faults, outages: profile.outages }
      }),
      logSummary: summariseLogs(replicas.map((r) => r.logFile)),
      redisKeysCleaned,
      passed: analysis.lost === 0 && analysis.duplicates === 0 && analysis.outOfOrder === 0,
    }
  } finally {
    for (const fn of cleanups.reverse()) {
      try {
        await fn()
      } catch {
        // Best effort: the rest still runs.
      }
    }
    // A run that failed half-way still leaves no keys behind.
    try {
      const cleaner = await redisClient(o.redisUrl)
      await cleanPrefix(cleaner, prefix)
      cleaner.disconnect()
    } catch {
      // Redis went away: nothing more to do.
    }
  }
}

const ms = (v: number | undefined): string => (v === undefined ? 'n/a' : `${Math.round(v)} ms`)
const entries = (r: Readonly<Record<string, number>>): string => {
  const list = Object.entries(r).sort((a, b) => b[1] - a[1])
  return list.length === 0 ? 'none' : list.map(([k, v]) => `${k} ${v}`).join(', ')
}

/** The printed report. */
export function formatReport (r: ChaosReport): string {
  const a = r.analysis
  const o = r.options
  const lines = [
    '',
    `MrDom SDR chaos run — seed ${o.seed} (CHAOS_SEED=${o.seed} repeats it)`,
    `  load      ${o.conversations} conversations × ${o.messages} messages, dup rate ${o.dupRate}, ${o.replicas} replica(s)${o.sticky ? ', sticky routing' : ', spread over replicas'}, concurrency ${o.concurrency}, faults ${o.faults ? `on${o.ambiguousWrites ? '' : ' (no ambiguous message writes)'}` : 'off'}${o.blindModel ? ', blind model' : ''}`,
    `  service   ${o.command}, debounce ${o.debounceMs} ms, client timeouts ${o.clientTimeoutMs} ms, Redis ${o.redisUrl} prefix ${r.keyPrefix} (${r.redisKeysCleaned} keys cleaned)`,
    `  kill      ${r.kill === undefined ? 'none' : `replica ${r.kill.replica} (port ${r.replicaPorts[r.kill.replica] ?? '?'}) SIGKILL at ${(r.kill.killedAtMs / 1000).toFixed(1)} s after ${r.kill.afterMessages} messages${o.killStallMs > 0 ? ` (Chatwoot slow for ${o.killStallMs} ms around it)` : ''}, restarted at ${r.kill.restartedAtMs === undefined ? 'n/a' : `${(r.kill.restartedAtMs / 1000).toFixed(1)} s`}`}`,
    `  timing    load ${(r.loadMs / 1000).toFixed(1)} s, quiescence ${(r.settleMs / 1000).toFixed(1)} s${r.settled ? '' : ' (hard cap reached)'}`,
    `  logs      ${r.logDir}${r.flaggedFile !== undefined ? ` (failed conversations: ${r.flaggedFile})` : ''}`,
    '',
    'deliveries (Chatwoot → replicas)',
    `  sent ${r.delivery.deliveries} (${r.delivery.duplicatesSent} duplicate deliveries), attempts ${r.delivery.attempts}, Chatwoot retries ${r.delivery.retries}, load-balancer failovers ${r.delivery.lbFailovers}, undelivered ${r.delivery.undelivered}`,
    `  answers   ${entries(r.delivery.answers)}`,
    '',
    'messages',
    `  lead messages sent           ${r.messagesSent}`,
    `  acknowledged (200)           ${a.acknowledged}`,
    `  not acknowledged             ${r.notAcknowledged.total} (ignored ${r.notAcknowledged.ignored}, undelivered ${r.notAcknowledged.undelivered})`,
    `  replies sent                 ${a.repliesSent}${a.unattributedReplies > 0 ? ` (${a.unattributedReplies} without an sdr: echo id)` : ''}`,
    `  duplicate replies            ${a.duplicates} (same key ${a.duplicatesSameKey}, below an answered key ${a.duplicatesBelowAnswered})`,
    `  out of order                 ${a.outOfOrder}`,
    `  lost                         ${a.lost}${a.lost > 0 ? ` in ${a.conversationsWithLoss} conversation(s), e.g. ${a.lostSample.slice(0, 8).map((l) => `${l.conversationId}/${l.messageId}`).join(' ')}` : ''}`,
    `  unanswered, handed to humans ${a.handedOffUnanswered}`,
    '',
    'handoffs',
    `  by the bot (conversations)   ${entries(a.handoffsByReason)}${a.handoffsWithoutNote > 0 ? `; ${a.handoffsWithoutNote} without a note` : ''}`,
    `  n8n handoff triggers         ${entries(a.n8nHandoffsByReason)}`,
    `  note posted, not opened      ${a.handoffNotesNotOpened}`,
    `  opened by Chatwoot           ${a.openedByChatwoot} (a delivery failed for good)`,
    '',
    `latency webhook → reply        p50 ${ms(a.latency.p50)}, p99 ${ms(a.latency.p99)}, max ${ms(a.latency.max)} (n=${a.latency.count})`,
    '',
    'faults injected',
    ...r.fronts.map((f) => `  ${f.name.padEnd(9)} ${String(f.requests).padStart(6)} requests: ${entries(f.faults)}${f.outages.length > 0 ? `; outages ${f.outages.map((w) => `${(w.startMs / 1000).toFixed(1)}s+${w.durationMs}ms`).join(', ')}` : ''}`),
    '',
    `replica logs: ${r.logSummary.warn} warn, ${r.logSummary.error} error, ${r.logSummary.fatal} fatal`,
    ...r.logSummary.top.map((t) => `  ${String(t.count).padStart(6)}  ${t.msg}`),
    '',
    `result: ${r.passed ? 'PASS' : 'FAIL'} (lost ${a.lost}, duplicates ${a.duplicates}, out of order ${a.outOfOrder})`,
  ]
  return lines.join('\n')
}
