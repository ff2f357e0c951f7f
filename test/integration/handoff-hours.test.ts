import { afterEach, describe, expect, it } from 'vitest'
import { createShiftedClock, type TestClock } from '../helpers/app.js'
import { HOLDING, MINUTE, MONDAY_10H, MONDAY_20H, writeBeyondPlaybook } from '../helpers/beyond-playbook.js'
import { startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { sleep, until } from '../helpers/wait.js'

// Business hours and the handoff watchdog, through the real pipeline with a clock moved by hand.

const playbook = writeBeyondPlaybook()
const pipelines: Pipeline[] = []
afterEach(async () => { await Promise.all(pipelines.splice(0).map((x) => x.close())) })

async function start (at: number): Promise<{ p: Pipeline, clock: TestClock }> {
  const clock = createShiftedClock(at)
  const p = await startPipeline({ clock, env: { PLAYBOOK_PATH: playbook } })
  pipelines.push(p)
  return { p, clock }
}

interface HandoffBody { event: string, out_of_hours?: boolean, next_open_at?: string | null, handed_off_at?: string, waited_minutes?: number, conversation_id: number }
const bodies = (p: Pipeline, path: string, conversationId: number): HandoffBody[] =>
  p.n8n.received(path).map((r) => r.body as HandoffBody).filter((b) => b.conversation_id === conversationId)

describe('business hours', () => {
  it('out of hours, a handoff tells the lead when a person will answer, and n8n is told at once with out_of_hours', async () => {
    const { p } = await start(MONDAY_20H)
    const ref = { accountId: 1, conversationId: 7201 }
    await p.say(ref, 'Quero falar com um humano, por favor')
    const [reply] = await p.waitForReplies(ref, 1)
    expect(reply?.content).toMatch(/fora do horário/)
    expect(reply?.content).toMatch(/terça-feira.*09:00/)
    await until(() => bodies(p, '/webhook/handoff', 7201).length === 1)
    expect(bodies(p, '/webhook/handoff', 7201)[0]).toMatchObject({ out_of_hours: true, next_open_at: '2026-12-01T12:00:00.000Z' })
  })

  it('in hours, the handoff says nothing about opening hours and n8n gets out_of_hours false', async () => {
    const { p } = await start(MONDAY_10H)
    const ref = { accountId: 1, conversationId: 7202 }
    await p.say(ref, 'Quero falar com um humano, por favor')
    const [reply] = await p.waitForReplies(ref, 1)
    expect(reply?.content).not.toMatch(/fora do horário/)
    await until(() => bodies(p, '/webhook/handoff', 7202).length === 1)
    expect(bodies(p, '/webhook/handoff', 7202)[0]).toMatchObject({ out_of_hours: false })
  })

  it('out of hours the bot still qualifies', async () => {
    const { p } = await start(MONDAY_20H)
    const ref = { accountId: 1, conversationId: 7203 }
    await p.say(ref, 'Olá, quero automatizar o atendimento da minha loja')
    const [reply] = await p.waitForReplies(ref, 1)
    expect(reply?.content).toMatch(/como posso te chamar/)
    expect(p.chatwoot.conversation(ref).status).toBe('pending')
  })
})

describe('handoff watchdog', () => {
  it('fires the n8n workflow once and sends the holding message when no human answers in time', async () => {
    const { p, clock } = await start(MONDAY_10H)
    const ref = { accountId: 1, conversationId: 7211 }
    await p.say(ref, 'Quero falar com um humano')
    await p.waitForReplies(ref, 1)
    await until(() => p.chatwoot.conversation(ref).status === 'open')
    expect(await p.statusEvent(ref, 'open')).toBe(200) // Chatwoot's echo of our handoff
    clock.advance(29 * MINUTE)
    await sleep(600)
    expect(bodies(p, '/webhook/handoff-unanswered', 7211)).toHaveLength(0)
    clock.advance(2 * MINUTE)
    await until(() => bodies(p, '/webhook/handoff-unanswered', 7211).length === 1)
    expect((await p.waitForReplies(ref, 2)).at(-1)?.content).toBe(HOLDING)
    expect(bodies(p, '/webhook/handoff-unanswered', 7211)[0]).toMatchObject({ event: 'handoff_unanswered', waited_minutes: 31 })
    clock.advance(5 * 60 * MINUTE)
    await sleep(800)
    expect(bodies(p, '/webhook/handoff-unanswered', 7211)).toHaveLength(1)
    expect(p.replies(ref)).toHaveLength(2)
  })

  it('stays quiet when a human answered (seen on the agent\'s message event)', async () => {
    const { p, clock } = await start(MONDAY_10H)
    const ref = { accountId: 1, conversationId: 7212 }
    await p.say(ref, 'Quero falar com um humano')
    await p.waitForReplies(ref, 1)
    await until(() => p.chatwoot.conversation(ref).status === 'open')
    expect(await p.agentReply(ref, 'Oi! Aqui é a Carla, do comercial.')).toBe(200)
    // The lead writes after the agent: Chatwoot's newest message is the lead's, so only the event tells.
    p.chatwoot.addIncoming(ref, 'Oi Carla!')
    await sleep(300)
    clock.advance(60 * MINUTE)
    await sleep(800)
    expect(bodies(p, '/webhook/handoff-unanswered', 7212)).toHaveLength(0)
    expect(await p.metrics()).toMatch(/^sdr_handoff_watchdog_total\{outcome="answered"\} 1$/m)
  })

  it('stays quiet when Chatwoot shows a human answered although the event was lost', async () => {
    const { p, clock } = await start(MONDAY_10H)
    const ref = { accountId: 1, conversationId: 7213 }
    await p.say(ref, 'Quero falar com um humano')
    await p.waitForReplies(ref, 1)
    await until(() => p.chatwoot.conversation(ref).status === 'open')
    p.chatwoot.addAgentMessage(ref, 'Oi! Aqui é a Carla.') // no webhook delivered
    clock.advance(31 * MINUTE)
    await sleep(800)
    expect(bodies(p, '/webhook/handoff-unanswered', 7213)).toHaveLength(0)
    expect(p.replies(ref)).toHaveLength(1)
  })

  it('counts only open time: a handoff at 17:45 is checked the next morning', async () => {
    const { p, clock } = await start(Date.parse('2026-11-30T20:45:00Z')) // Monday 17:45
    const ref = { accountId: 1, conversationId: 7214 }
    await p.say(ref, 'Quero falar com um humano')
    await p.waitForReplies(ref, 1)
    clock.set(Date.parse('2026-12-01T11:59:00Z')) // Tuesday 08:59: 15 open minutes so far
    await sleep(600)
    expect(bodies(p, '/webhook/handoff-unanswered', 7214)).toHaveLength(0)
    clock.set(Date.parse('2026-12-01T12:16:00Z')) // 09:16: 31 open minutes
    await until(() => bodies(p, '/webhook/handoff-unanswered', 7214).length === 1)
  })
})
