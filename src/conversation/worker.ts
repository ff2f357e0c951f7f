import { createScheduledWork } from './scheduled.js'
import { fireWorkflow } from './worker/actions.js'
import { drainBackground, saveFenced, workerContext, type BatchContext, type ScheduledWork, type WorkerContext } from './worker/context.js'
import { notifyContactErased } from './worker/erasure.js'
import { giveUpBatch, handleBatch } from './worker/batch.js'
import type { ConversationWorker, WorkerOptions } from './worker/ports.js'
import { sendText } from './worker/reply.js'
import { contactOf } from './worker/turn-state.js'

// Runs one turn of a conversation: load state → brain → state machine → actions → save. The parts
// live in worker/: ports.ts (what it talks to), batch.ts and batch-order.ts (a batch of jobs),
// lead-turn.ts, resume.ts (a turn a crash interrupted), actions.ts and reply.ts, erasure.ts.
// This file composes them and is what the rest of the service imports.

export {
  FencedOutError,
  type ChatwootPort,
  type ContactPort,
  type ConversationStatePort,
  type ConversationWorker,
  type TimerPort,
  type WorkerLogger,
  type WorkerObserver,
  type WorkerOptions,
  type WorkflowPort,
} from './worker/ports.js'
export { clip, messageText } from './worker/turn-state.js'

export function createConversationWorker (opts: WorkerOptions): ConversationWorker {
  const base = workerContext(opts)
  const ctx: BatchContext = { ...base, scheduled: scheduledWorkOf(base) }
  return {
    handle: (_lane, jobs, fence) => handleBatch(ctx, jobs, fence),
    giveUp: (_lane, jobs) => giveUpBatch(ctx, jobs),
    drain: (timeoutMs) => drainBackground(ctx, timeoutMs),
    notifyErased: (contact) => notifyContactErased(ctx, contact),
  }
}

/** Follow-ups and the handoff watchdog (scheduled.ts), posting and saving the way a turn does. */
function scheduledWorkOf (ctx: WorkerContext): ScheduledWork {
  return createScheduledWork({
    timers: ctx.timers,
    getConversation: (ref) => ctx.chatwoot.getConversation(ref),
    isOptedOut: async (state) => {
      const contact = contactOf(state, [])
      return contact !== undefined && await ctx.contacts.isOptedOut(contact)
    },
    send: (state, text, echoId, playbook) => sendText(ctx, state, text, echoId, playbook),
    fireWorkflow: (state, workflow, reason, key, playbook, extra) => fireWorkflow(ctx, state, workflow, reason, key, playbook, extra),
    commit: (state, fence) => saveFenced(ctx, { ...state, inflight: undefined }, fence),
    observe: ctx.observe,
    log: ctx.log,
    now: ctx.now,
  })
}
