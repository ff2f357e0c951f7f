import { z } from 'zod'
import type { BusinessHours } from './business-hours.js'
import { localized } from './localized.js'

// When a lead goes quiet mid-qualification the bot nudges them, a few times at most, at the
// playbook's delays, in business hours when the playbook has them. Planning is pure: the worker
// keeps the plan in the conversation state and a timer puts it into the conversation's lane.

export const followUpsSchema = z.object({
  /** One entry per follow-up, in order; each delay counts from the bot's previous message. */
  steps: z.array(z.object({
    after_minutes: z.number().int().min(1).max(60 * 24 * 30),
    text: localized,
  })).min(1).max(10),
  /** Send only in business hours (a follow-up due at night waits for the morning). */
  business_hours_only: z.boolean().default(true),
})
export type FollowUpsSpec = z.infer<typeof followUpsSchema>

export const watchdogSchema = z.object({
  /** Minutes without a human answer after a handoff (open time only, when the playbook has business hours). */
  after_minutes: z.number().int().min(1).max(60 * 24 * 7),
  /** Told to the lead when the watchdog fires; unset = only the n8n workflow. */
  holding_message: localized.optional(),
})
export type WatchdogSpec = z.infer<typeof watchdogSchema>

/** A follow-up waiting in a conversation: which step, and when. */
export interface FollowUpPlan {
  readonly step: number
  readonly dueAt: number
}

/** Stages in which a quiet lead is nudged: the bot is still qualifying. */
const NUDGED = new Set(['new', 'qualifying'])

/**
 * The follow-up to plan after the bot's message at `at` (`step` 0 after a reply, the next one after
 * a follow-up), or undefined: none configured, none left, or the conversation is not the bot's to nudge.
 */
export function planFollowUp (
  spec: FollowUpsSpec | undefined,
  hours: BusinessHours | undefined,
  state: { readonly stage: string, readonly owner: string },
  step: number,
  at: number
): FollowUpPlan | undefined {
  const s = spec?.steps[step]
  if (spec === undefined || s === undefined || state.owner !== 'bot' || !NUDGED.has(state.stage)) return undefined
  const due = at + s.after_minutes * 60_000
  return { step, dueAt: sendableAt(spec, hours, due) ?? due }
}

/** `at` itself when a follow-up may go out then; otherwise the next time it may (undefined: never). */
export function sendableAt (spec: FollowUpsSpec, hours: BusinessHours | undefined, at: number): number | undefined {
  if (!spec.business_hours_only || hours === undefined) return at
  return hours.nextOpening(at)
}

/** When the watchdog of a handoff at `at` fires: counting open time only when there are business hours. */
export function watchdogDueAt (spec: WatchdogSpec, hours: BusinessHours | undefined, at: number): number {
  return hours?.addOpenMinutes(at, spec.after_minutes) ?? at + spec.after_minutes * 60_000
}
