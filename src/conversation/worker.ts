import type { Brain } from './brain.js'
import { addSpend, unreportedCost, usageCost } from './costs.js'
import type { ConversationJob, EraseJob, MessageJob, TimerJob } from './inbound.js'
import { conversationTag, type ConversationRef } from './ref.js'
import { createScheduledWork, type FollowUpOutcome, type TimerPort, type WatchdogOutcome } from './scheduled.js'
import type { ContactRef } from '../stores/contacts.js'
import { messageChars, pauseBeforeMs, showsTyping, splitForChat } from './pacing.js'
import { conversationStatusSchema } from './payloads.js'
import { businessHoursOf, leadText, type Playbook } from './playbook.js'
import { decide } from './state-machine.js'
import { replyLanded, type NewestMessage } from '../lib/reply-landed.js'
import { handoffNote } from './handoff-note.js'
import { qualificationAttributes } from './lead-fields.js'
import { erasurePayload, workflowPayload } from './workflow-payloads.js'
import {
  initialState,
  type Action,
  type ConversationState,
  type HandoffReason,
  type HistoryEntry,
  type ReplyProgress,
  type Transition,
  type TurnAnalysis,
  type Workflow,
} from './types.js'

// Runs one turn of a conversation: load state → brain → state machine → actions → save.
// Everything it talks to comes in as a narrow port, so this file knows no HTTP, Redis or Fastify.

export interface ChatwootPort {
  /** Resolves with the posted message's id when Chatwoot gave one. */
  sendMessage (ref: ConversationRef, msg: { content: string, private?: boolean, items?: Array<{ title: string, value: string }>, echoId: string, afterMessageId?: number }): Promise<{ id: number | undefined }>
  toggleStatus (ref: ConversationRef, status: 'open'): Promise<unknown>
  setTyping (ref: ConversationRef, on: boolean): Promise<unknown>
  getConversation (ref: ConversationRef): Promise<{ status: string, canReply?: boolean, lastMessage?: NewestMessage }>
  mergeCustomAttributes (ref: ConversationRef, patch: Record<string, unknown>): Promise<unknown>
  addLabels (ref: ConversationRef, labels: string[]): Promise<unknown>
  updateContact (accountId: number, contactId: number, patch: { name?: string, email?: string, phone_number?: string }): Promise<unknown>
}

export interface WorkflowPort {
  trigger (workflow: Workflow, payload: Record<string, unknown>, idempotencyKey: string): Promise<unknown>
}

export interface ConversationStatePort {
  load (ref: ConversationRef): Promise<ConversationState | undefined>
  /** False when a save under a newer fencing token happened: another replica has the conversation. */
  save (state: ConversationState, fence?: number): Promise<boolean>
}

/** Another replica holds the conversation now (our lease ran out): stop before doing anything more. */
export class FencedOutError extends Error {
  constructor () {
    super('conversation lease lost to another replica')
    this.name = 'FencedOutError'
  }
}

export interface WorkerObserver {
  transition (from: string, to: string): void
  qualified (): void
  handoff (reason: HandoffReason, ok: boolean): void
  /**
   * `cut_short`: a reply in several messages whose later ones were dropped because the lead wrote
   * again or a human took over in between (what landed counts as said).
   */
  reply (outcome: 'sent' | 'failed' | 'suppressed' | 'cut_short'): void
  /** `queued`: stored in the durable outbox, which reports the send itself. */
  workflow (workflow: Workflow, outcome: 'sent' | 'not_configured' | 'failed' | 'queued'): void
  turn (durationMs: number): void
  /** One model call's estimated cost, by the playbook's price table. */
  llmCost (model: string, currency: string, amount: number): void
  /** A conversation's cost when the bot's part of it ends (handoff, qualified, disqualified, opted out). */
  conversationCost (currency: string, amount: number): void
  followUp (outcome: FollowUpOutcome): void
  watchdog (outcome: WatchdogOutcome): void
  erasure (requestedBy: 'lead' | 'admin'): void
}

/** What we keep per contact across conversations (stores/contacts.ts). */
export interface ContactPort {
  optOut (contact: ContactRef): Promise<void>
  isOptedOut (contact: ContactRef): Promise<boolean>
  link (contact: ContactRef, conversationTag: string, ttlSeconds: number): Promise<void>
  forget (contact: ContactRef): Promise<void>
}

export interface WorkerLogger {
  info (obj: object, msg: string): void
  warn (obj: object, msg: string): void
  error (obj: object, msg: string): void
}

export interface WorkerOptions {
  /** The playbook of a conversation's inbox (the default one when unknown), as of now. */
  readonly playbook: (inboxId: number | undefined) => Playbook
  readonly brain: Brain
  readonly chatwoot: ChatwootPort
  readonly workflows: WorkflowPort
  readonly states: ConversationStatePort
  readonly now: () => number
  readonly log: WorkerLogger
  readonly observe: WorkerObserver
  readonly chatwootBaseUrl: string | undefined
  readonly timers: TimerPort
  readonly contacts: ContactPort
  /** Erasure: drops every key of the conversation in the stores, its state included. */
  readonly eraseConversation: (ref: ConversationRef) => Promise<number>
  /** How long a conversation's state lives idle: the contact's index of it lives as long. */
  readonly conversationTtlSeconds: number
  /**
   * Whether a message of the lead waits in the conversation's lane (the queue): the rest of a reply
   * in several messages is dropped. Unset: only Chatwoot's newest message tells.
   */
  readonly hasNewLeadMessage?: (ref: ConversationRef) => Promise<boolean>
  /** false: the parts of a long reply go out without the playbook's pauses (tests, evals). Default true. */
  readonly replyPauses?: boolean
}

/** How a run of actions was started: the lease, and a reply already partly posted by an earlier run. */
interface RunContext {
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

const ANSWERED_IDS_KEPT = 100

export interface ConversationWorker {
  /**
   * Runs one batch of jobs of one conversation (the queue guarantees one batch at a time per
   * conversation). `fence` is the durable queue's lease token: state is saved only under it.
   */
  handle (lane: string, jobs: readonly ConversationJob[], fence?: number): Promise<void>
  /** A batch that kept failing: nothing more is tried, a person takes the conversation with a note. */
  giveUp (lane: string, jobs: readonly ConversationJob[]): Promise<void>
  /** Resolves when background workflow calls have settled (or the bound passed). */
  drain (timeoutMs: number): Promise<void>
  /** Tells n8n a contact was erased when no conversation of theirs was left to erase. */
  notifyErased (contact: ContactRef): void
}

/** What the lead sent, as text: an audio's transcription counts; other media say what they are. */
export function messageText (job: MessageJob): string {
  const parts = [job.text.trim(), ...job.attachments.map((a) => a.transcribedText?.trim() ?? '')].filter((s) => s !== '')
  return parts.join('\n')
}

/** The bot's part of the conversation is over: a human has it, or the lead left the funnel. */
function botPartEnded (state: ConversationState): boolean {
  return state.owner === 'human' || state.stage === 'disqualified' || state.stage === 'opted_out'
}

export function createConversationWorker (opts: WorkerOptions): ConversationWorker {
  const { brain, chatwoot, workflows, states, now, log, observe } = opts
  const background = new Set<Promise<void>>()

  const ids = (ref: ConversationRef) => ({ accountId: ref.accountId, conversationId: ref.conversationId })

  const track = (p: Promise<void>): void => {
    background.add(p)
    p.finally(() => background.delete(p)).catch(() => {})
  }

  /** Side calls that must not cost the lead an answer: logged and counted when they fail. */
  const attempt = async (what: string, ref: ConversationRef, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn()
      return true
    } catch (err) {
      log.warn({ ...ids(ref), err, action: what }, 'Conversation action failed')
      return false
    }
  }

  const fireWorkflow = (state: ConversationState, workflow: Workflow, reason: string, key: string, playbook: Playbook, extra: Record<string, unknown> = {}): void => {
    const at = now()
    const payload = workflow === 'data_erased'
      ? erasurePayload(state.ref, state.contactId, reason === 'admin_request' ? 'admin' : 'lead', at)
      : { ...workflowPayload(state, workflow, reason, playbook, opts.chatwootBaseUrl, at), ...hoursFields(workflow, playbook, at), ...extra }
    trigger(workflow, payload, `${conversationTag(state.ref)}:${workflow}:${key}`, ids(state.ref))
  }

  /** In the background (drain waits for it), counted, and logged with ids only when it fails. */
  const trigger = (workflow: Workflow, payload: Record<string, unknown>, key: string, logIds: Record<string, number>): void => {
    track((async () => {
      try {
        const result = await workflows.trigger(workflow, payload, key)
        observe.workflow(workflow, result === 'not_configured' || result === 'queued' ? result : 'sent')
      } catch (err) {
        observe.workflow(workflow, 'failed')
        log.warn({ ...logIds, err, workflow }, 'Workflow trigger failed')
      }
    })())
  }

  const handOff = async (state: ConversationState, reason: HandoffReason, playbook: Playbook): Promise<boolean> => {
    const noteOk = await attempt('handoff_note', state.ref, () => chatwoot.sendMessage(state.ref, {
      content: handoffNote(state, reason, playbook),
      private: true,
      echoId: `sdr-note:${conversationTag(state.ref)}:${state.updatedAt}`,
    }))
    const statusOk = await attempt('toggle_status', state.ref, () => chatwoot.toggleStatus(state.ref, 'open'))
    observe.handoff(reason, statusOk)
    if (!statusOk) log.error({ ...ids(state.ref), reason, noteOk }, 'Handoff failed: the conversation may stay with the bot')
    return statusOk
  }

  /** Runs the state machine's actions in order: the reply first, so nothing else can delay it. */
  const run = async (t: Transition, key: string, playbook: Playbook, ctx: RunContext): Promise<ConversationState> => {
    let state = t.next
    const workflowsToFire: Array<{ workflow: Workflow, reason: string }> = []
    for (const [index, action] of t.actions.entries()) {
      switch (action.type) {
        case 'reply': {
          // Only a turn's first action is finished by a run that takes over (resume): only then is progress kept.
          const sent = await sendReply(state, action, key, playbook, index === 0 ? { ...ctx, actions: t.actions } : { fence: undefined })
          state = sent.state
          if (!sent.delivered && !settlesWithoutReply(t)) {
            // The lead would be left without an answer (or with part of one): a person takes over.
            const failed = decide(state, { type: 'delivery_failed', at: now() }, playbook)
            if (failed.next.stage !== state.stage) observe.transition(state.stage, failed.next.stage)
            return run(failed, key, playbook, { fence: ctx.fence })
          }
          // Otherwise the turn's own handoff, opt-out or disqualification still runs without the text.
          break
        }
        case 'record_qualification':
          await attempt('custom_attributes', state.ref, () => chatwoot.mergeCustomAttributes(state.ref, qualificationAttributes(state, playbook)))
          break
        case 'add_labels':
          await attempt('labels', state.ref, () => chatwoot.addLabels(state.ref, [...action.labels]))
          break
        case 'update_contact': {
          const contactId = state.contactId
          const patch = contactPatch(state)
          if (contactId !== undefined && Object.keys(patch).length > 0) {
            await attempt('update_contact', state.ref, () => chatwoot.updateContact(state.ref.accountId, contactId, patch))
          }
          break
        }
        case 'handoff': {
          const opened = await handOff(state, action.reason, playbook)
          state = { ...state, handoffPending: !opened }
          break
        }
        case 'trigger_workflow':
          if (action.workflow === 'lead_qualified') observe.qualified()
          workflowsToFire.push({ workflow: action.workflow, reason: action.reason })
          break
      }
    }
    for (const w of workflowsToFire) fireWorkflow(state, w.workflow, w.reason, key, playbook)
    return state
  }

  /** The parts a text goes out as, on this conversation's channel. */
  const partsOf = (text: string, state: ConversationState, playbook: Playbook): string[] => {
    const parts = splitForChat(text, messageChars(playbook.pacing, state.channel), playbook.pacing.max_parts)
    return parts.length > 0 ? parts : [text]
  }

  /**
   * Posts a turn's reply, as one message or several (pacing.ts); the state it returns remembers
   * what landed (history, the newest bot message id). `delivered` is false when a part that was due
   * could not be posted: the lead got nothing, or only the beginning.
   */
  const sendReply = async (
    state: ConversationState,
    action: Extract<Action, { type: 'reply' }>,
    key: string,
    playbook: Playbook,
    ctx: RunContext & { actions?: readonly Action[] }
  ): Promise<{ state: ConversationState, delivered: boolean }> => {
    // The message's time is when it went out, not when Chatwoot's answer came back: a follow-up
    // counts the lead's quiet time from it, however slow the answer.
    const at = now()
    const progress = ctx.progress ?? { parts: partsOf(action.text, state, playbook), landed: 0 }
    const { fence, actions } = ctx
    const result = await postParts(state, progress, {
      // One reply per lead turn, one id per part: the same key on a retry lets the client recognise
      // a part already posted. Part 0 keeps the id a reply in one message always had.
      echoId: (i) => i === 0 ? `sdr:${conversationTag(state.ref)}:${key}` : `sdr:${conversationTag(state.ref)}:${key}:${i}`,
      items: action.choices?.map((c) => ({ title: c.title, value: c.value })),
      after: newestKnown(state, key),
      playbook,
      // Durable queue: each landed part is written down, so a run that takes over posts only the rest.
      onLanded: fence === undefined || actions === undefined
        ? undefined
        : async (landed, lastId) => {
          const saved = lastId === undefined ? state : { ...state, lastBotMessageId: Math.max(state.lastBotMessageId ?? 0, lastId) }
          await saveProgress({ ...saved, inflight: { key, actions, reply: { parts: progress.parts, landed } } }, fence)
        },
    })
    const said = whatWasSaid(action.text, progress.parts, result.landed)
    const next = result.landed > 0 ? withSent(state, said, result.lastId, at, playbook) : state
    if (result.end === 'failed') {
      observe.reply('failed')
      log.error({ ...ids(state.ref), part: result.landed + 1, parts: progress.parts.length }, 'Reply could not be delivered')
      return { state: next, delivered: false }
    }
    observe.reply(result.end === 'complete' ? 'sent' : 'cut_short')
    return { state: next, delivered: true }
  }

  /** A public bot message outside a lead turn (a follow-up, a holding message), in parts when long. */
  const sendText = async (state: ConversationState, text: string, echoId: string, playbook: Playbook): Promise<ConversationState | undefined> => {
    const at = now()
    const parts = partsOf(text, state, playbook)
    const result = await postParts(state, { parts, landed: 0 }, {
      echoId: (i) => i === 0 ? echoId : `${echoId}:${i}`,
      items: undefined,
      after: Math.max(state.lastBotMessageId ?? 0, ...state.answeredMessageIds),
      playbook,
      onLanded: undefined,
    })
    if (result.landed === 0) {
      log.warn(ids(state.ref), 'Scheduled message could not be delivered')
      return undefined
    }
    if (result.end === 'failed') log.warn({ ...ids(state.ref), part: result.landed + 1, parts: parts.length }, 'Scheduled message delivered in part')
    return withSent(state, whatWasSaid(text, parts, result.landed), result.lastId, at, playbook)
  }

  /**
   * Posts the parts not yet landed, in order: before each next one, typing (where the channel shows
   * it), a pause that grows with its length, and a look at whether the lead wrote again or a human
   * took over, which drops the rest. Quick replies go with the last part. A part that fails (after
   * the client's retries, which never post a part twice) ends it.
   */
  const postParts = async (state: ConversationState, progress: ReplyProgress, o: {
    readonly echoId: (part: number) => string
    readonly items: Array<{ title: string, value: string }> | undefined
    readonly after: number
    readonly playbook: Playbook
    readonly onLanded: ((landed: number, lastId: number | undefined) => Promise<void>) | undefined
  }): Promise<PartsOutcome> => {
    const { parts } = progress
    const typing = showsTyping(state.channel)
    let landed = progress.landed
    let lastId: number | undefined
    let after = o.after
    let end: PartsOutcome['end'] = 'complete'
    let typed = false
    for (let i = progress.landed; i < parts.length; i++) {
      const part = parts[i] as string
      if (i > 0) {
        if (typing) typed = await attempt('typing_on', state.ref, () => chatwoot.setTyping(state.ref, true)) || typed
        if (opts.replyPauses !== false) await pause(pauseBeforeMs(part, o.playbook.pacing))
        const why = await interruption(state.ref, after)
        if (why !== undefined) {
          log.info({ ...ids(state.ref), why, sent: landed, parts: parts.length }, 'Reply cut short: the rest is not sent')
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
        log.warn({ ...ids(state.ref), err, part: i + 1, parts: parts.length }, 'A message part could not be posted')
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
    if (typed) await attempt('typing_off', state.ref, () => chatwoot.setTyping(state.ref, false))
    return { landed, lastId, end }
  }

  /**
   * Why the rest of a reply should not be sent, if it should not: the lead wrote again (waiting in
   * the lane, or the newest message in Chatwoot), an agent wrote, or the conversation left the bot.
   * Unknown (Chatwoot did not answer) is not a reason: the bot goes on, as a reply does.
   */
  const interruption = async (ref: ConversationRef, after: number): Promise<'lead_wrote' | 'agent_wrote' | 'not_pending' | undefined> => {
    try {
      if (await opts.hasNewLeadMessage?.(ref) === true) return 'lead_wrote'
    } catch (err) {
      log.warn({ ...ids(ref), err }, 'Could not look for a new lead message between reply parts')
    }
    let info: Awaited<ReturnType<ChatwootPort['getConversation']>>
    try {
      info = await chatwoot.getConversation(ref)
    } catch (err) {
      log.warn({ ...ids(ref), err }, 'Could not re-check the conversation between reply parts; going on')
      return undefined
    }
    if (info.status !== 'pending') return 'not_pending'
    const last = info.lastMessage
    if (last === undefined || last.id <= after || last.private) return undefined
    if (last.messageType === 'incoming') return 'lead_wrote'
    if (last.messageType === 'outgoing' && !last.fromAgentBot) return 'agent_wrote'
    return undefined
  }

  const contactOf = (state: ConversationState, jobs: readonly MessageJob[]): ContactRef | undefined => {
    const contactId = jobs.at(-1)?.contact.id ?? state.contactId
    return contactId === undefined ? undefined : { accountId: state.ref.accountId, contactId }
  }

  const scheduled = createScheduledWork({
    timers: opts.timers,
    getConversation: (ref) => chatwoot.getConversation(ref),
    isOptedOut: async (state) => {
      const contact = contactOf(state, [])
      return contact !== undefined && await opts.contacts.isOptedOut(contact)
    },
    send: sendText,
    fireWorkflow,
    commit: (state, fence) => saveFenced({ ...state, inflight: undefined }, fence),
    observe,
    log,
    now,
  })

  /** A lead who opted out (here, or in an earlier conversation) writes again: a person reads it, the bot says nothing. */
  const silentForOptedOut = async (state: ConversationState, jobs: readonly MessageJob[], contact: ContactRef | undefined, playbook: Playbook): Promise<ConversationState> => {
    const next: ConversationState = {
      ...state,
      stage: 'opted_out',
      owner: 'human',
      handoffReason: 'contact_opted_out',
      contactId: contact?.contactId ?? state.contactId,
      inboxId: jobs.at(-1)?.inboxId ?? state.inboxId,
      answeredMessageIds: answered(state, jobs.map((j) => j.messageId)),
      updatedAt: now(),
    }
    if (state.stage !== 'opted_out') observe.transition(state.stage, 'opted_out')
    log.info(ids(state.ref), 'The lead opted out earlier: handed to a person without a reply')
    return { ...next, handoffPending: !await handOff(next, 'contact_opted_out', playbook) }
  }

  /** LGPD/GDPR erasure of one conversation: its keys, its state, its timers, and the contact's marks. */
  const eraseAll = async (state: ConversationState, requestedBy: 'lead' | 'admin', contactId: number | undefined): Promise<void> => {
    const ref = state.ref
    await opts.eraseConversation(ref)
    await scheduled.clear(ref)
    if (contactId !== undefined) await opts.contacts.forget({ accountId: ref.accountId, contactId })
    observe.erasure(requestedBy)
    // The lead's own request fired its workflow as an action of the turn; the admin's fires here.
    if (requestedBy === 'admin') fireWorkflow({ ...state, contactId }, 'data_erased', 'admin_request', `admin:${now()}`, opts.playbook(state.inboxId))
    log.info({ ...ids(ref), requestedBy }, 'Conversation data erased')
  }

  /** When the bot's part ends, its cost not yet in the per-conversation histogram goes there. */
  const reportCost = (state: ConversationState): ConversationState => {
    if (!botPartEnded(state)) return state
    const due = unreportedCost(state)
    if (due === undefined) return state
    observe.conversationCost(due.currency, due.amount)
    return due.next
  }

  const apply = (state: ConversationState, t: Transition): Transition => {
    if (t.next.stage !== state.stage) observe.transition(state.stage, t.next.stage)
    return t
  }

  /** Saves under the lease; a refusal means another replica has the conversation now. */
  const saveFenced = async (state: ConversationState, fence: number | undefined): Promise<void> => {
    if (!await withRetries(() => states.save(state, fence))) throw new FencedOutError()
  }

  /** A reply's progress: a lost lease stops the reply; a store blip only costs the record (the client's check still guards a retry). */
  const saveProgress = async (state: ConversationState, fence: number): Promise<void> => {
    try {
      await saveFenced(state, fence)
    } catch (err) {
      if (err instanceof FencedOutError) throw err
      log.warn({ ...ids(state.ref), err }, 'Reply progress could not be saved')
    }
  }

  /** Did a message of a turn cut short by a crash reach Chatwoot? (lib/reply-landed.ts) With its id when it did. */
  const landed = async (ref: ConversationRef, text: string, key: number): Promise<{ verdict: 'yes' | 'no' | 'unknown', id?: number }> => {
    try {
      const newest = (await chatwoot.getConversation(ref)).lastMessage
      const verdict = replyLanded(newest, { text, private: false, afterMessageId: key })
      return verdict === 'yes' && newest !== undefined ? { verdict, id: newest.id } : { verdict }
    } catch (err) {
      log.warn({ ...ids(ref), err }, 'Could not read the conversation to finish an interrupted turn')
      return { verdict: 'unknown' }
    }
  }

  /**
   * Finishes the actions of a turn that a replica decided but did not live to complete. A reply in
   * several messages goes on from the first part not known to have landed (a state saved before
   * replies had parts holds the reply as one).
   */
  const resume = async (state: ConversationState, playbook: Playbook, fence: number | undefined): Promise<ConversationState> => {
    const inflight = state.inflight
    if (inflight === undefined) return state
    const base: ConversationState = { ...state, inflight: undefined }
    const [first, ...rest] = inflight.actions
    if (first?.type !== 'reply') return run({ next: base, actions: inflight.actions }, inflight.key, playbook, { fence })
    const progress = inflight.reply ?? { parts: [first.text], landed: 0 }
    const pending = progress.parts[progress.landed]
    const check = pending === undefined ? { verdict: 'yes' as const } : await landed(state.ref, pending, newestKnown(state, inflight.key))
    log.info({ ...ids(state.ref), landed: check.verdict, part: progress.landed + 1, parts: progress.parts.length }, 'Finishing a turn an interrupted run left')
    const goOn = (from: ConversationState, landedParts: number) => run({ next: from, actions: inflight.actions }, inflight.key, playbook, { fence, progress: { parts: progress.parts, landed: landedParts } })
    if (check.verdict === 'no') return goOn(base, progress.landed)
    if (check.verdict === 'yes') {
      const known = check.id === undefined ? base : { ...base, lastBotMessageId: Math.max(base.lastBotMessageId ?? 0, check.id) }
      const landedParts = Math.min(progress.parts.length, progress.landed + 1)
      if (landedParts < progress.parts.length) return goOn(known, landedParts)
      return run({ next: withSent(known, first.text, undefined, now(), playbook), actions: rest }, inflight.key, playbook, { fence })
    }
    if (progress.landed > 0) {
      // Someone wrote after the parts that landed (the lead, an agent): the rest is dropped, as it
      // would have been had the run lived, and the beginning counts as said.
      observe.reply('cut_short')
      const said = withSent(base, whatWasSaid(first.text, progress.parts, progress.landed), undefined, now(), playbook)
      return run({ next: said, actions: rest }, inflight.key, playbook, { fence })
    }
    const after = await run({ next: base, actions: rest }, inflight.key, playbook, { fence })
    if (after.owner === 'human' || after.stage === 'opted_out' || after.stage === 'disqualified') return after
    // Whether the lead got that answer cannot be known: a person looks, rather than the bot risk answering twice.
    return run(apply(after, decide(after, { type: 'delivery_failed', at: now() }, playbook)), inflight.key, playbook, { fence })
  }

  const leadTurn = async (state: ConversationState, jobs: readonly MessageJob[], playbook: Playbook, fence: number | undefined): Promise<ConversationState> => {
    const last = jobs[jobs.length - 1]
    if (last === undefined) return state
    const key = String(last.messageId)
    const texts = jobs.map(messageText).filter((t) => t !== '').map((t) => clip(t, playbook.limits.max_lead_chars))
    let current: ConversationState = {
      ...state,
      contactId: last.contact.id ?? state.contactId,
      inboxId: last.inboxId ?? state.inboxId,
      ...(last.channel !== undefined ? { channel: last.channel } : {}),
      answeredMessageIds: answered(state, jobs.map((j) => j.messageId)),
    }
    current = withHistory(current, texts.map((text) => ({ role: 'lead' as const, text, at: last.receivedAt })), playbook)

    await attempt('typing_on', state.ref, () => chatwoot.setTyping(state.ref, true))
    let analysis: TurnAnalysis
    let adapter = 'none'
    let turnCost: { promptTokens: number, completionTokens: number, cost: number } | undefined
    if (texts.length === 0) {
      // Only media the bot cannot read (an image, a file, a location, an audio without transcription).
      analysis = { reply: leadText(playbook, playbook.texts.media_only, current), fields: {}, intent: 'other', language: current.language, confidence: 1 }
    } else {
      const result = await brain.analyze({ state: current, messages: texts, playbook })
      analysis = result.analysis
      adapter = result.adapter
      if (result.usage !== undefined) {
        // Counted before deciding: the call that spends the budget is the last one this conversation gets.
        current = addSpend(current, result.usage, playbook)
        turnCost = { promptTokens: result.usage.promptTokens, completionTokens: result.usage.completionTokens, cost: usageCost(playbook, result.usage) }
        observe.llmCost(result.usage.model ?? 'unknown', playbook.costs.currency, turnCost.cost)
      }
    }
    const t = decide(current, { type: 'lead_turn', analysis, at: now() }, playbook)
    // One line per turn: ids, stages, what the brain read and what the bot does. Never the words.
    log.info({
      ...ids(state.ref),
      messages: jobs.length,
      adapter,
      intent: analysis.intent,
      fieldsFound: Object.keys(analysis.fields).length,
      from: current.stage,
      to: t.next.stage,
      actions: t.actions.map((a) => a.type === 'trigger_workflow' ? `workflow:${a.workflow}` : a.type),
      inboxId: current.inboxId ?? null,
      playbookVersion: playbook.version,
      ...(turnCost !== undefined ? { tokens: { prompt: turnCost.promptTokens, completion: turnCost.completionTokens }, cost: turnCost.cost, currency: playbook.costs.currency } : {}),
    }, 'Lead turn decided')

    // A human may have taken the conversation while the model was thinking: look again before posting.
    if (t.actions.some((a) => a.type === 'reply')) {
      let status: string | undefined
      try {
        status = (await chatwoot.getConversation(state.ref)).status
      } catch (err) {
        log.warn({ ...ids(state.ref), err }, 'Could not re-check the conversation status; replying anyway')
      }
      if (status !== undefined && status !== 'pending') {
        observe.reply('suppressed')
        await attempt('typing_off', state.ref, () => chatwoot.setTyping(state.ref, false))
        log.info({ ...ids(state.ref), status }, 'Reply suppressed: the conversation left the bot while it was thinking')
        const parsed = conversationStatusSchema.safeParse(status)
        return parsed.success ? apply(current, decide(current, { type: 'chatwoot_status', status: parsed.data, at: now() }, playbook)).next : current
      }
    }
    const decided = apply(current, t)
    // The reply's parts are cut once, here: a run that takes over posts the same parts, whatever
    // playbook it has by then.
    const reply = decided.actions[0]?.type === 'reply' ? { parts: partsOf(decided.actions[0].text, decided.next, playbook), landed: 0 } : undefined
    // Durable queue: written down before anything is sent, so a replica that takes over after a
    // crash finishes these actions instead of deciding (and answering) again.
    if (fence !== undefined) await saveFenced({ ...decided.next, inflight: { key, actions: decided.actions, ...(reply !== undefined ? { reply } : {}) } }, fence)
    const next = await run(decided, key, playbook, { fence, ...(reply !== undefined ? { progress: reply } : {}) })
    await attempt('typing_off', state.ref, () => chatwoot.setTyping(state.ref, false))
    return next
  }

  return {
    async handle (_lane, jobs, fence) {
      const first = jobs[0]
      if (first === undefined) return
      const started = now()
      const ref = first.ref
      const jobInbox = jobs.find((j): j is MessageJob => j.kind === 'message' && j.inboxId !== undefined)?.inboxId
      // Chosen once per batch, by the conversation's inbox: a reload mid-turn never mixes two scripts.
      let playbook = opts.playbook(jobInbox)
      let state: ConversationState
      let loaded: ConversationState | undefined
      try {
        loaded = await withRetries(() => states.load(ref))
        if (jobInbox === undefined && loaded?.inboxId !== undefined) playbook = opts.playbook(loaded.inboxId)
        state = loaded ?? initialState(ref, playbook.language, started)
        if (state.inflight !== undefined) state = await resume(state, playbook, fence)
      } catch (err) {
        // Without its state the bot could repeat itself or talk over a human: a person takes it.
        log.error({ ...ids(ref), err }, 'Conversation state unavailable; handing off')
        if (jobs.some((j) => j.kind === 'message')) {
          await handOff({ ...initialState(ref, playbook.language, started), stage: 'handoff', owner: 'human' }, 'processing_failed', playbook)
        }
        return
      }
      const fresh: MessageJob[] = []
      const due: TimerJob[] = []
      let erase: EraseJob | undefined
      for (const job of jobs) {
        if (job.kind === 'status') {
          if (job.changedAt !== undefined && state.statusAt !== undefined && job.changedAt < state.statusAt) {
            // Delivered late: a newer status was applied already (an old "open" must not silence a handback).
            log.info({ ...ids(ref), status: job.status }, 'Late status event ignored')
            continue
          }
          state = apply(state, decide(state, { type: 'chatwoot_status', status: job.status, at: job.receivedAt }, playbook)).next
          if (job.changedAt !== undefined) state = { ...state, statusAt: job.changedAt }
          // Resolved: nobody is waiting, on either side.
          if (job.status === 'resolved') state = { ...state, followUp: undefined, watchdog: undefined }
        } else if (job.kind === 'agent_reply') {
          if (state.watchdog !== undefined) {
            observe.watchdog('answered')
            state = { ...state, watchdog: undefined }
          }
        } else if (job.kind === 'timer') {
          due.push(job)
        } else if (job.kind === 'erase') {
          erase = job
        } else if (!state.answeredMessageIds.includes(job.messageId)) {
          if (handedBack(state, job)) {
            // The handback's own status event is late or lost, but the message shows it: the bot resumes.
            log.info(ids(ref), 'Conversation handed back (seen on a lead message)')
            state = { ...apply(state, decide(state, { type: 'chatwoot_status', status: 'pending', at: job.receivedAt }, playbook)).next, statusAt: job.conversationUpdatedAt }
          }
          fresh.push(job)
        }
      }
      if (erase !== undefined) {
        await eraseAll(state, 'admin', erase.contactId)
        return
      }
      // An agent's message or a timer in a conversation the bot never had: nothing of ours to keep.
      if (loaded === undefined && fresh.length === 0 && !jobs.some((j) => j.kind === 'status')) return
      const ownerBefore = state.owner
      const stageBefore = state.stage
      let leadTurnRan = false
      try {
        if (fresh.length > 0 && state.owner === 'bot' && state.stage !== 'opted_out') {
          const contact = contactOf(state, fresh)
          // Independent keys: both go out together (one round trip with Redis).
          const optedOut = contact !== undefined && (await Promise.all([
            opts.contacts.link(contact, conversationTag(ref), opts.conversationTtlSeconds),
            opts.contacts.isOptedOut(contact),
          ]))[1]
          if (optedOut) {
            state = await silentForOptedOut(state, fresh, contact, playbook)
          } else {
            state = await leadTurn(state, fresh, playbook, fence)
            leadTurnRan = true
          }
        } else if (fresh.length > 0 && state.stage === 'opted_out' && state.owner === 'bot') {
          // The lead opted out and writes again: the bot stays silent, but a person reads it.
          state = await silentForOptedOut(state, fresh, contactOf(state, fresh), playbook)
        } else if (fresh.length > 0) {
          // A human has it (or the lead opted out): remember the ids, not the words.
          state = { ...state, answeredMessageIds: answered(state, fresh.map((j) => j.messageId)) }
          if (state.handoffPending === true && state.stage !== 'opted_out') {
            // Our handoff never opened the conversation, so Chatwoot still shows it to the bot and
            // no human sees this lead: try again now that the lead wrote.
            const opened = await handOff(state, state.handoffReason ?? 'processing_failed', playbook)
            state = { ...state, handoffPending: !opened }
          }
        }
        for (const job of due) state = await scheduled.run(state, job, playbook, fence)
      } catch (err) {
        if (err instanceof FencedOutError) throw err
        // Nothing a lead wrote is dropped silently: hand the conversation to a human with a note.
        log.error({ ...ids(ref), err }, 'Conversation turn failed; handing off')
        const failed: ConversationState = { ...state, stage: 'handoff', owner: 'human', handoffReason: 'processing_failed', updatedAt: now() }
        state = { ...failed, handoffPending: !await handOff(failed, 'processing_failed', playbook) }
      }
      if (state.eraseRequested === true) {
        await eraseAll(state, 'lead', state.contactId)
        return
      }
      if (stageBefore !== 'opted_out' && state.stage === 'opted_out') {
        // Silent from now on in every conversation of this contact, not only this one.
        const contact = contactOf(state, fresh)
        if (contact !== undefined) await attempt('opt_out_contact', ref, () => opts.contacts.optOut(contact))
      }
      const ourHandoff = ownerBefore === 'bot' && state.owner === 'human'
      // Our own handoff: Chatwoot's time of it comes with its "open" event; until then no lead
      // message may be read as a handback (one sent before the handoff can arrive after it).
      if (ourHandoff) state = { ...state, statusAt: undefined }
      state = scheduled.plan(reportCost(state), playbook, { leadTurn: leadTurnRan, ourHandoff: ourHandoff && state.handoffReason !== undefined })
      try {
        await saveFenced({ ...state, inflight: undefined, updatedAt: now() }, fence)
        await scheduled.sync(loaded, state)
      } catch (err) {
        if (err instanceof FencedOutError) throw err
        // The lead was answered; dedupe still stops a redelivery from being answered twice.
        log.error({ ...ids(ref), err }, 'Conversation state could not be saved')
      }
      if (fresh.length > 0) observe.turn(now() - started)
    },
    async giveUp (_lane, jobs) {
      const first = jobs[0]
      const messageIds = jobs.flatMap((j) => j.kind === 'message' ? [j.messageId] : [])
      if (first === undefined || messageIds.length === 0) return
      const jobInbox = jobs.find((j): j is MessageJob => j.kind === 'message' && j.inboxId !== undefined)?.inboxId
      let playbook = opts.playbook(jobInbox)
      let state = initialState(first.ref, playbook.language, now())
      try {
        state = await states.load(first.ref) ?? state
        if (jobInbox === undefined && state.inboxId !== undefined) playbook = opts.playbook(state.inboxId)
      } catch (err) {
        log.warn({ ...ids(first.ref), err }, 'Conversation state unavailable while giving up a batch')
      }
      // A person already has it: nothing to hand over.
      if (state.owner !== 'bot' && state.handoffPending !== true) return
      log.error({ ...ids(first.ref), messages: messageIds.length }, 'Conversation batch failed on every attempt; handing off')
      const failed: ConversationState = {
        ...state,
        stage: 'handoff',
        owner: 'human',
        handoffReason: 'processing_failed',
        inflight: undefined,
        answeredMessageIds: answered(state, messageIds),
        updatedAt: now(),
      }
      observe.transition(state.stage, 'handoff')
      const opened = await handOff(failed, 'processing_failed', playbook)
      await states.save(reportCost({ ...failed, handoffPending: !opened })).catch((err: unknown) => {
        log.error({ ...ids(first.ref), err }, 'Conversation state could not be saved')
      })
    },
    async drain (timeoutMs) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...background]),
        new Promise((resolve) => { timer = setTimeout(resolve, timeoutMs) }),
      ])
      clearTimeout(timer)
    },
    notifyErased (contact) {
      const at = now()
      const payload = erasurePayload({ accountId: contact.accountId, conversationId: undefined }, contact.contactId, 'admin', at)
      trigger('data_erased', payload, `{c:${contact.accountId}:${contact.contactId}}:data_erased:${at}`, { accountId: contact.accountId })
    },
  }
}

/** The pause before a next part of a reply. */
function pause (ms: number): Promise<void> {
  return ms <= 0 ? Promise.resolve() : new Promise((resolve) => setTimeout(resolve, ms))
}

/** A store blip (a Redis failover) should not cost a lead the answer: three tries over about a second. */
async function withRetries<T> (fn: () => Promise<T>, attempts = 3): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await fn()
    } catch (err) {
      if (i >= attempts) throw err
      await new Promise((resolve) => setTimeout(resolve, 250 * i))
    }
  }
}

/** A lead's text bounded for the history and the prompt: a pasted novel must not cost a fortune. */
export function clip (text: string, max: number): string {
  if (text.length <= max) return text
  let end = max - 1
  // Never split an emoji (a surrogate pair) in two.
  const last = text.charCodeAt(end - 1)
  if (last >= 0xd800 && last <= 0xdbff) end -= 1
  return text.slice(0, end) + '…'
}

/** The ids already answered, with these added; the newest ANSWERED_IDS_KEPT are kept. */
function answered (state: ConversationState, messageIds: readonly number[]): number[] {
  return [...state.answeredMessageIds, ...messageIds].slice(-ANSWERED_IDS_KEPT)
}

/** The newest message known to exist before a reply: the lead's it answers, or our own last one. */
function newestKnown (state: ConversationState, key: string): number {
  return Math.max(Number(key), state.lastBotMessageId ?? 0)
}

/**
 * A lead message in a conversation Chatwoot changed after the newest status we know (the "open" of
 * our handoff, or a human's) was sent after someone handed it back: the webhook only accepts
 * messages whose conversation is pending.
 */
function handedBack (state: ConversationState, job: MessageJob): boolean {
  return state.owner === 'human' && state.handoffPending !== true && state.stage !== 'opted_out' &&
    state.statusAt !== undefined && job.conversationUpdatedAt !== undefined && job.conversationUpdatedAt > state.statusAt
}

/** A turn that hands off, opts out or disqualifies is settled even if its text could not be delivered. */
function settlesWithoutReply (t: Transition): boolean {
  return t.actions.some((a) => a.type === 'handoff') || t.next.stage === 'opted_out' || t.next.stage === 'disqualified'
}

/** A message as the lead got it: whole when every part landed, else the parts that did. */
function whatWasSaid (text: string, parts: readonly string[], landed: number): string {
  return landed === parts.length ? text : parts.slice(0, landed).join('\n\n')
}

/** A reply posted: in the history and the state with the version of the playbook that wrote it. */
function withSent (state: ConversationState, text: string, id: number | undefined, at: number, playbook: Playbook): ConversationState {
  const next = { ...withHistory(state, [{ role: 'bot', text, at, playbookVersion: playbook.version }], playbook), playbookVersion: playbook.version }
  return id === undefined ? next : { ...next, lastBotMessageId: Math.max(state.lastBotMessageId ?? 0, id) }
}

function withHistory (state: ConversationState, entries: readonly HistoryEntry[], playbook: Playbook): ConversationState {
  if (entries.length === 0) return state
  // Kept bounded: only the model's window (plus slack) is ever needed.
  return { ...state, history: [...state.history, ...entries].slice(-playbook.limits.history_messages * 2) }
}

function contactPatch (state: ConversationState): { name?: string, email?: string, phone_number?: string } {
  const patch: { name?: string, email?: string, phone_number?: string } = {}
  if (state.fields['name'] !== undefined) patch.name = state.fields['name']
  if (state.fields['email'] !== undefined) patch.email = state.fields['email']
  if (state.fields['phone'] !== undefined) patch.phone_number = state.fields['phone']
  return patch
}

/** Handoff workflows say whether people are in now, and when they will be (business_hours). */
function hoursFields (workflow: Workflow, playbook: Playbook, at: number): Record<string, unknown> {
  if (workflow !== 'handoff' && workflow !== 'handoff_unanswered') return {}
  const hours = businessHoursOf(playbook)
  const opens = hours?.nextOpening(at)
  return { out_of_hours: hours !== undefined && opens !== at, next_open_at: opens === undefined ? null : new Date(opens).toISOString() }
}
