import type { ContactRef } from '../../stores/contacts.js'
import { addSpend, usageCost } from '../costs.js'
import type { MessageJob } from '../inbound.js'
import { conversationStatusSchema } from '../payloads.js'
import { leadText, type Playbook } from '../playbook.js'
import { conversationTag } from '../ref.js'
import { decide } from '../state-machine.js'
import type { ConversationState, Transition, TurnAnalysis } from '../types.js'
import { handOff, runActions } from './actions.js'
import { attempt, logIds, observed, saveFenced, type WorkerContext } from './context.js'
import { partsOf } from './reply.js'
import { answered, clip, contactOf, messageText, withHistory } from './turn-state.js'

// What the lead's new messages lead to: a turn of the bot (brain → state machine → actions), or,
// when the bot must not answer (a human has it, the lead opted out), only a note of them.

/** What one model call cost, for the turn's log line. */
interface TurnCost { readonly promptTokens: number, readonly completionTokens: number, readonly cost: number }

/** What the brain read of the turn, and the state with its spend counted. */
interface TurnReading {
  readonly current: ConversationState
  readonly analysis: TurnAnalysis
  readonly adapter: string
  readonly cost: TurnCost | undefined
}

/**
 * The lead's messages not yet answered, in a batch: the bot's turn when the conversation is the
 * bot's and the contact did not opt out; else their ids are remembered and a person is told.
 */
export async function answerLeadMessages (
  ctx: WorkerContext,
  state: ConversationState,
  fresh: readonly MessageJob[],
  playbook: Playbook,
  fence: number | undefined
): Promise<{ state: ConversationState, leadTurnRan: boolean }> {
  if (fresh.length === 0) return { state, leadTurnRan: false }
  if (state.owner === 'bot' && state.stage !== 'opted_out') {
    const contact = contactOf(state, fresh)
    // Independent keys: both go out together (one round trip with Redis).
    const optedOut = contact !== undefined && (await Promise.all([
      ctx.contacts.link(contact, conversationTag(state.ref), ctx.conversationTtlSeconds),
      ctx.contacts.isOptedOut(contact),
    ]))[1]
    if (optedOut) return { state: await silentForOptedOut(ctx, state, fresh, contact, playbook), leadTurnRan: false }
    return { state: await leadTurn(ctx, state, fresh, playbook, fence), leadTurnRan: true }
  }
  if (state.stage === 'opted_out' && state.owner === 'bot') {
    // The lead opted out and writes again: the bot stays silent, but a person reads it.
    return { state: await silentForOptedOut(ctx, state, fresh, contactOf(state, fresh), playbook), leadTurnRan: false }
  }
  // A human has it (or the lead opted out): remember the ids, not the words.
  const next = { ...state, answeredMessageIds: answered(state, fresh.map((j) => j.messageId)) }
  if (next.handoffPending !== true || next.stage === 'opted_out') return { state: next, leadTurnRan: false }
  // Our handoff never opened the conversation, so Chatwoot still shows it to the bot and no human
  // sees this lead: try again now that the lead wrote.
  const opened = await handOff(ctx, next, next.handoffReason ?? 'processing_failed', playbook)
  return { state: { ...next, handoffPending: !opened }, leadTurnRan: false }
}

/** A lead who opted out (here, or in an earlier conversation) writes again: a person reads it, the bot says nothing. */
export async function silentForOptedOut (ctx: WorkerContext, state: ConversationState, jobs: readonly MessageJob[], contact: ContactRef | undefined, playbook: Playbook): Promise<ConversationState> {
  const next: ConversationState = {
    ...state,
    stage: 'opted_out',
    owner: 'human',
    handoffReason: 'contact_opted_out',
    contactId: contact?.contactId ?? state.contactId,
    inboxId: jobs.at(-1)?.inboxId ?? state.inboxId,
    answeredMessageIds: answered(state, jobs.map((j) => j.messageId)),
    updatedAt: ctx.now(),
  }
  if (state.stage !== 'opted_out') ctx.observe.transition(state.stage, 'opted_out')
  ctx.log.info(logIds(state.ref), 'The lead opted out earlier: handed to a person without a reply')
  return { ...next, handoffPending: !await handOff(ctx, next, 'contact_opted_out', playbook) }
}

/** One turn of the bot: the lead's messages read by the brain, decided by the state machine, acted on. */
export async function leadTurn (ctx: WorkerContext, state: ConversationState, jobs: readonly MessageJob[], playbook: Playbook, fence: number | undefined): Promise<ConversationState> {
  const last = jobs[jobs.length - 1]
  if (last === undefined) return state
  const key = String(last.messageId)
  const texts = jobs.map(messageText).filter((t) => t !== '').map((t) => clip(t, playbook.limits.max_lead_chars))
  const withMessages = withLeadMessages(state, jobs, texts, playbook)
  await attempt(ctx, 'typing_on', state.ref, () => ctx.chatwoot.setTyping(state.ref, true))
  const reading = await readTurn(ctx, withMessages, texts, playbook)
  const { current } = reading
  const t = decide(current, { type: 'lead_turn', analysis: reading.analysis, at: ctx.now() }, playbook)
  logTurnDecided(ctx, jobs.length, reading, t, playbook)
  // A human may have taken the conversation while the model was thinking: look again before posting.
  if (t.actions.some((a) => a.type === 'reply')) {
    const left = await leftTheBot(ctx, current, playbook)
    if (left !== undefined) return left
  }
  const next = await actOnTurn(ctx, observed(ctx, current, t), key, playbook, fence)
  await attempt(ctx, 'typing_off', state.ref, () => ctx.chatwoot.setTyping(state.ref, false))
  return next
}

/** The state with the lead's messages in: answered ids, contact, inbox, channel and history. */
export function withLeadMessages (state: ConversationState, jobs: readonly MessageJob[], texts: readonly string[], playbook: Playbook): ConversationState {
  const last = jobs[jobs.length - 1]
  if (last === undefined) return state
  const current: ConversationState = {
    ...state,
    contactId: last.contact.id ?? state.contactId,
    inboxId: last.inboxId ?? state.inboxId,
    ...(last.channel !== undefined ? { channel: last.channel } : {}),
    answeredMessageIds: answered(state, jobs.map((j) => j.messageId)),
  }
  return withHistory(current, texts.map((text) => ({ role: 'lead' as const, text, at: last.receivedAt })), playbook)
}

/** What the lead meant, by the brain; only media the bot cannot read get the playbook's media answer. */
async function readTurn (ctx: WorkerContext, current: ConversationState, texts: readonly string[], playbook: Playbook): Promise<TurnReading> {
  if (texts.length === 0) {
    // Only media the bot cannot read (an image, a file, a location, an audio without transcription).
    const analysis: TurnAnalysis = { reply: leadText(playbook, playbook.texts.media_only, current), fields: {}, intent: 'other', language: current.language, confidence: 1 }
    return { current, analysis, adapter: 'none', cost: undefined }
  }
  const result = await ctx.brain.analyze({ state: current, messages: texts, playbook })
  if (result.usage === undefined) return { current, analysis: result.analysis, adapter: result.adapter, cost: undefined }
  // Counted before deciding: the call that spends the budget is the last one this conversation gets.
  const cost: TurnCost = { promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens, cost: usageCost(playbook, result.usage) }
  ctx.observe.llmCost(result.usage.model ?? 'unknown', playbook.costs.currency, cost.cost)
  return { current: addSpend(current, result.usage, playbook), analysis: result.analysis, adapter: result.adapter, cost }
}

/** One line per turn: ids, stages, what the brain read and what the bot does. Never the words. */
function logTurnDecided (ctx: WorkerContext, messages: number, reading: TurnReading, t: Transition, playbook: Playbook): void {
  const { current, analysis, cost } = reading
  ctx.log.info({
    ...logIds(current.ref),
    messages,
    adapter: reading.adapter,
    intent: analysis.intent,
    fieldsFound: Object.keys(analysis.fields).length,
    from: current.stage,
    to: t.next.stage,
    actions: t.actions.map((a) => a.type === 'trigger_workflow' ? `workflow:${a.workflow}` : a.type),
    inboxId: current.inboxId ?? null,
    playbookVersion: playbook.version,
    ...(cost !== undefined ? { tokens: { prompt: cost.promptTokens, completion: cost.completionTokens }, cost: cost.cost, currency: playbook.costs.currency } : {}),
  }, 'Lead turn decided')
}

/**
 * The state when the conversation left the bot while the model was thinking (the reply is then
 * suppressed and Chatwoot's status applied); undefined when it is still the bot's, or unknown.
 */
async function leftTheBot (ctx: WorkerContext, current: ConversationState, playbook: Playbook): Promise<ConversationState | undefined> {
  let status: string | undefined
  try {
    status = (await ctx.chatwoot.getConversation(current.ref)).status
  } catch (err) {
    ctx.log.warn({ ...logIds(current.ref), err }, 'Could not re-check the conversation status; replying anyway')
  }
  if (status === undefined || status === 'pending') return undefined
  ctx.observe.reply('suppressed')
  await attempt(ctx, 'typing_off', current.ref, () => ctx.chatwoot.setTyping(current.ref, false))
  ctx.log.info({ ...logIds(current.ref), status }, 'Reply suppressed: the conversation left the bot while it was thinking')
  const parsed = conversationStatusSchema.safeParse(status)
  return parsed.success ? observed(ctx, current, decide(current, { type: 'chatwoot_status', status: parsed.data, at: ctx.now() }, playbook)).next : current
}

/** Writes the decided actions down (durable queue), then runs them. */
async function actOnTurn (ctx: WorkerContext, decided: Transition, key: string, playbook: Playbook, fence: number | undefined): Promise<ConversationState> {
  // The reply's parts are cut once, here: a run that takes over posts the same parts, whatever
  // playbook it has by then.
  const first = decided.actions[0]
  const reply = first?.type === 'reply' ? { parts: partsOf(first.text, decided.next, playbook), landed: 0 } : undefined
  // Durable queue: written down before anything is sent, so a replica that takes over after a
  // crash finishes these actions instead of deciding (and answering) again.
  if (fence !== undefined) await saveFenced(ctx, { ...decided.next, inflight: { key, actions: decided.actions, ...(reply !== undefined ? { reply } : {}) } }, fence)
  return runActions(ctx, decided, key, playbook, { fence, ...(reply !== undefined ? { progress: reply } : {}) })
}
