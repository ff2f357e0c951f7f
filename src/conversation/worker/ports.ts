import type { ChatwootClient } from '../../clients/chatwoot.js'
import type { ContactRef } from '../../stores/contacts.js'
import type { Brain } from '../brain.js'
import type { ConversationJob } from '../inbound.js'
import type { Playbook } from '../playbook.js'
import type { ConversationRef } from '../ref.js'
import type { FollowUpOutcome, TimerPort, WatchdogOutcome } from '../scheduled.js'
import type { ConversationState, HandoffReason, Workflow } from '../types.js'

// Everything the worker talks to comes in as a narrow port, so the worker knows no HTTP, Redis or
// Fastify: bot.ts plugs the real clients and stores in, the unit tests in-memory fakes.

export type { TimerPort }

/**
 * What the worker calls on Chatwoot: picked from the client's own type, so a change of the client
 * shows up here at compile time instead of drifting from a copy.
 */
export type ChatwootPort = Pick<ChatwootClient,
  'sendMessage' | 'toggleStatus' | 'setTyping' | 'getConversation' | 'mergeCustomAttributes' | 'addLabels' | 'updateContact'>

export interface WorkflowPort {
  trigger (workflow: Workflow, payload: Record<string, unknown>, idempotencyKey: string): Promise<unknown>
}

export interface ConversationStatePort {
  load (ref: ConversationRef): Promise<ConversationState | undefined>
  /** False when a save under a newer fencing token happened: another replica has the conversation. */
  save (state: ConversationState, fence?: number): Promise<boolean>
}

/** What we keep per contact across conversations (stores/contacts.ts). */
export interface ContactPort {
  optOut (contact: ContactRef): Promise<void>
  isOptedOut (contact: ContactRef): Promise<boolean>
  link (contact: ContactRef, conversationTag: string, ttlSeconds: number): Promise<void>
  forget (contact: ContactRef): Promise<void>
}

/** Metrics, by event: bot.ts maps each to its Prometheus series. */
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
  /** The clock, in epoch milliseconds. */
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

/** Another replica holds the conversation now (our lease ran out): stop before doing anything more. */
export class FencedOutError extends Error {
  constructor () {
    super('conversation lease lost to another replica')
    this.name = 'FencedOutError'
  }
}
