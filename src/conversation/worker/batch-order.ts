import type { ConversationJob, EraseJob, MessageJob, TimerJob } from '../inbound.js'
import type { Playbook } from '../playbook.js'
import { decide } from '../state-machine.js'
import type { ConversationState, Stage } from '../types.js'
import { handedBack } from './turn-state.js'

// A batch's jobs sorted, in their order, without side effects: Chatwoot's status changes and
// agents' replies applied to the state, the lead's messages not yet answered, due timers, and an
// erasure. What happened on the way comes back as notes, for the caller to count and log.

export type BatchNote =
  | { readonly type: 'transition', readonly from: Stage, readonly to: Stage }
  /** A status older than the newest applied: delivered late, ignored. */
  | { readonly type: 'late_status', readonly status: string }
  /** An agent answered while the handoff's watchdog waited. */
  | { readonly type: 'watchdog_answered' }
  /** A lead message showed the conversation was handed back to the bot. */
  | { readonly type: 'handed_back' }

export interface SortedBatch {
  /** The state with the batch's status changes (and handbacks) applied. */
  readonly state: ConversationState
  /** The lead's messages not answered before, in order. */
  readonly fresh: readonly MessageJob[]
  readonly due: readonly TimerJob[]
  /** The last erasure asked for, if any: it wins over everything else. */
  readonly erase: EraseJob | undefined
  readonly notes: readonly BatchNote[]
}

/** Sorts a batch's jobs in their order; pure (the state machine is). */
export function sortBatch (initial: ConversationState, jobs: readonly ConversationJob[], playbook: Playbook): SortedBatch {
  let state = initial
  const fresh: MessageJob[] = []
  const due: TimerJob[] = []
  const notes: BatchNote[] = []
  let erase: EraseJob | undefined
  const applyStatus = (status: 'open' | 'pending' | 'resolved' | 'snoozed', at: number): ConversationState => {
    const next = decide(state, { type: 'chatwoot_status', status, at }, playbook).next
    if (next.stage !== state.stage) notes.push({ type: 'transition', from: state.stage, to: next.stage })
    return next
  }
  for (const job of jobs) {
    if (job.kind === 'status') {
      if (job.changedAt !== undefined && state.statusAt !== undefined && job.changedAt < state.statusAt) {
        // Delivered late: a newer status was applied already (an old "open" must not silence a handback).
        notes.push({ type: 'late_status', status: job.status })
        continue
      }
      state = applyStatus(job.status, job.receivedAt)
      if (job.changedAt !== undefined) state = { ...state, statusAt: job.changedAt }
      // Resolved: nobody is waiting, on either side.
      if (job.status === 'resolved') state = { ...state, followUp: undefined, watchdog: undefined }
    } else if (job.kind === 'agent_reply') {
      if (state.watchdog !== undefined) {
        notes.push({ type: 'watchdog_answered' })
        state = { ...state, watchdog: undefined }
      }
    } else if (job.kind === 'timer') {
      due.push(job)
    } else if (job.kind === 'erase') {
      erase = job
    } else if (!state.answeredMessageIds.includes(job.messageId)) {
      if (handedBack(state, job)) {
        // The handback's own status event is late or lost, but the message shows it: the bot resumes.
        notes.push({ type: 'handed_back' })
        state = { ...applyStatus('pending', job.receivedAt), statusAt: job.conversationUpdatedAt }
      }
      fresh.push(job)
    }
  }
  return { state, fresh, due, erase, notes }
}
