import { planFollowUp, sendableAt, watchdogDueAt } from './follow-ups.js'
import type { ConversationJob, TimerJob } from './inbound.js'
import { conversationTag, type ConversationRef } from './ref.js'
import { businessHoursOf, leadText, type Playbook } from './playbook.js'
import type { NewestMessage } from '../lib/reply-landed.js'
import type { ConversationState, Workflow } from './types.js'

// What a conversation does later: follow-ups to a quiet lead and the watchdog of a handoff. The
// plan lives in the conversation state; a timer (stores/timers.ts) puts a job into the lane at its
// time, and the job is checked against the plan then, so a stale timer (the lead wrote, a human
// answered, the playbook changed) does nothing. Each sends at most once: the plan is cleared and
// saved before anything goes out.

export interface TimerPort {
  set (lane: string, name: string, dueAt: number, job: ConversationJob): Promise<void>
  clear (lane: string, name: string): Promise<void>
}

export interface ScheduledDeps {
  readonly timers: TimerPort
  readonly getConversation: (ref: ConversationRef) => Promise<{ status: string, canReply?: boolean, lastMessage?: NewestMessage }>
  readonly isOptedOut: (state: ConversationState) => Promise<boolean>
  /** Posts a public bot message; the state it returns remembers it, undefined when it failed. */
  readonly send: (state: ConversationState, text: string, echoId: string, playbook: Playbook) => Promise<ConversationState | undefined>
  readonly fireWorkflow: (state: ConversationState, workflow: Workflow, reason: string, key: string, playbook: Playbook, extra?: Record<string, unknown>) => void
  /** Saves under the lease before a message goes out: a crash then loses the message, never repeats it. */
  readonly commit: (state: ConversationState, fence: number | undefined) => Promise<void>
  readonly observe: { followUp (outcome: FollowUpOutcome): void, watchdog (outcome: WatchdogOutcome): void }
  readonly log: { info (obj: object, msg: string): void, warn (obj: object, msg: string): void }
  readonly now: () => number
}

export type FollowUpOutcome = 'sent' | 'failed' | 'cannot_reply' | 'not_pending' | 'opted_out'
export type WatchdogOutcome = 'fired' | 'answered'

const NAMES = { followUp: 'follow_up', watchdog: 'watchdog' } as const
/** Chatwoot could not be read for a due follow-up: try again this much later. */
const RETRY_MS = 5 * 60_000

type ConversationSeen = Awaited<ReturnType<ScheduledDeps['getConversation']>>
interface Happened { readonly leadTurn: boolean, readonly ourHandoff: boolean }

export function createScheduledWork (deps: ScheduledDeps) {
  return {
    plan: (state: ConversationState, playbook: Playbook, happened: Happened): ConversationState =>
      planScheduled(state, playbook, happened, deps.now),
    sync: async (before: ConversationState | undefined, after: ConversationState): Promise<void> =>
      await syncTimers(deps, before, after),
    /** Runs a due timer's job against the plan it was set for. */
    run: (state: ConversationState, job: TimerJob, playbook: Playbook, fence: number | undefined): Promise<ConversationState> =>
      job.timer === 'follow_up' ? runFollowUp(deps, state, job, playbook, fence) : runWatchdog(deps, state, job, playbook, fence),
    /** Erasure: the conversation's timers go with its data. */
    clear: async (ref: ConversationRef): Promise<void> => {
      const lane = conversationTag(ref)
      await deps.timers.clear(lane, NAMES.followUp)
      await deps.timers.clear(lane, NAMES.watchdog)
    },
  }
}

const ids = (ref: ConversationRef) => ({ accountId: ref.accountId, conversationId: ref.conversationId })

/** A follow-up's delay is the lead's quiet time: it counts from the bot's last message, not from the end of the batch. */
function lastSpokeAt (state: ConversationState, now: () => number): number {
  return state.history.findLast((h) => h.role === 'bot')?.at ?? now()
}

/**
 * The plans after a batch: a lead turn (re)starts the follow-ups; our handoff starts the watchdog;
 * a conversation no longer the bot's to nudge, or no longer waiting for a human, drops them.
 */
function planScheduled (state: ConversationState, playbook: Playbook, happened: Happened, now: () => number): ConversationState {
  const hours = businessHoursOf(playbook)
  let next = state
  if (happened.leadTurn) next = { ...next, followUp: planFollowUp(playbook.follow_ups, hours, next, 0, lastSpokeAt(next, now)) }
  else if (next.followUp !== undefined && planFollowUp(playbook.follow_ups, hours, next, next.followUp.step, now()) === undefined) next = { ...next, followUp: undefined }
  if (happened.ourHandoff && playbook.handoff_watchdog !== undefined && next.handoffReason !== 'erasure_requested') {
    // The turn's time (the handoff's): the wait counts from when the lead was told a person comes.
    const since = Math.min(next.updatedAt, now())
    next = { ...next, watchdog: { since, dueAt: watchdogDueAt(playbook.handoff_watchdog, hours, since) } }
  } else if (next.watchdog !== undefined && next.owner !== 'human') {
    next = { ...next, watchdog: undefined }
  }
  return next
}

/** Makes the timers match the plans (after the state is saved: a timer without its plan is harmless). */
async function syncTimers (deps: ScheduledDeps, before: ConversationState | undefined, after: ConversationState): Promise<void> {
  const lane = conversationTag(after.ref)
  const job = (timer: TimerJob['timer'], step: number, dueAt: number): TimerJob => ({ kind: 'timer', ref: after.ref, timer, step, dueAt, receivedAt: dueAt })
  try {
    if (before?.followUp?.dueAt !== after.followUp?.dueAt || before?.followUp?.step !== after.followUp?.step) {
      if (after.followUp === undefined) await deps.timers.clear(lane, NAMES.followUp)
      else await deps.timers.set(lane, NAMES.followUp, after.followUp.dueAt, job('follow_up', after.followUp.step, after.followUp.dueAt))
    }
    if (before?.watchdog?.dueAt !== after.watchdog?.dueAt) {
      if (after.watchdog === undefined) await deps.timers.clear(lane, NAMES.watchdog)
      else await deps.timers.set(lane, NAMES.watchdog, after.watchdog.dueAt, job('watchdog', 0, after.watchdog.dueAt))
    }
  } catch (err) {
    deps.log.warn({ ...ids(after.ref), err }, 'Could not set the conversation\'s timers: a follow-up or watchdog may not fire')
  }
}

async function runFollowUp (deps: ScheduledDeps, state: ConversationState, job: TimerJob, playbook: Playbook, fence: number | undefined): Promise<ConversationState> {
  const { now, observe, log } = deps
  const planned = state.followUp
  if (planned === undefined || planned.step !== job.step || planned.dueAt !== job.dueAt) return state
  const spec = playbook.follow_ups
  const step = spec?.steps[planned.step]
  if (spec === undefined || step === undefined) return { ...state, followUp: undefined }
  const hours = businessHoursOf(playbook)
  const when = sendableAt(spec, hours, now())
  if (when === undefined) return { ...state, followUp: undefined }
  // The business hours changed since it was planned: wait for them.
  if (when > now()) return { ...state, followUp: { step: planned.step, dueAt: when } }
  const done = (outcome: FollowUpOutcome): ConversationState => {
    observe.followUp(outcome)
    log.info({ ...ids(state.ref), step: planned.step, outcome }, 'Follow-up not sent')
    return { ...state, followUp: undefined }
  }
  if (await deps.isOptedOut(state)) return done('opted_out')
  let conversation: ConversationSeen
  try {
    conversation = await deps.getConversation(state.ref)
  } catch (err) {
    log.warn({ ...ids(state.ref), err }, 'Could not read the conversation for a follow-up; trying later')
    return { ...state, followUp: { step: planned.step, dueAt: now() + RETRY_MS } }
  }
  if (conversation.status !== 'pending') return done('not_pending')
  // WhatsApp's 24 h window (and other channels' rules): Chatwoot says when nothing can be sent.
  if (conversation.canReply === false) return done('cannot_reply')
  const cleared: ConversationState = { ...state, followUp: undefined }
  await deps.commit(cleared, fence)
  const text = leadText(playbook, step.text, state)
  const sent = await deps.send(cleared, text, `sdr-follow-up:${conversationTag(state.ref)}:${planned.step}:${planned.dueAt}`, playbook)
  if (sent === undefined) {
    observe.followUp('failed')
    return cleared
  }
  observe.followUp('sent')
  log.info({ ...ids(state.ref), step: planned.step }, 'Follow-up sent')
  return { ...sent, followUp: planFollowUp(spec, hours, sent, planned.step + 1, lastSpokeAt(sent, now)) }
}

/** A person answered the handed-off lead (or the conversation is resolved): the watchdog has nothing to say. */
export function humanAnswered (conversation: ConversationSeen | undefined): boolean {
  const last = conversation?.lastMessage
  const answered = last !== undefined && last.messageType === 'outgoing' && !last.private && !last.fromAgentBot
  return conversation?.status === 'resolved' || answered
}

async function runWatchdog (deps: ScheduledDeps, state: ConversationState, job: TimerJob, playbook: Playbook, fence: number | undefined): Promise<ConversationState> {
  const { now, observe, log } = deps
  const planned = state.watchdog
  if (planned === undefined || planned.dueAt !== job.dueAt) return state
  const cleared: ConversationState = { ...state, watchdog: undefined }
  if (state.owner !== 'human') return cleared
  let conversation: ConversationSeen | undefined
  try {
    conversation = await deps.getConversation(state.ref)
  } catch (err) {
    // Unknown is not answered: better one alert too many than a lead nobody answers.
    log.warn({ ...ids(state.ref), err }, 'Could not read the conversation for the handoff watchdog')
  }
  if (humanAnswered(conversation)) {
    observe.watchdog('answered')
    return cleared
  }
  await deps.commit(cleared, fence)
  const waitedMinutes = Math.round((now() - planned.since) / 60_000)
  deps.fireWorkflow(cleared, 'handoff_unanswered', 'no_human_answer', `watchdog:${planned.since}`, playbook, {
    handed_off_at: new Date(planned.since).toISOString(),
    waited_minutes: waitedMinutes,
  })
  observe.watchdog('fired')
  log.warn({ ...ids(state.ref), waitedMinutes }, 'Handoff unanswered: no human answered in time')
  const holding = playbook.handoff_watchdog?.holding_message
  if (holding === undefined || conversation?.canReply === false) return cleared
  const text = leadText(playbook, holding, state)
  return await deps.send(cleared, text, `sdr-holding:${conversationTag(state.ref)}:${planned.since}`, playbook) ?? cleared
}
