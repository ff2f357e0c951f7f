import { unreportedCost } from '../costs.js'
import type { ConversationRef } from '../ref.js'
import type { createScheduledWork } from '../scheduled.js'
import type { ConversationState, Transition } from '../types.js'
import { FencedOutError, type WorkerOptions } from './ports.js'
import { botPartEnded } from './turn-state.js'

// What the parts of the worker share: the ports, the workflow calls still in flight, and the few
// guarded calls every part makes the same way (side calls, fenced saves, observed transitions).

export interface WorkerContext extends WorkerOptions {
  /** Workflow calls running in the background: `drain` waits for them on shutdown. */
  readonly background: Set<Promise<void>>
}

export type ScheduledWork = ReturnType<typeof createScheduledWork>

/** A batch also runs the conversation's follow-ups and watchdog (scheduled.ts). */
export interface BatchContext extends WorkerContext {
  readonly scheduled: ScheduledWork
}

export function workerContext (opts: WorkerOptions): WorkerContext {
  return { ...opts, background: new Set() }
}

/** What a log line says of a conversation: its ids, never its words. */
export function logIds (ref: ConversationRef): { accountId: number, conversationId: number } {
  return { accountId: ref.accountId, conversationId: ref.conversationId }
}

/** Side calls that must not cost the lead an answer: logged and counted when they fail. */
export async function attempt (ctx: WorkerContext, what: string, ref: ConversationRef, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn()
    return true
  } catch (err) {
    ctx.log.warn({ ...logIds(ref), err, action: what }, 'Conversation action failed')
    return false
  }
}

/** Keeps a background call until it settles, so `drain` can wait for it. */
export function track (ctx: WorkerContext, p: Promise<void>): void {
  ctx.background.add(p)
  p.finally(() => ctx.background.delete(p)).catch(() => {})
}

/** Resolves when the background calls have settled, or after `timeoutMs`, whichever comes first. */
export async function drainBackground (ctx: WorkerContext, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    Promise.allSettled([...ctx.background]),
    new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs) }),
  ])
  clearTimeout(timer)
}

/** A store blip (a Redis failover) should not cost a lead the answer: three tries over about a second. */
export async function withRetries<T> (fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (err) {
      if (i >= attempts) throw err
      await new Promise((resolve) => setTimeout(resolve, 250 * i))
    }
  }
}

/** Saves under the lease; a refusal means another replica has the conversation now. */
export async function saveFenced (ctx: WorkerContext, state: ConversationState, fence: number | undefined): Promise<void> {
  if (!await withRetries(() => ctx.states.save(state, fence))) throw new FencedOutError()
}

/** A reply's progress: a lost lease stops the reply; a store blip only costs the record (the client's check still guards a retry). */
export async function saveProgress (ctx: WorkerContext, state: ConversationState, fence: number): Promise<void> {
  try {
    await saveFenced(ctx, state, fence)
  } catch (err) {
    if (err instanceof FencedOutError) throw err
    ctx.log.warn({ ...logIds(state.ref), err }, 'Reply progress could not be saved')
  }
}

/** A transition, with its change of stage counted. */
export function observed (ctx: WorkerContext, state: ConversationState, t: Transition): Transition {
  if (t.next.stage !== state.stage) ctx.observe.transition(state.stage, t.next.stage)
  return t
}

/** When the bot's part ends, its cost not yet in the per-conversation histogram goes there. */
export function reportCost (ctx: WorkerContext, state: ConversationState): ConversationState {
  if (!botPartEnded(state)) return state
  const due = unreportedCost(state)
  if (due === undefined) return state
  ctx.observe.conversationCost(due.currency, due.amount)
  return due.next
}
