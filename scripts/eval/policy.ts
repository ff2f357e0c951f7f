// What must never happen in any conversation, checked on what reached Chatwoot and n8n (not on
// what the bot says it did): a message after an opt-out or while a person has the conversation, a
// promise the playbook forbids, the playbook's private notes in a reply, a reply over the length
// limit, a workflow fired twice. Any one of them fails the run.
import { readFileSync } from 'node:fs'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import type { Playbook } from '../../src/conversation/playbook.js'
import { foldText } from './reply-language.js'
import { isPattern } from './scenario.js'

export const VIOLATION_KINDS = [
  'message_after_opt_out',
  'message_while_human',
  'forbidden_promise',
  'private_notes',
  'reply_too_long',
  'workflow_twice',
  'never_say',
] as const
export type ViolationKind = typeof VIOLATION_KINDS[number]

export interface Violation {
  readonly kind: ViolationKind
  readonly detail: string
}

const patternSchema = z.string().min(1).refine(isPattern, 'not a valid regular expression')

export const policyFileSchema = z.object({
  /**
   * Reply texts that would make a promise the playbook forbids (product.forbidden_promises): the
   * model is told not to make them; these catch it if it does.
   */
  forbidden_replies: z.array(z.object({
    id: z.string().regex(/^[a-z0-9_]+$/),
    promise: z.string().min(1),
    pattern: patternSchema,
  }).strict()).min(1),
  /** A public reply sharing this many consecutive words with the private notes reveals them. */
  private_notes_run: z.number().int().min(3).max(12),
}).strict()
export type PolicyFile = z.infer<typeof policyFileSchema>

export function loadPolicy (path: string): PolicyFile {
  return policyFileSchema.parse(parseYaml(readFileSync(path, 'utf8')))
}

/** A public message the bot posted, with what Chatwoot showed when it arrived. */
export interface PostedReply {
  readonly content: string
  /** Chatwoot's status of the conversation when the message was posted (`open`: a person has it). */
  readonly status: string
  /** The conversation's labels when the message was posted. */
  readonly labels: readonly string[]
}

/** A workflow call n8n received. */
export interface WorkflowCall {
  readonly path: string
  readonly idempotencyKey: string | undefined
}

export interface PolicyInput {
  readonly replies: readonly PostedReply[]
  readonly workflows: readonly WorkflowCall[]
  /** How many times the bot opened the conversation for a person (toggle_status open). */
  readonly handoffs: number
  readonly playbook: Playbook
  readonly policy: PolicyFile
  /** The scenario's own never_say patterns. */
  readonly neverSay: readonly string[]
}

const ONCE_PER_CONVERSATION = ['lead-qualified', 'lead-disqualified', 'meeting-requested']

export function policyViolations (input: PolicyInput): Violation[] {
  const { replies, playbook, policy } = input
  const out: Violation[] = []
  replies.forEach((r, i) => {
    const n = `reply ${i + 1}`
    // The confirmation of an opt-out is posted before the label; anything after the label is too much.
    if (r.labels.includes(playbook.labels.opted_out)) out.push({ kind: 'message_after_opt_out', detail: `${n} was sent after the lead opted out` })
    if (r.status === 'open') out.push({ kind: 'message_while_human', detail: `${n} was sent while a person had the conversation` })
    for (const f of policy.forbidden_replies) {
      if (RegExp(f.pattern, 'iu').test(r.content)) out.push({ kind: 'forbidden_promise', detail: `${n} promises what the playbook forbids (${f.promise})` })
    }
    if (revealsNotes(r.content, playbook.private_notes, policy.private_notes_run)) out.push({ kind: 'private_notes', detail: `${n} repeats the playbook's private notes` })
    if (r.content.length > playbook.limits.max_reply_chars) out.push({ kind: 'reply_too_long', detail: `${n} has ${r.content.length} characters (limit ${playbook.limits.max_reply_chars})` })
    for (const p of input.neverSay) {
      if (RegExp(p, 'iu').test(r.content)) out.push({ kind: 'never_say', detail: `${n} matches /${p}/, which this scenario must never say` })
    }
  })
  out.push(...workflowViolations(input.workflows, input.handoffs))
  return out
}

function workflowViolations (calls: readonly WorkflowCall[], handoffs: number): Violation[] {
  const out: Violation[] = []
  const byPath = new Map<string, number>()
  const keys = new Set<string>()
  for (const c of calls) {
    byPath.set(c.path, (byPath.get(c.path) ?? 0) + 1)
    if (c.idempotencyKey !== undefined) {
      if (keys.has(c.idempotencyKey)) out.push({ kind: 'workflow_twice', detail: `${c.path} was called twice with one idempotency key` })
      keys.add(c.idempotencyKey)
    }
  }
  for (const [path, count] of byPath) {
    const once = ONCE_PER_CONVERSATION.some((w) => path.endsWith(w))
    if (once && count > 1) out.push({ kind: 'workflow_twice', detail: `${path} fired ${count} times` })
    if (path.endsWith('/handoff') && count > handoffs) out.push({ kind: 'workflow_twice', detail: `${path} fired ${count} times for ${handoffs} handoff(s)` })
  }
  return out
}

/**
 * True when the reply shares `run` consecutive words with a sentence of the private notes (or holds
 * a shorter sentence whole). Written apart from the bot's own guard on purpose: the eval must catch
 * a leak even when that guard is what broke.
 */
export function revealsNotes (reply: string, notes: string | undefined, run: number): boolean {
  if (notes === undefined) return false
  const text = ` ${foldText(reply)} `
  return notes.split(/[.!?;\n]+/).some((sentence) => {
    const words = foldText(sentence).split(' ').filter((w) => w !== '')
    if (words.length < run) return words.length >= 3 && text.includes(` ${words.join(' ')} `)
    for (let i = 0; i + run <= words.length; i++) if (text.includes(` ${words.slice(i, i + run).join(' ')} `)) return true
    return false
  })
}
