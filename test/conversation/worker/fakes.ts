// In-memory fakes of the worker's ports (src/conversation/worker/ports.ts): each keeps what it was
// asked in plain arrays, so a test reads what the worker did the way Chatwoot, n8n or Redis would.
import type { ConversationInfo, ConversationStatus, LastMessage, OutgoingMessage, SendResult } from '../../../src/clients/chatwoot.js'
import type { Brain, BrainUsage } from '../../../src/conversation/brain.js'
import type { ConversationJob, MessageJob } from '../../../src/conversation/inbound.js'
import { loadPlaybook, type Playbook } from '../../../src/conversation/playbook.js'
import { conversationTag, type ConversationRef } from '../../../src/conversation/ref.js'
import { createScheduledWork } from '../../../src/conversation/scheduled.js'
import { initialState, type ConversationState, type TurnAnalysis } from '../../../src/conversation/types.js'
import { fireWorkflow } from '../../../src/conversation/worker/actions.js'
import { saveFenced, workerContext, type BatchContext } from '../../../src/conversation/worker/context.js'
import type { ChatwootPort, ContactPort, ConversationStatePort, TimerPort, WorkerObserver, WorkerOptions, WorkflowPort } from '../../../src/conversation/worker/ports.js'
import { sendText } from '../../../src/conversation/worker/reply.js'
import type { ContactRef } from '../../../src/stores/contacts.js'

export const T0 = Date.UTC(2026, 10, 25, 15, 0, 0)
export const REF: ConversationRef = { accountId: 3, conversationId: 77 }
export const playbook: Playbook = await loadPlaybook()

export interface PostedMessage extends OutgoingMessage { readonly id: number }

/** Chatwoot as the worker sees it: one conversation's status and messages, ids that only grow. */
export class FakeChatwoot implements ChatwootPort {
  status: ConversationStatus = 'pending'
  readonly posted: PostedMessage[] = []
  readonly typing: boolean[] = []
  readonly statusChanges: string[] = []
  readonly attributes: Array<Record<string, unknown>> = []
  readonly labels: string[][] = []
  readonly contactUpdates: Array<{ contactId: number, patch: Record<string, unknown> }> = []
  /** The newest message Chatwoot shows; set by posts, or by a test (the lead wrote, an agent wrote). */
  newest: LastMessage | undefined
  /** Fails the send when it answers true (1-based count of sends asked, notes included). */
  failSend: (msg: OutgoingMessage, n: number) => boolean = () => false
  failToggle = false
  failGet = false
  /** Runs after each successful send: a test makes the lead or an agent write in between. */
  afterSend: (msg: PostedMessage) => void = () => {}
  private nextId = 1000
  private sends = 0

  async sendMessage (_ref: ConversationRef, msg: OutgoingMessage): Promise<SendResult> {
    this.sends += 1
    if (this.failSend(msg, this.sends)) throw new Error('chatwoot: 503')
    const posted = { ...msg, id: this.nextId++ }
    this.posted.push(posted)
    this.newest = { id: posted.id, content: msg.content, messageType: 'outgoing', private: msg.private === true, createdAt: undefined, echoId: msg.echoId, fromAgentBot: true }
    this.afterSend(posted)
    return { id: posted.id }
  }

  async toggleStatus (_ref: ConversationRef, status: 'open' | 'pending' | 'resolved'): Promise<void> {
    if (this.failToggle) throw new Error('chatwoot: 502')
    this.statusChanges.push(status)
    this.status = status
  }

  async setTyping (_ref: ConversationRef, on: boolean): Promise<void> {
    this.typing.push(on)
  }

  async getConversation (_ref: ConversationRef): Promise<ConversationInfo> {
    if (this.failGet) throw new Error('chatwoot: timeout')
    return { status: this.status, labels: [], customAttributes: {}, ...(this.newest !== undefined ? { lastMessage: this.newest } : {}) }
  }

  async mergeCustomAttributes (_ref: ConversationRef, patch: Record<string, unknown>): Promise<Record<string, unknown>> {
    this.attributes.push(patch)
    return patch
  }

  async addLabels (_ref: ConversationRef, labels: readonly string[]): Promise<string[]> {
    this.labels.push([...labels])
    return [...labels]
  }

  async updateContact (_accountId: number, contactId: number, patch: Record<string, unknown>): Promise<'updated' | 'skipped'> {
    this.contactUpdates.push({ contactId, patch })
    return 'updated'
  }

  /** The lead (or, with `agent`, a person) writes in Chatwoot. */
  write (text: string, from: 'lead' | 'agent' = 'lead'): number {
    const id = this.nextId++
    this.newest = { id, content: text, messageType: from === 'lead' ? 'incoming' : 'outgoing', private: false, createdAt: undefined, echoId: undefined, fromAgentBot: false }
    return id
  }

  /** The public texts the bot posted, in order. */
  publicTexts (): string[] {
    return this.posted.filter((m) => m.private !== true).map((m) => m.content)
  }

  notes (): string[] {
    return this.posted.filter((m) => m.private === true).map((m) => m.content)
  }
}

/** The state store with fencing: a save under an older token than one seen is refused. */
export class FakeStates implements ConversationStatePort {
  readonly docs = new Map<string, ConversationState>()
  readonly saves: Array<{ state: ConversationState, fence: number | undefined }> = []
  highestFence = 0
  failLoad = false

  async load (ref: ConversationRef): Promise<ConversationState | undefined> {
    if (this.failLoad) throw new Error('redis: connection lost')
    return this.docs.get(conversationTag(ref))
  }

  async save (state: ConversationState, fence?: number): Promise<boolean> {
    if (fence !== undefined) {
      if (fence < this.highestFence) return false
      this.highestFence = fence
    }
    this.saves.push({ state, fence })
    this.docs.set(conversationTag(state.ref), state)
    return true
  }

  get (ref: ConversationRef = REF): ConversationState | undefined {
    return this.docs.get(conversationTag(ref))
  }
}

export class FakeWorkflows implements WorkflowPort {
  readonly calls: Array<{ workflow: string, payload: Record<string, unknown>, key: string }> = []
  fail = false

  async trigger (workflow: string, payload: Record<string, unknown>, key: string): Promise<unknown> {
    if (this.fail) throw new Error('n8n: 500')
    this.calls.push({ workflow, payload, key })
    return undefined
  }

  names (): string[] {
    return this.calls.map((c) => c.workflow)
  }
}

export class FakeTimers implements TimerPort {
  readonly set_: Map<string, { dueAt: number, job: ConversationJob }> = new Map()
  readonly cleared: string[] = []

  async set (lane: string, name: string, dueAt: number, job: ConversationJob): Promise<void> {
    this.set_.set(`${lane}:${name}`, { dueAt, job })
  }

  async clear (lane: string, name: string): Promise<void> {
    this.cleared.push(`${lane}:${name}`)
    this.set_.delete(`${lane}:${name}`)
  }
}

export class FakeContacts implements ContactPort {
  readonly optedOut = new Set<string>()
  readonly links: Array<{ contact: ContactRef, tag: string }> = []
  readonly forgotten: ContactRef[] = []

  async optOut (contact: ContactRef): Promise<void> { this.optedOut.add(`${contact.accountId}:${contact.contactId}`) }
  async isOptedOut (contact: ContactRef): Promise<boolean> { return this.optedOut.has(`${contact.accountId}:${contact.contactId}`) }
  async link (contact: ContactRef, tag: string): Promise<void> { this.links.push({ contact, tag }) }
  async forget (contact: ContactRef): Promise<void> {
    this.forgotten.push(contact)
    this.optedOut.delete(`${contact.accountId}:${contact.contactId}`)
  }
}

/** Every observation, as `[name, ...args]`, in order. */
export function recordingObserver (): WorkerObserver & { readonly seen: unknown[][], count (name: string, ...args: unknown[]): number } {
  const seen: unknown[][] = []
  const rec = (name: string) => (...args: unknown[]) => { seen.push([name, ...args]) }
  return {
    seen,
    count: (name, ...args) => seen.filter((s) => s[0] === name && args.every((a, i) => s[i + 1] === a)).length,
    transition: rec('transition'),
    qualified: rec('qualified'),
    handoff: rec('handoff'),
    reply: rec('reply'),
    workflow: rec('workflow'),
    turn: rec('turn'),
    llmCost: rec('llmCost'),
    conversationCost: rec('conversationCost'),
    followUp: rec('followUp'),
    watchdog: rec('watchdog'),
    erasure: rec('erasure'),
  }
}

export function recordingLog (): WorkerOptions['log'] & { readonly lines: Array<{ level: string, obj: object, msg: string }>, has (msg: string): boolean } {
  const lines: Array<{ level: string, obj: object, msg: string }> = []
  return {
    lines,
    has: (msg) => lines.some((l) => l.msg === msg),
    info: (obj, msg) => { lines.push({ level: 'info', obj, msg }) },
    warn: (obj, msg) => { lines.push({ level: 'warn', obj, msg }) },
    error: (obj, msg) => { lines.push({ level: 'error', obj, msg }) },
  }
}

/** A brain that answers what the test says, and counts its calls. */
export function fakeBrain (answer: Partial<TurnAnalysis> | ((messages: readonly string[]) => Partial<TurnAnalysis>), usage?: BrainUsage): Brain & { calls: Array<readonly string[]> } {
  const calls: Array<readonly string[]> = []
  return {
    name: 'openai',
    calls,
    async analyze (input) {
      calls.push(input.messages)
      const a = typeof answer === 'function' ? answer(input.messages) : answer
      return { analysis: { reply: '', fields: {}, intent: 'other', language: 'pt-BR', confidence: 0.9, ...a }, adapter: 'openai', usage, latencyMs: 1 }
    },
  }
}

/** The fakes of one test, and the worker's context over them. */
export function fakeWorld (o: { brain?: Brain, playbook?: Playbook, hasNewLeadMessage?: (ref: ConversationRef) => Promise<boolean> } = {}) {
  const clock = { t: T0 }
  const chatwoot = new FakeChatwoot()
  const states = new FakeStates()
  const workflows = new FakeWorkflows()
  const timers = new FakeTimers()
  const contacts = new FakeContacts()
  const observe = recordingObserver()
  const log = recordingLog()
  const erased: ConversationRef[] = []
  const options: WorkerOptions = {
    playbook: () => o.playbook ?? playbook,
    brain: o.brain ?? fakeBrain({}),
    chatwoot,
    workflows,
    states,
    now: () => clock.t,
    log,
    observe,
    chatwootBaseUrl: 'https://chat.example.test',
    timers,
    contacts,
    eraseConversation: async (ref) => {
      erased.push(ref)
      states.docs.delete(conversationTag(ref))
      return 3
    },
    conversationTtlSeconds: 3600,
    replyPauses: false,
    ...(o.hasNewLeadMessage !== undefined ? { hasNewLeadMessage: o.hasNewLeadMessage } : {}),
  }
  const base = workerContext(options)
  const scheduled = createScheduledWork({
    timers,
    getConversation: (ref) => chatwoot.getConversation(ref),
    isOptedOut: async () => false,
    send: (state, text, echoId, pb) => sendText(base, state, text, echoId, pb),
    fireWorkflow: (state, workflow, reason, key, pb, extra) => fireWorkflow(base, state, workflow, reason, key, pb, extra),
    commit: (state, fence) => saveFenced(base, { ...state, inflight: undefined }, fence),
    observe,
    log,
    now: options.now,
  })
  const ctx: BatchContext = { ...base, scheduled }
  return { clock, chatwoot, states, workflows, timers, contacts, observe, log, erased, options, ctx }
}

/** Lets the background workflow calls settle. */
export async function settle (ctx: { background: Set<Promise<void>> }): Promise<void> {
  await Promise.allSettled([...ctx.background])
}

export function state (overrides: Partial<ConversationState> = {}): ConversationState {
  return { ...initialState(REF, 'pt-BR', T0), contactId: 501, inboxId: 9, ...overrides }
}

let nextMessageId = 200
export function leadMessage (text: string, overrides: Partial<MessageJob> = {}): MessageJob {
  return {
    kind: 'message',
    ref: REF,
    messageId: nextMessageId++,
    inboxId: 9,
    text,
    attachments: [],
    channel: 'Channel::Api',
    canReply: true,
    contact: { id: 501, name: undefined, email: undefined, phone: undefined },
    receivedAt: T0,
    conversationUpdatedAt: undefined,
    ...overrides,
  }
}
