// `npm run chat`: talk to the SDR bot in the terminal through the real pipeline. Each line you type
// becomes a Chatwoot `message_created` webhook, signed like Chatwoot >= 4.13 and POSTed over HTTP to
// the app built by buildApp; the bot answers through its real Chatwoot client, into a loopback
// stand-in for Chatwoot (test/helpers/fake-chatwoot.ts) whose messages are printed here.
// No .env, no network but OpenAI's: the OpenAI brain answers when OPENAI_API_KEY is set, the scripted one otherwise.
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { clearLine, createInterface, cursorTo } from 'node:readline'
import type { FastifyInstance } from 'fastify'
import { pino } from 'pino'
import { buildApp, loggerOptions } from '../src/app.js'
import { ConfigError, loadConfig, type Config } from '../src/config.js'
import { createMetrics, type Metrics } from '../src/lib/metrics.js'
import { startFakeChatwoot, type FakeChatwoot, type FakeRef, type FakeStatus, type StoredMessage } from '../test/helpers/fake-chatwoot.js'
import { chatwootHeaders } from '../test/helpers/sign.js'

type Json = Record<string, unknown>

const WEBHOOK_PATH = '/api/v1/webhooks/agentbot'
const POLL_MS = 40
const HELP = 'Commands: /reset (new conversation) · /human (an agent takes it) · /handback (back to the bot) · /quit'

const readFixture = (name: string): Json =>
  JSON.parse(readFileSync(new URL(`../test/fixtures/chatwoot/${name}`, import.meta.url), 'utf8')) as Json
const MESSAGE_FIXTURE = readFixture('message_created.incoming.whatsapp.json')
const STATUS_FIXTURE = readFixture('conversation_status_changed.pending_to_open_handoff.json')

const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? v as Json : {})
const nowSeconds = (): number => Math.floor(Date.now() / 1000)
/** Continuation lines under a label, blank lines kept blank. */
const indent = (text: string, width: number): string =>
  text.split('\n').map((line, i) => (i === 0 || line.trim() === '' ? line.trimEnd() : ' '.repeat(width) + line)).join('\n')

// The conversation the sandbox plays: the fixture's account, inbox and contact.
const FIXTURE_CONVERSATION = record(MESSAGE_FIXTURE['conversation'])
const ACCOUNT_ID = Number(record(MESSAGE_FIXTURE['account'])['id'])
const INBOX_ID = Number(FIXTURE_CONVERSATION['inbox_id'])
const CONTACT_ID = Number(record(record(FIXTURE_CONVERSATION['meta'])['sender'])['id'])
const FIRST_CONVERSATION_ID = Number(FIXTURE_CONVERSATION['id'])

interface Snapshot { status: FakeStatus, labels: string[], attrs: Json }

/** The webhook Chatwoot sends when a contact writes: the fixture's shape with this message in it. */
function messageCreated (ref: FakeRef, incoming: StoredMessage, fake: FakeChatwoot): Json {
  const conv = fake.conversation(ref)
  const lastMessage = {
    ...record((FIXTURE_CONVERSATION['messages'] as unknown[] | undefined)?.[0]),
    id: incoming.id,
    content: incoming.content,
    processed_message_content: incoming.content,
    account_id: ref.accountId,
    conversation_id: ref.conversationId,
    created_at: incoming.createdAt,
    updated_at: new Date(incoming.createdAt * 1000).toISOString(),
    source_id: `sandbox-${incoming.id}`,
  }
  return {
    ...MESSAGE_FIXTURE,
    id: incoming.id,
    content: incoming.content,
    created_at: new Date(incoming.createdAt * 1000).toISOString(),
    source_id: `sandbox-${incoming.id}`,
    conversation: {
      ...conversationData(ref, conv.status, fake),
      messages: [lastMessage],
      unread_count: 1,
    },
  }
}

/** The webhook Chatwoot sends when an agent changes the conversation's status. */
function statusChanged (ref: FakeRef, status: FakeStatus, fake: FakeChatwoot): Json {
  return { ...STATUS_FIXTURE, ...conversationData(ref, status, fake), messages: [], changed_attributes: null }
}

function conversationData (ref: FakeRef, status: FakeStatus, fake: FakeChatwoot): Json {
  const conv = fake.conversation(ref)
  const meta = record(FIXTURE_CONVERSATION['meta'])
  const botOwned = status === 'pending'
  const at = Date.now() / 1000
  return {
    ...FIXTURE_CONVERSATION,
    id: ref.conversationId,
    status,
    labels: [...conv.labels],
    custom_attributes: { ...conv.customAttributes },
    meta: {
      ...meta,
      assignee: botOwned ? meta['assignee'] : null,
      assignee_type: botOwned ? 'AgentBot' : null,
    },
    account: record(MESSAGE_FIXTURE['account']),
    // Part of the dedupe key of conversation events: each change is a new event.
    updated_at: at,
    timestamp: Math.floor(at),
    last_activity_at: Math.floor(at),
  }
}

/** The app's environment: yours (OPENAI_*, PLAYBOOK_PATH, LOG_LEVEL, BOT_DEBOUNCE_MS…) pointed at the stand-in. */
function sandboxEnv (fake: FakeChatwoot): Record<string, string | undefined> {
  return {
    ...process.env,
    APP_ENV: 'dev',
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    BOT_DEBOUNCE_MS: process.env['BOT_DEBOUNCE_MS'] ?? '800',
    CHATWOOT_BASE_URL: fake.url,
    CHATWOOT_ACCESS_TOKEN: fake.botToken,
    CHATWOOT_WEBHOOK_SECRET: randomBytes(24).toString('hex'),
    // Nothing outside this process: an empty value means "unset" to loadConfig.
    CHATWOOT_ACCOUNT_ID: '',
    CHATWOOT_USER_ACCESS_TOKEN: '',
    WEBHOOK_PATH_TOKEN: '',
    REDIS_URL: '',
    N8N_BASE_URL: '',
    N8N_API_KEY: '',
    N8N_WEBHOOK_LEAD_QUALIFIED: '',
    N8N_WEBHOOK_HANDOFF: '',
    N8N_WEBHOOK_LEAD_DISQUALIFIED: '',
    N8N_WEBHOOK_MEETING_REQUESTED: '',
  }
}

async function main (): Promise<number> {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true
  const fake = await startFakeChatwoot({ botToken: `sandbox-${randomBytes(8).toString('hex')}`, inboxId: INBOX_ID })
  let config: Config
  try {
    config = loadConfig(sandboxEnv(fake))
  } catch (err) {
    await fake.close()
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      return 1
    }
    throw err
  }

  // App logs go to stderr, so stdout stays a clean transcript.
  const logger = pino(loggerOptions(config), pino.destination(2))
  const metrics: Metrics = createMetrics()
  let app: FastifyInstance
  try {
    app = await buildApp({ config, deps: { logger, metrics } })
  } catch (err) {
    await fake.close()
    throw err
  }
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const secret = config.webhook.secrets[0] ?? ''

  let closing = false
  const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty, prompt: 'you> ' })
  const print = (text: string): void => {
    if (tty) {
      clearLine(process.stdout, 0)
      cursorTo(process.stdout, 0)
    }
    process.stdout.write(`${text}\n`)
    if (tty && !closing) rl.prompt(true)
  }

  let ref: FakeRef = { accountId: ACCOUNT_ID, conversationId: FIRST_CONVERSATION_ID }
  let snapshot: Snapshot = { status: 'pending', labels: [], attrs: {} }
  /** Bot replies before this index were sent before the last hand-back (the bot's turn budget restarts). */
  let repliesBefore = 0
  let choices: Array<{ title: string, value: string }> = []

  const newConversation = (): void => {
    fake.addConversation(ref, { inboxId: INBOX_ID, contactId: CONTACT_ID, status: 'pending' })
    snapshot = { status: 'pending', labels: [], attrs: {} }
    repliesBefore = 0
    choices = []
  }
  newConversation()

  const brainName = config.openai.apiKey !== undefined
    ? `OpenAI (${config.openai.model}${config.openai.baseUrl !== undefined ? ` at ${config.openai.baseUrl}` : ''}); the scripted brain answers if it fails`
    : 'scripted (no OPENAI_API_KEY set)'
  print('MrDom SDR — chat sandbox')
  print(`brain: ${brainName}`)
  print(`playbook: ${config.bot.playbookPath ?? 'playbooks/default.yaml'} (version ${app.playbook.version}) · debounce ${config.bot.debounceMs} ms`)
  print(`bot at ${address} · fake Chatwoot at ${fake.url} · conversation #${ref.conversationId} (account ${ref.accountId})`)
  print(HELP)

  /** Prints what changed in the stand-in's copy of the conversation: status, labels, custom attributes. */
  const syncConversation = (): void => {
    const conv = fake.conversation(ref)
    if (conv.status !== snapshot.status) print(`[status → ${conv.status}]`)
    const added = conv.labels.filter((l) => !snapshot.labels.includes(l))
    const removed = snapshot.labels.filter((l) => !conv.labels.includes(l))
    if (added.length > 0 || removed.length > 0) {
      print(`[labels: ${[...added.map((l) => `+${l}`), ...removed.map((l) => `-${l}`)].join(' ')}]`)
    }
    const changed = Object.entries(conv.customAttributes)
      .filter(([k, v]) => JSON.stringify(snapshot.attrs[k]) !== JSON.stringify(v))
      .map(([k, v]) => `${k}=${String(v)}`)
    const gone = Object.keys(snapshot.attrs).filter((k) => !(k in conv.customAttributes))
    if (changed.length > 0 || gone.length > 0) print(`[custom attributes: ${[...changed, ...gone.map((k) => `-${k}`)].join(', ')}]`)
    snapshot = { status: conv.status, labels: [...conv.labels], attrs: { ...conv.customAttributes } }
  }

  const unsubscribe = fake.onMessage((m) => {
    const current = m.accountId === ref.accountId && m.conversationId === ref.conversationId
    if (current) syncConversation()
    const tag = current ? '' : `[conversation #${m.conversationId}] `
    const content = m.content ?? ''
    if (m.private) {
      print(`${tag}[private note] ${indent(content, '[private note] '.length)}`)
      return
    }
    print(`${tag}bot: ${indent(content, 'bot: '.length)}`)
    const items = Array.isArray(m.contentAttributes['items']) ? m.contentAttributes['items'] as Array<{ title: string, value: string }> : []
    items.forEach((item, i) => print(`     ${i + 1}) ${item.title}`))
    if (current) choices = items
  })

  /** What the bot has written to Chatwoot about the conversation: the only copy of its state outside the app. */
  const printState = (): void => {
    const conv = fake.conversation(ref)
    const attrs = conv.customAttributes
    const owner = conv.status === 'pending' ? 'bot' : conv.status === 'open' ? 'human' : `nobody (${conv.status})`
    const fields = Object.entries(attrs)
      .filter(([k]) => k.startsWith('lead_'))
      .map(([k, v]) => `${k.slice('lead_'.length)}=${String(v)}`)
    const replies = fake.messages(ref).filter((m) => !m.private && m.senderType === 'AgentBot').length - repliesBefore
    const stage = attrs['sdr_stage'] !== undefined ? String(attrs['sdr_stage']) : '(not recorded yet)'
    const score = attrs['sdr_score'] !== undefined ? ` · score ${String(attrs['sdr_score'])}` : ''
    print(`  · state (from Chatwoot): stage ${stage}${score} · owner ${owner} (status ${conv.status}) · bot replies ${replies}`)
    print(`  · fields: ${fields.length > 0 ? fields.join(', ') : '(none recorded)'}${conv.labels.length > 0 ? ` · labels: ${conv.labels.join(', ')}` : ''}`)
  }

  // Which brain answered each turn, read from the app's own metrics (only worth saying when OpenAI is on).
  const brainCounts = async (): Promise<Map<string, number>> => {
    const m = await metrics.brainCalls.get()
    return new Map(m.values.map((v) => [`${String(v.labels['adapter'])} ${String(v.labels['outcome'])}`, v.value]))
  }
  let lastBrain = await brainCounts()
  const printBrain = async (): Promise<void> => {
    if (config.openai.apiKey === undefined) return
    const now = await brainCounts()
    const delta = [...now].filter(([k, v]) => v > (lastBrain.get(k) ?? 0)).map(([k]) => k)
    lastBrain = now
    if (delta.length > 0) print(`  · brain: ${delta.join(', ')}`)
  }

  // A turn has settled when the app's queue has no conversation queued or running.
  let awaiting = false
  let waiters: Array<() => void> = []
  const settle = (): void => {
    for (const resolve of waiters) resolve()
    waiters = []
  }
  const poll = setInterval(() => {
    syncConversation()
    if (awaiting && app.queue.stats().lanes === 0) {
      awaiting = false
      printState()
      printBrain().catch(() => {}).finally(settle)
    }
  }, POLL_MS)
  const settleBound = config.bot.maxWaitMs + config.openai.timeoutMs + 10_000
  const settled = async (): Promise<void> => {
    if (!awaiting || closing) return
    let timer: NodeJS.Timeout | undefined
    const timedOut = await Promise.race([
      new Promise<false>((resolve) => waiters.push(() => resolve(false))),
      new Promise<true>((resolve) => { timer = setTimeout(() => resolve(true), settleBound) }),
    ])
    clearTimeout(timer)
    if (timedOut) print(`(no answer after ${Math.round(settleBound / 1000)} s; moving on)`)
  }

  const deliver = async (body: Json): Promise<void> => {
    const raw = Buffer.from(JSON.stringify(body))
    let status: number
    let answer: Json
    try {
      const res = await fetch(`${address}${WEBHOOK_PATH}`, {
        method: 'POST',
        headers: chatwootHeaders(raw, { secret, timestamp: nowSeconds() }),
        body: raw,
      })
      status = res.status
      const text = await res.text()
      try {
        answer = record(JSON.parse(text))
      } catch {
        answer = { body: text }
      }
    } catch (err) {
      print(`(webhook failed: ${err instanceof Error ? err.message : String(err)})`)
      return
    }
    if (status === 200 && answer['status'] === 'accepted') {
      awaiting = true
      return
    }
    const reason = answer['reason'] ?? answer['message'] ?? answer['body']
    print(`(webhook → ${status} ${String(answer['status'] ?? answer['code'] ?? '')}${reason !== undefined ? `: ${String(reason)}` : ''})`)
  }

  const setStatus = async (status: FakeStatus, who: string): Promise<void> => {
    syncConversation()
    print(who)
    fake.setStatus(ref, status)
    snapshot = { ...snapshot, status }
    await deliver(statusChanged(ref, status, fake))
  }

  const handle = async (input: string): Promise<'quit' | undefined> => {
    const line = input.trim()
    if (line === '') return undefined
    if (!tty) print(`you: ${line}`)
    switch (line.toLowerCase()) {
      case '/quit':
      case '/exit':
        return 'quit'
      case '/help':
        print(HELP)
        return undefined
      case '/reset':
        await settled()
        ref = { ...ref, conversationId: ref.conversationId + 1 }
        newConversation()
        print(`— new conversation #${ref.conversationId} —`)
        return undefined
      case '/human':
        await setStatus('open', '[status → open] an agent takes the conversation')
        return undefined
      case '/handback':
        repliesBefore = fake.messages(ref).filter((m) => !m.private && m.senderType === 'AgentBot').length
        await setStatus('pending', '[status → pending] the agent hands the conversation back to the bot')
        return undefined
    }
    if (line.startsWith('/')) {
      print(`(unknown command ${line}) ${HELP}`)
      return undefined
    }
    let content = line
    const picked = /^\d{1,2}$/.test(line) ? choices[Number(line) - 1] : undefined
    if (picked !== undefined) {
      content = picked.title
      print(`(you chose: ${content})`)
    }
    // Chatwoot stores the contact's message, then tells the bot about it.
    const incoming = fake.addIncoming(ref, content)
    await deliver(messageCreated(ref, incoming, fake))
    return undefined
  }

  let interrupted = false
  const interrupt = (): void => {
    if (interrupted) process.exit(130)
    interrupted = true
    closing = true
    settle()
    rl.close()
  }
  rl.on('SIGINT', interrupt)
  process.on('SIGINT', interrupt)
  process.on('SIGTERM', interrupt)

  if (tty) rl.prompt()
  try {
    for await (const line of rl) {
      if (interrupted) break
      if (await handle(line) === 'quit') break
      // From a pipe, lines come all at once: wait for each answer so the transcript reads in order.
      if (!tty) await settled()
      else rl.prompt()
    }
    // End of input (or /quit): let the answers still on their way arrive, within a bound.
    if (!interrupted) await settled()
  } finally {
    closing = true
    rl.close()
    clearInterval(poll)
    await app.close()
    syncConversation()
    unsubscribe()
    await fake.close()
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
    process.stdout.write('bye\n')
  }
  return 0
}

main().then((code) => {
  process.exitCode = code
  // Anything still holding the loop (a keep-alive socket) must not keep the sandbox alive.
  setTimeout(() => process.exit(code), 2000).unref()
}, (err: unknown) => {
  process.stderr.write(`chat sandbox failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
