import { replyLanded } from '../../lib/reply-landed.js'
import type { Playbook } from '../playbook.js'
import type { ConversationRef } from '../ref.js'
import { decide } from '../state-machine.js'
import type { Action, ConversationState, ReplyProgress } from '../types.js'
import { runActions } from './actions.js'
import { logIds, observed, type WorkerContext } from './context.js'
import { botPartEnded, newestKnown, whatWasSaid, withSent } from './turn-state.js'

// A replica that decided a turn wrote its actions down (the state's `inflight`) before doing them;
// when it died midway, the next run finishes them instead of deciding, and answering, again.

type Landed = { verdict: 'yes', id?: number } | { verdict: 'no' | 'unknown' }

/**
 * Finishes the actions of a turn that a replica decided but did not live to complete. A reply in
 * several messages goes on from the first part not known to have landed (a state saved before
 * replies had parts holds the reply as one).
 */
export async function resumeInterruptedTurn (ctx: WorkerContext, state: ConversationState, playbook: Playbook, fence: number | undefined): Promise<ConversationState> {
  const inflight = state.inflight
  if (inflight === undefined) return state
  const base: ConversationState = { ...state, inflight: undefined }
  const { key, actions } = inflight
  const [first, ...rest] = actions
  if (first?.type !== 'reply') return runActions(ctx, { next: base, actions }, key, playbook, { fence })
  const progress = inflight.reply ?? { parts: [first.text], landed: 0 }
  const pending = progress.parts[progress.landed]
  const check: Landed = pending === undefined ? { verdict: 'yes' } : await landedInChatwoot(ctx, state.ref, pending, newestKnown(state, key))
  ctx.log.info({ ...logIds(state.ref), landed: check.verdict, part: progress.landed + 1, parts: progress.parts.length }, 'Finishing a turn an interrupted run left')
  const goOn = (from: ConversationState, landedParts: number) =>
    runActions(ctx, { next: from, actions }, key, playbook, { fence, progress: { parts: progress.parts, landed: landedParts } })
  const thenRest = (from: ConversationState) => runActions(ctx, { next: from, actions: rest }, key, playbook, { fence })
  if (check.verdict === 'no') return goOn(base, progress.landed)
  if (check.verdict === 'yes') {
    const known = check.id === undefined ? base : { ...base, lastBotMessageId: Math.max(base.lastBotMessageId ?? 0, check.id) }
    const landedParts = Math.min(progress.parts.length, progress.landed + 1)
    if (landedParts < progress.parts.length) return goOn(known, landedParts)
    return thenRest(withSent(known, first.text, undefined, ctx.now(), playbook))
  }
  return afterUnknownDelivery(ctx, base, first, progress, thenRest, { key, playbook, fence })
}

/** Nobody can tell whether the pending part landed: what is known to have landed counts, and a person looks if it was nothing. */
async function afterUnknownDelivery (
  ctx: WorkerContext,
  base: ConversationState,
  reply: Extract<Action, { type: 'reply' }>,
  progress: ReplyProgress,
  thenRest: (from: ConversationState) => Promise<ConversationState>,
  turn: { key: string, playbook: Playbook, fence: number | undefined }
): Promise<ConversationState> {
  if (progress.landed > 0) {
    // Someone wrote after the parts that landed (the lead, an agent): the rest is dropped, as it
    // would have been had the run lived, and the beginning counts as said.
    ctx.observe.reply('cut_short')
    return thenRest(withSent(base, whatWasSaid(reply.text, progress.parts, progress.landed), undefined, ctx.now(), turn.playbook))
  }
  const after = await thenRest(base)
  if (botPartEnded(after)) return after
  // Whether the lead got that answer cannot be known: a person looks, rather than the bot risk answering twice.
  return runActions(ctx, observed(ctx, after, decide(after, { type: 'delivery_failed', at: ctx.now() }, turn.playbook)), turn.key, turn.playbook, { fence: turn.fence })
}

/** Did a message of a turn cut short by a crash reach Chatwoot? (lib/reply-landed.ts) With its id when it did. */
async function landedInChatwoot (ctx: WorkerContext, ref: ConversationRef, text: string, key: number): Promise<Landed> {
  try {
    const newest = (await ctx.chatwoot.getConversation(ref)).lastMessage
    const verdict = replyLanded(newest, { text, private: false, afterMessageId: key })
    return verdict === 'yes' && newest !== undefined ? { verdict, id: newest.id } : { verdict }
  } catch (err) {
    ctx.log.warn({ ...logIds(ref), err }, 'Could not read the conversation to finish an interrupted turn')
    return { verdict: 'unknown' }
  }
}
