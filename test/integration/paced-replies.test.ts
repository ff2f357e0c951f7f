import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Redis } from 'ioredis'
import { request } from 'undici'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { initialState, type ConversationState } from '../../src/conversation/types.js'
import { CLAIM } from '../../src/stores/redis-queue-scripts.js'
import type { FakeRef, StoredMessage } from '../helpers/fake-chatwoot.js'
import { messageFixture } from '../helpers/fixtures.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { cleanPrefix, createTestRedis, REDIS_URL, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

// A long reply goes out as a few chat-sized messages (conversation/pacing.ts), through the real
// app and worker, with the loopback Chatwoot: in order, buttons on the last, each part posted
// once whatever is retried, and the rest dropped when the lead writes or a human takes over.

warnIfRedisMissing('a reply in parts finished after a crash')

// Three paragraphs of about 300 characters: on WhatsApp (350) the greeting and the question go
// out as three messages.
const A = 'Olá! Eu sou a Ana, da MrDom, e vou te ajudar por aqui. ' +
  'A MrDom organiza o atendimento de pequenas empresas no WhatsApp, no chat do site e por e-mail, num lugar só. ' +
  'Assim ninguém da sua equipe perde uma mensagem e cada cliente recebe resposta rápida, mesmo fora do horário comercial.'
const B = 'Funciona assim: as conversas chegam numa caixa de entrada compartilhada, com etiquetas e filas por assunto. ' +
  'Um assistente responde as perguntas mais comuns e passa para uma pessoa quando precisa. ' +
  'Os relatórios mostram quanto tempo cada cliente esperou e quem respondeu.'
const C = 'A implantação leva poucos dias e não precisa de equipe técnica: a gente conecta o seu número, importa os contatos e treina o time. ' +
  'Há planos mensais por número de atendentes, sem fidelidade, com suporte em português por chat e telefone.'
const QUESTION = 'Qual é o orçamento mensal de vocês?'
const CHOICES = [{ title: 'Até R$ 1.000', value: 'ate_1000' }, { title: 'Acima de R$ 1.000', value: 'acima_1000' }]

function writePlaybook (): string {
  const yaml = `
language: pt-BR
persona: { name: Ana, company: MrDom, tone: cordial }
product: { summary: Atendimento no WhatsApp para pequenas empresas. }
limits: { max_reply_chars: 2000 }
pacing: { min_pause_ms: 250, max_pause_ms: 250 }
qualification:
  fields:
    - key: budget
      label: { pt-BR: Orçamento }
      question: { pt-BR: ${JSON.stringify(QUESTION)} }
      choices:
${CHOICES.map((c) => `        - { value: ${c.value}, title: ${JSON.stringify(c.title)} }`).join('\n')}
    - key: name
      label: { pt-BR: Nome }
      question: { pt-BR: "Como posso te chamar?" }
  qualified_when: { all: [budget, name] }
texts:
  greeting: { pt-BR: ${JSON.stringify(`${A}\n\n${B}\n\n${C}`)} }
  handoff: { pt-BR: "Vou passar a conversa para uma pessoa do time." }
  qualified: { pt-BR: "Obrigada! Uma pessoa do time te chama por aqui." }
  meeting: { pt-BR: "Vamos marcar uma conversa." }
  opt_out: { pt-BR: "Tudo bem, não escrevo mais." }
  not_interested: { pt-BR: "Tudo bem, obrigada pelo contato." }
  out_of_scope: { pt-BR: "Isso eu não sei responder." }
  acknowledge: { pt-BR: "Obrigada!" }
`
  const file = join(mkdtempSync(join(tmpdir(), 'sdr-paced-')), 'playbook.yaml')
  writeFileSync(file, yaml)
  return file
}

const PLAYBOOK_PATH = writePlaybook()
const items = (m: StoredMessage | undefined): unknown => m?.contentAttributes['items']
const contents = (messages: readonly StoredMessage[]): Array<string | null> => messages.map((m) => m.content)
const lastIs = (m: StoredMessage | undefined): boolean => m?.content?.endsWith(QUESTION) === true

let nextConversation = 9400
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

/** Calls `act` once, when the bot's first message in the conversation has been stored (before Chatwoot answers the POST). */
function afterFirstPart (p: Pipeline, ref: FakeRef, act: () => void): void {
  let done = false
  p.chatwoot.onMessage((m) => {
    if (done || m.conversationId !== ref.conversationId || m.private) return
    done = true
    act()
  })
}

describe('a long reply in chat-sized messages (memory queue)', () => {
  let p: Pipeline | undefined
  afterEach(async () => {
    await p?.close()
    p = undefined
  })

  const start = async (env: Record<string, string> = {}): Promise<Pipeline> => {
    p = await startPipeline({ env: { PLAYBOOK_PATH, ...env }, captureLogs: true })
    return p
  }

  it('arrives as three messages in order on WhatsApp, each its own echo id, the buttons on the last', async () => {
    const pipeline = await start()
    const ref = newRef()
    await pipeline.say(ref, 'Oi')
    const replies = await pipeline.waitForReplies(ref, 3)
    await settle(pipeline)
    expect(pipeline.replies(ref)).toHaveLength(3)
    expect(contents(replies)).toEqual([A, B, `${C}\n\n${QUESTION}`])
    for (const r of replies) expect(r.content?.length).toBeLessThanOrEqual(350)
    expect(replies.map((r) => r.contentType)).toEqual(['text', 'text', 'input_select'])
    expect(items(replies[2])).toEqual(CHOICES)
    const lead = pipeline.chatwoot.conversation(ref).messages.find((m) => m.messageType === 0)
    const tag = `sdr:{3:${ref.conversationId}}:${lead?.id}`
    expect(replies.map((r) => r.echoId)).toEqual([tag, `${tag}:1`, `${tag}:2`])
    // WhatsApp never shows a bot typing: nothing is toggled between the parts.
    const typing = pipeline.chatwoot.requests.filter((r) => r.path.endsWith('/toggle_typing_status') && r.path.includes(`/${ref.conversationId}/`))
    expect(typing.map((r) => (r.body as { typing_status?: string }).typing_status)).toEqual(['on', 'off'])
    // One reply, however many messages.
    expect(await pipeline.metrics()).toMatch(/^sdr_replies_total\{outcome="sent"\} 1$/m)
  })

  it('on the web widget, messages are longer and typing shows between them', async () => {
    const pipeline = await start()
    const ref = newRef()
    const event = messageFixture('message_created.incoming.whatsapp')
    event.content = 'Oi'
    event.conversation['channel'] = 'Channel::WebWidget'
    expect((await pipeline.deliver(ref, event)).statusCode).toBe(200)
    await pipeline.waitForReplies(ref, 2)
    await settle(pipeline)
    const replies = pipeline.replies(ref)
    // 600 characters a message: A and B together, then C with the question.
    expect(contents(replies)).toEqual([`${A}\n\n${B}`, `${C}\n\n${QUESTION}`])
    expect(items(replies[1])).toEqual(CHOICES)
    const conv = `/conversations/${ref.conversationId}/`
    const calls = pipeline.chatwoot.requests
      .filter((r) => r.method === 'POST' && r.path.includes(conv) && (r.path.endsWith('/messages') || r.path.endsWith('/toggle_typing_status')))
      .map((r) => r.path.endsWith('/messages') ? 'message' : `typing_${(r.body as { typing_status?: string }).typing_status}`)
    expect(calls).toEqual(['typing_on', 'message', 'typing_on', 'message', 'typing_off', 'typing_off'])
  })

  it('waits before each next message, as the playbook\'s pacing says', async () => {
    const pipeline = await start({ BOT_REPLY_PAUSES: 'true' })
    const ref = newRef()
    const at: number[] = []
    pipeline.chatwoot.onMessage((m) => { if (m.conversationId === ref.conversationId) at.push(Date.now()) })
    await pipeline.say(ref, 'Oi')
    await pipeline.waitForReplies(ref, 3)
    expect(at).toHaveLength(3)
    // 250 ms each (min_pause_ms = max_pause_ms), less a little for the timers' granularity.
    expect((at[1] as number) - (at[0] as number)).toBeGreaterThanOrEqual(240)
    expect((at[2] as number) - (at[1] as number)).toBeGreaterThanOrEqual(240)
  })

  it('a part whose POST failed after it was written is not posted again', async () => {
    const pipeline = await start()
    const ref = newRef()
    afterFirstPart(pipeline, ref, () => pipeline.chatwoot.failAfterWrite(1))
    await pipeline.say(ref, 'Oi')
    await pipeline.waitForReplies(ref, 3)
    await settle(pipeline)
    expect(contents(pipeline.replies(ref))).toEqual([A, B, `${C}\n\n${QUESTION}`])
    expect(pipeline.notes(ref)).toHaveLength(0)
    expect(await pipeline.metrics()).toMatch(/^sdr_replies_total\{outcome="sent"\} 1$/m)
  })

  it.each([
    ['the lead writes again (the newest message in Chatwoot)', (pl: Pipeline, ref: FakeRef) => pl.chatwoot.addIncoming(ref, 'Espera, quanto custa?'), 'lead_wrote'],
    ['an agent writes', (pl: Pipeline, ref: FakeRef) => pl.chatwoot.addAgentMessage(ref, 'Oi! Aqui é o Paulo, do time.'), 'agent_wrote'],
    ['an agent takes the conversation (open)', (pl: Pipeline, ref: FakeRef) => pl.chatwoot.setStatus(ref, 'open'), 'not_pending'],
  ])('stops after the first message when %s in between', async (_name, interrupt, why) => {
    const pipeline = await start()
    const ref = newRef()
    afterFirstPart(pipeline, ref, () => { interrupt(pipeline, ref) })
    await pipeline.say(ref, 'Oi')
    await pipeline.waitForReplies(ref, 1)
    await settle(pipeline)
    expect(contents(pipeline.replies(ref).filter((m) => m.senderType === 'AgentBot'))).toEqual([A])
    // Cut short is not a failure: no handoff for it.
    expect(pipeline.notes(ref)).toHaveLength(0)
    const metrics = await pipeline.metrics()
    expect(metrics).toMatch(/^sdr_replies_total\{outcome="cut_short"\} 1$/m)
    expect(metrics).not.toMatch(/^sdr_replies_total\{outcome="failed"\}/m)
    const cut = pipeline.app.parsedLogs().find((l) => l.msg === 'Reply cut short: the rest is not sent')
    expect(cut).toMatchObject({ accountId: 3, conversationId: ref.conversationId, why, sent: 1, parts: 3 })
  })

  it('stops when the lead\'s next message waits in the queue, before Chatwoot shows it, and answers that message', async () => {
    const pipeline = await start({ BOT_REPLY_PAUSES: 'true' })
    const ref = newRef()
    // A webhook only (an id Chatwoot does not show yet): only the conversation's lane knows.
    let delivered: Promise<unknown> = Promise.resolve()
    afterFirstPart(pipeline, ref, () => { delivered = pipeline.say(ref, 'Como posso te chamar? Me chamo Rita', { messageId: 990_001 }) })
    await pipeline.say(ref, 'Oi')
    await until(() => pipeline.app.parsedLogs().some((l) => l.msg === 'Reply cut short: the rest is not sent'), 5000)
    await delivered
    await settle(pipeline)
    const replies = pipeline.replies(ref)
    expect(replies[0]?.content).toBe(A)
    expect(contents(replies)).not.toContain(B)
    // The lead's new message was answered in its own turn.
    expect(replies.length).toBeGreaterThanOrEqual(2)
    expect(pipeline.app.parsedLogs().find((l) => l.msg === 'Reply cut short: the rest is not sent')).toMatchObject({ why: 'lead_wrote', sent: 1 })
  })

  it('a message that cannot be posted after the first hands the conversation to a person (the lead got only the beginning)', async () => {
    const pipeline = await start()
    const ref = newRef()
    // Every attempt at the second message fails (OUTBOUND_RETRY_ATTEMPTS, 4 by default).
    afterFirstPart(pipeline, ref, () => pipeline.chatwoot.failNext(4, 500, { match: { method: 'POST', path: `/conversations/${ref.conversationId}/messages` } }))
    await pipeline.say(ref, 'Oi')
    await until(() => pipeline.chatwoot.conversation(ref).status === 'open', 10_000)
    await settle(pipeline)
    expect(contents(pipeline.replies(ref))).toEqual([A])
    expect(pipeline.notes(ref)).toHaveLength(1)
    const metrics = await pipeline.metrics()
    expect(metrics).toMatch(/^sdr_replies_total\{outcome="failed"\} 1$/m)
    expect(metrics).toMatch(/^sdr_handoffs_total\{reason="delivery_failed",outcome="ok"\} 1$/m)
  })
})

describe.skipIf(!redisAvailable)('a reply in parts after a crash (durable queue, real Redis)', () => {
  let redis: Redis
  let prefix = uniquePrefix()
  let p: Pipeline | undefined

  beforeAll(() => { redis = createTestRedis() })
  afterEach(async () => {
    await p?.close()
    p = undefined
    await cleanPrefix(redis, prefix)
  })
  afterAll(() => { redis.disconnect() })

  const PARTS = ['Primeira parte da resposta, que já chegou.', 'Segunda parte, que talvez tenha chegado.', `Terceira parte. ${QUESTION}`]
  const stateKey = (ref: FakeRef): string => `${prefix}{${ref.accountId}:${ref.conversationId}}:state`

  async function start (): Promise<Pipeline> {
    prefix = uniquePrefix()
    p = await startPipeline({ env: { PLAYBOOK_PATH, REDIS_URL, REDIS_KEY_PREFIX: prefix, QUEUE_LEASE_MS: '1000' } })
    return p
  }

  /** Posts as the bot would have, straight to the Chatwoot stand-in; returns the message id. */
  async function postAsBot (pipeline: Pipeline, ref: FakeRef, content: string): Promise<number> {
    const res = await request(`${pipeline.chatwoot.url}/api/v1/accounts/${ref.accountId}/conversations/${ref.conversationId}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', api_access_token: pipeline.chatwoot.botToken },
      body: JSON.stringify({ content, message_type: 'outgoing', private: false }),
    })
    expect(res.statusCode).toBe(200)
    return (await res.body.json() as { id: number }).id
  }

  /**
   * What a replica that died after posting the first part left: the state with the reply's
   * progress, and the lead's message still in the lane under its expired lease.
   */
  async function seedCrash (ref: FakeRef, leadId: number, firstPartId: number): Promise<void> {
    const state: ConversationState = {
      ...initialState(ref, 'pt-BR', Date.now()),
      stage: 'qualifying',
      botTurns: 1,
      channel: 'Channel::Whatsapp',
      answeredMessageIds: [leadId],
      lastBotMessageId: firstPartId,
      inflight: { key: String(leadId), actions: [{ type: 'reply', text: PARTS.join('\n\n'), choices: CHOICES }], reply: { parts: PARTS, landed: 1 } },
    }
    await redis.set(stateKey(ref), JSON.stringify(state), 'EX', 600)
    const lane = `{${ref.accountId}:${ref.conversationId}}`
    const q = `${prefix}{q}:`
    await redis.rpush(`${q}lane:${lane}`, JSON.stringify({
      at: Date.now(),
      job: { kind: 'message', ref, messageId: leadId, inboxId: 1, text: 'Oi', attachments: [], channel: 'Channel::Whatsapp', canReply: true, contact: {}, receivedAt: Date.now() },
    }))
    await redis.incr(`${q}pending`)
    await redis.zadd(`${q}due`, 0, lane)
    await redis.eval(CLAIM, 7, `${q}lane:${lane}`, `${q}due`, `${q}first`, `${q}leases`, `${q}tokens`, `${q}fence`, `${q}attempts`, lane, Date.now(), 200, 50)
  }

  const botMessages = (pipeline: Pipeline, ref: FakeRef): StoredMessage[] => pipeline.replies(ref).filter((m) => m.senderType === 'AgentBot')

  it('the replica that takes over posts only the parts that had not landed, the buttons on the last', async () => {
    const pipeline = await start()
    const ref = newRef()
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lead = pipeline.chatwoot.addIncoming(ref, 'Oi')
    await seedCrash(ref, lead.id, await postAsBot(pipeline, ref, PARTS[0] as string))
    await until(() => lastIs(botMessages(pipeline, ref).at(-1)), 8000)
    await until(async () => JSON.parse(await redis.get(stateKey(ref)) ?? '{}').inflight === undefined)
    const posted = botMessages(pipeline, ref)
    expect(contents(posted)).toEqual(PARTS)
    expect(items(posted[2])).toEqual(CHOICES)
    expect(posted.slice(1).map((m) => m.echoId)).toEqual([`sdr:{3:${ref.conversationId}}:${lead.id}:1`, `sdr:{3:${ref.conversationId}}:${lead.id}:2`])
    // The history holds the reply as decided, once, now that every part landed.
    const saved = JSON.parse(await redis.get(stateKey(ref)) ?? '{}') as ConversationState
    expect(saved.history.filter((h) => h.role === 'bot').map((h) => h.text)).toEqual([PARTS.join('\n\n')])
    expect(saved.lastBotMessageId).toBe(posted[2]?.id)
  })

  it('a part that landed after the last record of progress is recognised, not posted twice', async () => {
    const pipeline = await start()
    const ref = newRef()
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lead = pipeline.chatwoot.addIncoming(ref, 'Oi')
    const first = await postAsBot(pipeline, ref, PARTS[0] as string)
    // The second part reached Chatwoot, but the replica died before writing that down.
    await postAsBot(pipeline, ref, PARTS[1] as string)
    await seedCrash(ref, lead.id, first)
    await until(() => lastIs(botMessages(pipeline, ref).at(-1)), 8000)
    await settle(pipeline)
    expect(contents(botMessages(pipeline, ref))).toEqual(PARTS)
  })

  it('when the lead wrote after the parts that landed, the rest is dropped and what landed counts as said', async () => {
    const pipeline = await start()
    const ref = newRef()
    pipeline.chatwoot.addConversation(ref, { status: 'pending' })
    const lead = pipeline.chatwoot.addIncoming(ref, 'Oi')
    await seedCrash(ref, lead.id, await postAsBot(pipeline, ref, PARTS[0] as string))
    pipeline.chatwoot.addIncoming(ref, 'Oi? Alguém aí?')
    await until(async () => JSON.parse(await redis.get(stateKey(ref)) ?? '{}').inflight === undefined, 8000)
    await settle(pipeline)
    expect(contents(botMessages(pipeline, ref))).toEqual([PARTS[0]])
    expect(pipeline.notes(ref)).toHaveLength(0)
    const saved = JSON.parse(await redis.get(stateKey(ref)) ?? '{}') as ConversationState
    expect(saved.history.filter((h) => h.role === 'bot').map((h) => h.text)).toEqual([PARTS[0]])
    expect(await pipeline.metrics()).toMatch(/^sdr_replies_total\{outcome="cut_short"\} 1$/m)
  })
})
