import { describe, expect, it } from 'vitest'
import { attempt, drainBackground, observed, reportCost, saveFenced, saveProgress, track, withRetries } from '../../../src/conversation/worker/context.js'
import { FencedOutError } from '../../../src/conversation/worker/ports.js'
import { fakeWorld, state } from './fakes.js'

describe('worker context', () => {
  it('attempt: a failing side call is logged with ids and the action, and reported false', async () => {
    const w = fakeWorld()
    expect(await attempt(w.ctx, 'labels', state().ref, async () => { throw new Error('boom') })).toBe(false)
    expect(await attempt(w.ctx, 'labels', state().ref, async () => 'ok')).toBe(true)
    expect(w.log.lines).toEqual([expect.objectContaining({ level: 'warn', msg: 'Conversation action failed', obj: expect.objectContaining({ action: 'labels', accountId: 3, conversationId: 77 }) })])
  })

  it('saveFenced: a save refused under an older lease is a FencedOutError; a newer lease saves', async () => {
    const w = fakeWorld()
    await saveFenced(w.ctx, state(), 5)
    await expect(saveFenced(w.ctx, state({ botTurns: 1 }), 4)).rejects.toBeInstanceOf(FencedOutError)
    expect(w.states.get()?.botTurns).toBe(0)
    await saveFenced(w.ctx, state({ botTurns: 2 }), 6)
    expect(w.states.get()?.botTurns).toBe(2)
  })

  it('saveProgress: a store blip only costs the record; a lost lease stops the reply', async () => {
    const w = fakeWorld()
    let calls = 0
    w.states.save = async () => { calls += 1; throw new Error('redis down') }
    await saveProgress(w.ctx, state(), 1)
    expect(calls).toBe(3)
    expect(w.log.has('Reply progress could not be saved')).toBe(true)
    w.states.save = async () => false
    await expect(saveProgress(w.ctx, state(), 1)).rejects.toBeInstanceOf(FencedOutError)
  })

  it('withRetries: a blip is retried, a lasting failure surfaces', async () => {
    let n = 0
    expect(await withRetries(async () => { n += 1; if (n < 2) throw new Error('blip'); return 'ok' })).toBe('ok')
    await expect(withRetries(async () => { throw new Error('down') }, 2)).rejects.toThrow('down')
  })

  it('observed: counts a change of stage, not a stay', () => {
    const w = fakeWorld()
    const s = state({ stage: 'qualifying' })
    observed(w.ctx, s, { next: s, actions: [] })
    observed(w.ctx, s, { next: { ...s, stage: 'handoff' }, actions: [] })
    expect(w.observe.seen).toEqual([['transition', 'qualifying', 'handoff']])
  })

  it('reportCost: only once the bot\'s part ends, and only what was not reported', () => {
    const w = fakeWorld()
    const llm = { promptTokens: 10, completionTokens: 5, cost: 0.5, currency: 'USD', budgetSpent: 0.5, reported: 0 }
    expect(reportCost(w.ctx, state({ llm }))).toEqual(state({ llm }))
    const ended = reportCost(w.ctx, state({ llm, owner: 'human', stage: 'handoff' }))
    expect(w.observe.seen).toEqual([['conversationCost', 'USD', 0.5]])
    reportCost(w.ctx, ended)
    expect(w.observe.count('conversationCost')).toBe(1)
  })

  it('drain waits for background calls, up to its bound', async () => {
    const w = fakeWorld()
    let done = false
    track(w.ctx, new Promise((resolve) => setTimeout(() => { done = true; resolve() }, 20)))
    await drainBackground(w.ctx, 1000)
    expect(done).toBe(true)
    expect(w.ctx.background.size).toBe(0)
    track(w.ctx, new Promise(() => {}))
    const started = Date.now()
    await drainBackground(w.ctx, 30)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})
