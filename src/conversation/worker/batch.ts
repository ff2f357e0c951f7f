import type { ConversationJob, MessageJob, TimerJob } from '../inbound.js'
import type { Playbook } from '../playbook.js'
import type { ConversationRef } from '../ref.js'
import { initialState, type ConversationState } from '../types.js'
import { handOff } from './actions.js'
import { attempt, logIds, reportCost, saveFenced, withRetries, type BatchContext, type WorkerContext } from './context.js'
import { eraseConversationData } from './erasure.js'
import { answerLeadMessages } from './lead-turn.js'
import { FencedOutError } from './ports.js'
import { resumeInterruptedTurn } from './resume.js'
import { sortBatch, type BatchNote } from './batch-order.js'
import { answered, contactOf } from './turn-state.js'

// One batch of one conversation's jobs (the queue runs one batch at a time per conversation):
// load the state, finish an interrupted turn, sort the jobs, run the lead's turn and due timers,
// then plan the follow-ups and save under the lease.

/** The state a batch starts from, with the playbook of its inbox. */
interface Loaded {
  readonly state: ConversationState
  /** Undefined for a conversation the bot never saved. */
  readonly loaded: ConversationState | undefined
  readonly playbook: Playbook
}

export async function handleBatch (ctx: BatchContext, jobs: readonly ConversationJob[], fence: number | undefined): Promise<void> {
  const first = jobs[0]
  if (first === undefined) return
  const started = ctx.now()
  const ref = first.ref
  const start = await loadBatchState(ctx, ref, jobs, fence, started)
  if (start === undefined) return
  const { loaded, playbook } = start
  const sorted = sortBatch(start.state, jobs, playbook)
  noteBatch(ctx, ref, sorted.notes)
  if (sorted.erase !== undefined) {
    await eraseConversationData(ctx, sorted.state, 'admin', sorted.erase.contactId)
    return
  }
  const { fresh } = sorted
  // An agent's message or a timer in a conversation the bot never had: nothing of ours to keep.
  if (loaded === undefined && fresh.length === 0 && !jobs.some((j) => j.kind === 'status')) return
  const before = sorted.state
  const turn = await runTurns(ctx, before, fresh, sorted.due, playbook, fence)
  let state = turn.state
  if (state.eraseRequested === true) {
    await eraseConversationData(ctx, state, 'lead', state.contactId)
    return
  }
  if (before.stage !== 'opted_out' && state.stage === 'opted_out') {
    // Silent from now on in every conversation of this contact, not only this one.
    const contact = contactOf(state, fresh)
    if (contact !== undefined) await attempt(ctx, 'opt_out_contact', ref, () => ctx.contacts.optOut(contact))
  }
  const ourHandoff = before.owner === 'bot' && state.owner === 'human'
  // Our own handoff: Chatwoot's time of it comes with its "open" event; until then no lead
  // message may be read as a handback (one sent before the handoff can arrive after it).
  if (ourHandoff) state = { ...state, statusAt: undefined }
  state = ctx.scheduled.plan(reportCost(ctx, state), playbook, { leadTurn: turn.leadTurnRan, ourHandoff: ourHandoff && state.handoffReason !== undefined })
  await saveBatch(ctx, loaded, state, fence)
  if (fresh.length > 0) ctx.observe.turn(ctx.now() - started)
}

/**
 * The conversation's state (a turn an interrupted run left finished first) and playbook. Undefined
 * when the state cannot be read: a person then takes a conversation a lead wrote in.
 */
async function loadBatchState (ctx: WorkerContext, ref: ConversationRef, jobs: readonly ConversationJob[], fence: number | undefined, started: number): Promise<Loaded | undefined> {
  const jobInbox = inboxOf(jobs)
  // Chosen once per batch, by the conversation's inbox: a reload mid-turn never mixes two scripts.
  let playbook = ctx.playbook(jobInbox)
  try {
    const loaded = await withRetries(() => ctx.states.load(ref))
    if (jobInbox === undefined && loaded?.inboxId !== undefined) playbook = ctx.playbook(loaded.inboxId)
    let state = loaded ?? initialState(ref, playbook.language, started)
    if (state.inflight !== undefined) state = await resumeInterruptedTurn(ctx, state, playbook, fence)
    return { state, loaded, playbook }
  } catch (err) {
    // Without its state the bot could repeat itself or talk over a human: a person takes it.
    ctx.log.error({ ...logIds(ref), err }, 'Conversation state unavailable; handing off')
    if (jobs.some((j) => j.kind === 'message')) {
      await handOff(ctx, { ...initialState(ref, playbook.language, started), stage: 'handoff', owner: 'human' }, 'processing_failed', playbook)
    }
    return undefined
  }
}

/** The inbox a batch's messages came through, when one says. */
function inboxOf (jobs: readonly ConversationJob[]): number | undefined {
  return jobs.find((j): j is MessageJob => j.kind === 'message' && j.inboxId !== undefined)?.inboxId
}

/** Counts and logs what sorting the batch found. */
function noteBatch (ctx: WorkerContext, ref: ConversationRef, notes: readonly BatchNote[]): void {
  for (const note of notes) {
    if (note.type === 'transition') ctx.observe.transition(note.from, note.to)
    else if (note.type === 'watchdog_answered') ctx.observe.watchdog('answered')
    else if (note.type === 'late_status') ctx.log.info({ ...logIds(ref), status: note.status }, 'Late status event ignored')
    else ctx.log.info(logIds(ref), 'Conversation handed back (seen on a lead message)')
  }
}

/** The lead's turn and the due timers; a failure hands the conversation to a person rather than drop what the lead wrote. */
async function runTurns (
  ctx: BatchContext,
  state: ConversationState,
  fresh: readonly MessageJob[],
  due: readonly TimerJob[],
  playbook: Playbook,
  fence: number | undefined
): Promise<{ state: ConversationState, leadTurnRan: boolean }> {
  let current = state
  let leadTurnRan = false
  try {
    const answer = await answerLeadMessages(ctx, current, fresh, playbook, fence)
    current = answer.state
    leadTurnRan = answer.leadTurnRan
    for (const job of due) current = await ctx.scheduled.run(current, job, playbook, fence)
  } catch (err) {
    if (err instanceof FencedOutError) throw err
    // Nothing a lead wrote is dropped silently: hand the conversation to a human with a note.
    ctx.log.error({ ...logIds(state.ref), err }, 'Conversation turn failed; handing off')
    const failed: ConversationState = { ...current, stage: 'handoff', owner: 'human', handoffReason: 'processing_failed', updatedAt: ctx.now() }
    current = { ...failed, handoffPending: !await handOff(ctx, failed, 'processing_failed', playbook) }
  }
  return { state: current, leadTurnRan }
}

/** Saves the batch's state under the lease, then makes the timers match its plans. */
async function saveBatch (ctx: BatchContext, loaded: ConversationState | undefined, state: ConversationState, fence: number | undefined): Promise<void> {
  try {
    await saveFenced(ctx, { ...state, inflight: undefined, updatedAt: ctx.now() }, fence)
    await ctx.scheduled.sync(loaded, state)
  } catch (err) {
    if (err instanceof FencedOutError) throw err
    // The lead was answered; dedupe still stops a redelivery from being answered twice.
    ctx.log.error({ ...logIds(state.ref), err }, 'Conversation state could not be saved')
  }
}

/** A batch that kept failing: nothing more is tried, a person takes the conversation with a note. */
export async function giveUpBatch (ctx: WorkerContext, jobs: readonly ConversationJob[]): Promise<void> {
  const first = jobs[0]
  const messageIds = jobs.flatMap((j) => j.kind === 'message' ? [j.messageId] : [])
  if (first === undefined || messageIds.length === 0) return
  const jobInbox = inboxOf(jobs)
  let playbook = ctx.playbook(jobInbox)
  let state = initialState(first.ref, playbook.language, ctx.now())
  try {
    state = await ctx.states.load(first.ref) ?? state
    if (jobInbox === undefined && state.inboxId !== undefined) playbook = ctx.playbook(state.inboxId)
  } catch (err) {
    ctx.log.warn({ ...logIds(first.ref), err }, 'Conversation state unavailable while giving up a batch')
  }
  // A person already has it: nothing to hand over.
  if (state.owner !== 'bot' && state.handoffPending !== true) return
  ctx.log.error({ ...logIds(first.ref), messages: messageIds.length }, 'Conversation batch failed on every attempt; handing off')
  const failed: ConversationState = {
    ...state,
    stage: 'handoff',
    owner: 'human',
    handoffReason: 'processing_failed',
    inflight: undefined,
    answeredMessageIds: answered(state, messageIds),
    updatedAt: ctx.now(),
  }
  ctx.observe.transition(state.stage, 'handoff')
  const opened = await handOff(ctx, failed, 'processing_failed', playbook)
  await ctx.states.save(reportCost(ctx, { ...failed, handoffPending: !opened })).catch((err: unknown) => {
    ctx.log.error({ ...logIds(first.ref), err }, 'Conversation state could not be saved')
  })
}
