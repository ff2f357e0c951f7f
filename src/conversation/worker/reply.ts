import { messageChars, pauseBeforeMs, showsTyping, splitForChat } from '../pacing.js'
import type { Playbook } from '../playbook.js'
import { conversationTag, type ConversationRef } from '../ref.js'
import type { Action, ConversationState, ReplyProgress } from '../types.js'
import { attempt, logIds, saveProgress, type WorkerContext } from './context.js'
import { newestKnown, whatWasSaid, withSent } from './turn-state.js'

// Posting the bot's public messages: a turn's reply, or a message outside a turn (a follow-up), in
// several parts when long (pacing.ts), each part once, the rest dropped when someone writes between.

/** How a run of actions was started: the lease, and a reply already partly posted by an earlier run. */
export interface RunContext {
  readonly fence: number | undefined
  readonly progress?: ReplyProgress
}

/** What posting the parts of a message came to. */
interface PartsOutcome {
  /** Parts that landed, counting those an earlier run posted. */
  readonly landed: number
  /** Id of the newest part posted, when Chatwoot gave one. */
  readonly lastId: number | undefined
  /** `cut_short`: the lead wrote or a human took over before the rest; `failed`: a part could not be posted. */
  readonly end: 'complete' | 'cut_short' | 'failed'
}

interface PostOptions {
  readonly echoId: (part: number) => string
  readonly items: Array<{ title: string, value: string }> | undefined
  /** The newest message known to exist before the first part (for the client's check of a retried send). */
  readonly after: number
  readonly playbook: Playbook
  /** Called after each part lands: the durable queue writes the progress down. */
  readonly onLanded: ((landed: number, lastId: number | undefined) => Promise<void>) | undefined
}

type ReplyAction = Extract<Action, { type: 'reply' }>

/** The parts a text goes out as, on this conversation's channel. */
export function partsOf (text: string, state: ConversationState, playbook: Playbook): string[] {
  const parts = splitForChat(text, messageChars(playbook.pacing, state.channel), playbook.pacing.max_parts)
  return parts.length > 0 ? parts : [text]
}

/**
 * Posts a turn's reply, as one message or several (pacing.ts); the state it returns remembers
 * what landed (history, the newest bot message id). `delivered` is false when a part that was due
 * could not be posted: the lead got nothing, or only the beginning.
 */
export async function sendReply (
  ctx: WorkerContext,
  state: ConversationState,
  action: ReplyAction,
  key: string,
  playbook: Playbook,
  run: RunContext & { actions?: readonly Action[] }
): Promise<{ state: ConversationState, delivered: boolean }> {
  // The message's time is when it went out, not when Chatwoot's answer came back: a follow-up
  // counts the lead's quiet time from it, however slow the answer.
  const at = ctx.now()
  const progress = run.progress ?? { parts: partsOf(action.text, state, playbook), landed: 0 }
  const tag = conversationTag(state.ref)
  const result = await postParts(ctx, state, progress, {
    // One reply per lead turn, one id per part: the same key on a retry lets the client recognise
    // a part already posted. Part 0 keeps the id a reply in one message always had.
    echoId: (i) => i === 0 ? `sdr:${tag}:${key}` : `sdr:${tag}:${key}:${i}`,
    items: action.choices?.map((c) => ({ title: c.title, value: c.value })),
    after: newestKnown(state, key),
    playbook,
    onLanded: progressRecorder(ctx, state, key, progress.parts, run),
  })
  const said = whatWasSaid(action.text, progress.parts, result.landed)
  const next = result.landed > 0 ? withSent(state, said, result.lastId, at, playbook) : state
  if (result.end === 'failed') {
    ctx.observe.reply('failed')
    ctx.log.error({ ...logIds(state.ref), part: result.landed + 1, parts: progress.parts.length }, 'Reply could not be delivered')
    return { state: next, delivered: false }
  }
  ctx.observe.reply(result.end === 'complete' ? 'sent' : 'cut_short')
  return { state: next, delivered: true }
}

/** Durable queue: each landed part is written down, so a run that takes over posts only the rest. */
function progressRecorder (
  ctx: WorkerContext,
  state: ConversationState,
  key: string,
  parts: readonly string[],
  run: RunContext & { actions?: readonly Action[] }
): PostOptions['onLanded'] {
  const { fence, actions } = run
  if (fence === undefined || actions === undefined) return undefined
  return async (landed, lastId) => {
    const saved = lastId === undefined ? state : { ...state, lastBotMessageId: Math.max(state.lastBotMessageId ?? 0, lastId) }
    await saveProgress(ctx, { ...saved, inflight: { key, actions, reply: { parts, landed } } }, fence)
  }
}

/** A public bot message outside a lead turn (a follow-up, a holding message), in parts when long. */
export async function sendText (ctx: WorkerContext, state: ConversationState, text: string, echoId: string, playbook: Playbook): Promise<ConversationState | undefined> {
  const at = ctx.now()
  const parts = partsOf(text, state, playbook)
  const result = await postParts(ctx, state, { parts, landed: 0 }, {
    echoId: (i) => i === 0 ? echoId : `${echoId}:${i}`,
    items: undefined,
    after: Math.max(state.lastBotMessageId ?? 0, ...state.answeredMessageIds),
    playbook,
    onLanded: undefined,
  })
  if (result.landed === 0) {
    ctx.log.warn(logIds(state.ref), 'Scheduled message could not be delivered')
    return undefined
  }
  if (result.end === 'failed') ctx.log.warn({ ...logIds(state.ref), part: result.landed + 1, parts: parts.length }, 'Scheduled message delivered in part')
  return withSent(state, whatWasSaid(text, parts, result.landed), result.lastId, at, playbook)
}

/**
 * Posts the parts not yet landed, in order: before each next one, typing (where the channel shows
 * it), a pause that grows with its length, and a look at whether the lead wrote again or a human
 * took over, which drops the rest. Quick replies go with the last part. A part that fails (after
 * the client's retries, which never post a part twice) ends it.
 */
async function postParts (ctx: WorkerContext, state: ConversationState, progress: ReplyProgress, o: PostOptions): Promise<PartsOutcome> {
  const { parts } = progress
  const { chatwoot } = ctx
  let landed = progress.landed
  let lastId: number | undefined
  let after = o.after
  let end: PartsOutcome['end'] = 'complete'
  let typed = false
  for (let i = progress.landed; i < parts.length; i++) {
    const part = parts[i] as string
    if (i > 0) {
      typed = await beforeNextPart(ctx, state, part, o.playbook) || typed
      const why = await interruption(ctx, state.ref, after)
      if (why !== undefined) {
        ctx.log.info({ ...logIds(state.ref), why, sent: landed, parts: parts.length }, 'Reply cut short: the rest is not sent')
        end = 'cut_short'
        break
      }
    }
    let id: number | undefined
    try {
      const last = i === parts.length - 1
      id = (await chatwoot.sendMessage(state.ref, {
        content: part,
        ...(last && o.items !== undefined ? { items: o.items } : {}),
        echoId: o.echoId(i),
        afterMessageId: after,
      })).id
    } catch (err) {
      ctx.log.warn({ ...logIds(state.ref), err, part: i + 1, parts: parts.length }, 'A message part could not be posted')
      end = 'failed'
      break
    }
    landed = i + 1
    if (id !== undefined) {
      lastId = id
      after = Math.max(after, id)
    }
    await o.onLanded?.(landed, lastId)
  }
  if (typed) await attempt(ctx, 'typing_off', state.ref, () => chatwoot.setTyping(state.ref, false))
  return { landed, lastId, end }
}

/** Typing (where the channel shows it) and the pause before a next part; true when typing was switched on. */
async function beforeNextPart (ctx: WorkerContext, state: ConversationState, part: string, playbook: Playbook): Promise<boolean> {
  const typed = showsTyping(state.channel) && await attempt(ctx, 'typing_on', state.ref, () => ctx.chatwoot.setTyping(state.ref, true))
  if (ctx.replyPauses !== false) await pause(pauseBeforeMs(part, playbook.pacing))
  return typed
}

/**
 * Why the rest of a reply should not be sent, if it should not: the lead wrote again (waiting in
 * the lane, or the newest message in Chatwoot), an agent wrote, or the conversation left the bot.
 * Unknown (Chatwoot did not answer) is not a reason: the bot goes on, as a reply does.
 */
export async function interruption (ctx: WorkerContext, ref: ConversationRef, after: number): Promise<'lead_wrote' | 'agent_wrote' | 'not_pending' | undefined> {
  try {
    if (await ctx.hasNewLeadMessage?.(ref) === true) return 'lead_wrote'
  } catch (err) {
    ctx.log.warn({ ...logIds(ref), err }, 'Could not look for a new lead message between reply parts')
  }
  let info: Awaited<ReturnType<WorkerContext['chatwoot']['getConversation']>>
  try {
    info = await ctx.chatwoot.getConversation(ref)
  } catch (err) {
    ctx.log.warn({ ...logIds(ref), err }, 'Could not re-check the conversation between reply parts; going on')
    return undefined
  }
  if (info.status !== 'pending') return 'not_pending'
  const last = info.lastMessage
  if (last === undefined || last.id <= after || last.private) return undefined
  if (last.messageType === 'incoming') return 'lead_wrote'
  if (last.messageType === 'outgoing' && !last.fromAgentBot) return 'agent_wrote'
  return undefined
}

/** The pause before a next part of a reply. */
function pause (ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))
}
