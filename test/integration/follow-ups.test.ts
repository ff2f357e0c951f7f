import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createShiftedClock, type TestClock } from '../helpers/app.js'
import { FOLLOW_UP_1, FOLLOW_UP_2, MINUTE, MONDAY_10H, writeBeyondPlaybook } from '../helpers/beyond-playbook.js'
import { startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { REDIS_URL, redisAvailable, redisSuite, warnIfRedisMissing } from '../helpers/redis.js'
import { sleep, until } from '../helpers/wait.js'

warnIfRedisMissing('follow-ups across replicas')

// Follow-ups to a quiet lead, with a hand-moved clock: the timers poll in real time (250 ms) and
// compare against the app's clock, so "2 hours later" is one clock.advance().

const playbook = writeBeyondPlaybook()
const counter = (metrics: string, outcome: string): number =>
  Number(new RegExp(`^sdr_follow_ups_total\\{outcome="${outcome}"\\} (\\d+)`, 'm').exec(metrics)?.[1] ?? 0)

describe('follow-ups (embedded store)', () => {
  let p: Pipeline
  let clock: TestClock
  const pipelines: Pipeline[] = []
  const start = async (): Promise<Pipeline> => {
    clock = createShiftedClock(MONDAY_10H)
    p = await startPipeline({ clock, env: { PLAYBOOK_PATH: playbook } })
    pipelines.push(p)
    return p
  }
  afterEach(async () => { await Promise.all(pipelines.splice(0).map((x) => x.close())) })

  it('nudges a quiet lead at the configured delays, in business hours, and stops after the last step', async () => {
    await start()
    const ref = { accountId: 1, conversationId: 7001 }
    await p.say(ref, 'Olá, quero automatizar o atendimento da minha loja')
    await p.waitForReplies(ref, 1)
    clock.advance(119 * MINUTE)
    await sleep(600)
    expect(p.replies(ref)).toHaveLength(1)
    clock.advance(2 * MINUTE)
    expect((await p.waitForReplies(ref, 2)).at(-1)?.content).toBe(FOLLOW_UP_1)
    clock.advance(24 * 60 * MINUTE) // Tuesday 12:01: open
    expect((await p.waitForReplies(ref, 3)).at(-1)?.content).toBe(FOLLOW_UP_2)
    clock.advance(3 * 24 * 60 * MINUTE)
    await sleep(600)
    expect(p.replies(ref)).toHaveLength(3)
    expect(counter(await p.metrics(), 'sent')).toBe(2)
  })

  it('counts the quiet time from when the bot spoke, however slowly Chatwoot answered the post', async () => {
    await start()
    const ref = { accountId: 1, conversationId: 7008 }
    // Chatwoot stores each message at once and answers half a second later; the clock moves meanwhile.
    p.chatwoot.delayNext(2, 500, { method: 'POST', path: '/messages' })
    await p.say(ref, 'Olá, quero automatizar o atendimento da minha loja')
    await p.waitForReplies(ref, 1)
    clock.advance(121 * MINUTE)
    expect((await p.waitForReplies(ref, 2)).at(-1)?.content).toBe(FOLLOW_UP_1)
    clock.advance(24 * 60 * MINUTE)
    expect((await p.waitForReplies(ref, 3)).at(-1)?.content).toBe(FOLLOW_UP_2)
  })

  it('is cancelled by the lead\'s answer and planned again from the bot\'s new reply', async () => {
    await start()
    const ref = { accountId: 1, conversationId: 7002 }
    await p.say(ref, 'Oi, quero saber mais')
    await p.waitForReplies(ref, 1)
    clock.advance(60 * MINUTE)
    await p.say(ref, 'Maria Souza')
    await p.waitForReplies(ref, 2)
    clock.advance(70 * MINUTE) // 130 min after the first reply, 70 after the second
    await sleep(600)
    expect(p.replies(ref)).toHaveLength(2)
    clock.advance(51 * MINUTE)
    expect((await p.waitForReplies(ref, 3)).at(-1)?.content).toBe(FOLLOW_UP_1)
  })

  it('waits for business hours: a follow-up due at night goes out the next morning', async () => {
    await start()
    clock.set(Date.parse('2026-11-30T20:30:00Z')) // Monday 17:30 in São Paulo
    const ref = { accountId: 1, conversationId: 7003 }
    await p.say(ref, 'Oi, quero saber mais')
    await p.waitForReplies(ref, 1)
    clock.set(Date.parse('2026-12-01T02:00:00Z')) // 23:00, the 2 h are long past
    await sleep(600)
    expect(p.replies(ref)).toHaveLength(1)
    clock.set(Date.parse('2026-12-01T12:00:30Z')) // Tuesday 09:00
    expect((await p.waitForReplies(ref, 2)).at(-1)?.content).toBe(FOLLOW_UP_1)
  })

  it('is not sent when Chatwoot says the channel cannot reply (the WhatsApp 24 h window)', async () => {
    await start()
    const ref = { accountId: 1, conversationId: 7004 }
    await p.say(ref, 'Oi, quero saber mais')
    await p.waitForReplies(ref, 1)
    p.chatwoot.conversation(ref).canReply = false
    clock.advance(121 * MINUTE)
    await until(async () => counter(await p.metrics(), 'cannot_reply') === 1)
    expect(p.replies(ref)).toHaveLength(1)
  })

  it('is cancelled by an opt-out, a handoff and a resolved conversation', async () => {
    await start()
    const optOut = { accountId: 1, conversationId: 7005 }
    const handoff = { accountId: 1, conversationId: 7006 }
    const resolved = { accountId: 1, conversationId: 7007 }
    for (const ref of [optOut, handoff, resolved]) {
      await p.say(ref, 'Oi, quero saber mais')
      await p.waitForReplies(ref, 1)
    }
    await p.say(optOut, 'pare')
    await p.waitForReplies(optOut, 2)
    await p.say(handoff, 'quero falar com um humano')
    await p.waitForReplies(handoff, 2)
    expect(await p.statusEvent(resolved, 'resolved')).toBe(200)
    await sleep(300)
    clock.advance(5 * 60 * MINUTE)
    await sleep(800)
    // The handoff's watchdog may hold the lead's hand (a holding message); no follow-up went anywhere.
    const texts = [optOut, handoff, resolved].flatMap((ref) => p.replies(ref).map((m) => m.content))
    expect(texts.filter((t) => t === FOLLOW_UP_1 || t === FOLLOW_UP_2)).toEqual([])
    expect([p.replies(optOut).length, p.replies(resolved).length]).toEqual([2, 1])
    expect(counter(await p.metrics(), 'sent')).toBe(0)
  })
})

describe.skipIf(!redisAvailable)('follow-ups with Redis, two replicas (real Redis)', () => {
  const { prefix } = redisSuite()
  const pipelines: Pipeline[] = []
  // Runs before redisSuite's clean-up (after-hooks run in reverse): the replicas stop writing first.
  afterAll(async () => {
    for (const x of pipelines.reverse()) await x.close()
  })

  it('fires once across the replicas, and survives a replica\'s restart', async () => {
    const clock = createShiftedClock(MONDAY_10H)
    const env = { PLAYBOOK_PATH: playbook, REDIS_URL, REDIS_KEY_PREFIX: prefix }
    const a = await startPipeline({ clock, env })
    pipelines.push(a)
    const ref = { accountId: 1, conversationId: 7101 }
    await a.say(ref, 'Olá, quero automatizar o atendimento')
    await a.waitForReplies(ref, 1)
    // The replica that planned it goes away; two others share the work from now on.
    await a.app.close()
    const b = await startPipeline({ clock, env, standIns: { chatwoot: a.chatwoot, n8n: a.n8n } })
    const c = await startPipeline({ clock, env, standIns: { chatwoot: a.chatwoot, n8n: a.n8n } })
    pipelines.push(b, c)
    clock.advance(121 * MINUTE)
    expect((await a.waitForReplies(ref, 2)).at(-1)?.content).toBe(FOLLOW_UP_1)
    await sleep(1000)
    expect(a.replies(ref)).toHaveLength(2)
  })
})
