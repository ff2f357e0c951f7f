import type { FollowUpPlan } from './follow-ups.js'
import type { ConversationRef } from './ref.js'

/** Where the lead stands in the SDR script. */
export const STAGES = ['new', 'qualifying', 'qualified', 'handoff', 'disqualified', 'opted_out'] as const
export type Stage = typeof STAGES[number]

/** What the lead meant this turn, as the brain reads it. */
export const INTENTS = ['gives_info', 'asks_question', 'wants_human', 'wants_meeting', 'not_interested', 'opt_out', 'erase_data', 'other'] as const
export type Intent = typeof INTENTS[number]

export const WORKFLOWS = ['lead_qualified', 'handoff', 'lead_disqualified', 'meeting_requested', 'handoff_unanswered', 'data_erased'] as const
export type Workflow = typeof WORKFLOWS[number]

export const HANDOFF_REASONS = ['qualified', 'wants_human', 'wants_meeting', 'max_turns', 'delivery_failed', 'processing_failed', 'budget_exhausted', 'erasure_requested', 'contact_opted_out', 'stalled', 'wrote_after_close'] as const
export type HandoffReason = typeof HANDOFF_REASONS[number]

/** The brain's reading of one lead turn. Nothing in it acts by itself: the state machine decides. */
export interface TurnAnalysis {
  readonly reply: string
  readonly fields: Readonly<Record<string, string>>
  readonly intent: Intent
  readonly language: string
  readonly confidence: number
  /** A disqualify_when reason the lead's own words match (a job seeker, a vendor…). */
  readonly disqualify?: string
  /** The lead only acknowledged, thanked or filled ("ok", "obrigada", "hmm"): nothing to act on. */
  readonly filler?: boolean
}

export interface HistoryEntry {
  readonly role: 'lead' | 'bot'
  readonly text: string
  readonly at: number
  /** A bot entry: the version of the playbook that wrote it. */
  readonly playbookVersion?: string
}

/** The model's tokens in one conversation and what they cost, by the playbook's price table. */
export interface LlmSpend {
  readonly promptTokens: number
  readonly completionTokens: number
  /** Estimated, in `currency`, since the conversation started. */
  readonly cost: number
  readonly currency: string
  /** What counts against `costs.budget_per_conversation`: back to 0 when a human hands it back. */
  readonly budgetSpent: number
  /** Part of `cost` already in the cost-per-conversation histogram (observed when the bot's part ends). */
  readonly reported: number
}

export interface ConversationState {
  readonly schemaVersion: 1
  readonly ref: ConversationRef
  readonly stage: Stage
  /** 'human' once we handed off or Chatwoot shows the conversation open: the bot stays silent. */
  readonly owner: 'bot' | 'human'
  readonly fields: Readonly<Record<string, string>>
  readonly language: string
  readonly botTurns: number
  /** The playbook field the bot asked for last: a bare answer is read as that field. */
  readonly askedField: string | undefined
  /** How often each field was asked: optional ones are asked once, required ones until the bot stalls. */
  readonly askedCounts: Readonly<Record<string, number>>
  /** Lead turns in a row that moved nothing (no field, no answered question): the bot asks otherwise, then offers a person. */
  readonly stalls?: number
  readonly history: readonly HistoryEntry[]
  /** Lead message ids already answered: a redelivered job is never answered twice. */
  readonly answeredMessageIds: readonly number[]
  readonly workflowsFired: readonly Workflow[]
  readonly handoffReason: HandoffReason | undefined
  /** The follow-up waiting while the lead is quiet (its timer carries the same step and time). */
  readonly followUp?: FollowUpPlan
  /** After our handoff: when it happened and when to check that a human answered. */
  readonly watchdog?: { readonly since: number, readonly dueAt: number }
  /** The lead asked for their data to be erased: the worker erases the conversation instead of saving it. */
  readonly eraseRequested?: boolean
  /** Our handoff could not open the conversation in Chatwoot: retried on the lead's next message. */
  readonly handoffPending?: boolean
  /**
   * Chatwoot's `updated_at` (its clock, seconds) of the newest status we applied: a status event
   * older than it arrived late and is not applied, and a lead message in a conversation updated
   * after it tells us a human handed the conversation back.
   */
  readonly statusAt?: number
  /**
   * A decided turn whose actions were not all confirmed done (saved before they run): a replica
   * that takes the conversation over after a crash finishes them instead of deciding again.
   */
  readonly inflight?: { readonly key: string, readonly actions: readonly Action[], readonly reply?: ReplyProgress }
  /** Chatwoot's channel type of the conversation (`Channel::Whatsapp`…): how long one message may be. */
  readonly channel?: string
  /** Id of the newest message the bot posted here: a reply's delivery check must look past it. */
  readonly lastBotMessageId?: number
  /** Version (content hash) of the playbook of the bot's newest reply: which script said it. */
  readonly playbookVersion?: string
  /** Model tokens and their estimated cost; absent until the model first answers. */
  readonly llm?: LlmSpend
  readonly contactId: number | undefined
  readonly inboxId: number | undefined
  readonly createdAt: number
  readonly updatedAt: number
}

/**
 * A reply going out as several chat messages (conversation/pacing.ts): its parts as cut when the
 * turn was decided, and how many of them landed. A run that takes over posts only the rest.
 */
export interface ReplyProgress {
  readonly parts: readonly string[]
  readonly landed: number
}

export interface Choice {
  readonly title: string
  readonly value: string
}

/** What the state machine asks the worker to do, in order. */
export type Action =
  | { readonly type: 'reply', readonly text: string, readonly choices?: readonly Choice[] }
  | { readonly type: 'record_qualification' }
  | { readonly type: 'add_labels', readonly labels: readonly string[] }
  | { readonly type: 'update_contact' }
  | { readonly type: 'handoff', readonly reason: HandoffReason }
  | { readonly type: 'trigger_workflow', readonly workflow: Workflow, readonly reason: string }

export type MachineInput =
  | { readonly type: 'lead_turn', readonly analysis: TurnAnalysis, readonly at: number }
  | { readonly type: 'chatwoot_status', readonly status: 'open' | 'pending' | 'resolved' | 'snoozed', readonly at: number }
  | { readonly type: 'delivery_failed', readonly at: number }

export interface Transition {
  readonly next: ConversationState
  readonly actions: readonly Action[]
}

export function initialState (ref: ConversationRef, language: string, now: number): ConversationState {
  return {
    schemaVersion: 1,
    ref,
    stage: 'new',
    owner: 'bot',
    fields: {},
    language,
    botTurns: 0,
    askedField: undefined,
    askedCounts: {},
    history: [],
    answeredMessageIds: [],
    workflowsFired: [],
    handoffReason: undefined,
    contactId: undefined,
    inboxId: undefined,
    createdAt: now,
    updatedAt: now,
  }
}
