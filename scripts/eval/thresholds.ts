// What a run must reach (evals/thresholds.json), and how far it may fall behind a saved baseline
// scorecard before the run fails. Kept apart for the scripted brain (deterministic: no slack) and a
// model (varies run to run: some slack).
import { readFileSync } from 'node:fs'
import { z } from 'zod'
import { RATE_METRICS, scorecardSchema, type RateMetric, type Scorecard } from './scorecard.js'

const fraction = z.number().min(0).max(1)

const absoluteSchema = z.object({
  /** Lowest acceptable rate of each metric (0–1). */
  min: z.object(Object.fromEntries(RATE_METRICS.map((m) => [m, fraction])) as Record<RateMetric, typeof fraction>).strict(),
  policy_violations_max: z.number().int().min(0),
  turns_to_qualify_mean_max: z.number().positive(),
  latency_p95_ms_max: z.number().positive(),
  /** Highest acceptable estimated cost per conversation, USD. */
  cost_per_conversation_usd_max: z.number().min(0),
  /** Turns the scripted brain answered because the model failed: past a few, the model was not evaluated. */
  brain_fallbacks_max: z.number().int().min(0),
}).strict()

const regressionSchema = z.object({
  /** How many points (0–1) a rate may drop below the baseline's. */
  rate_drop_max: fraction,
  /** Scenarios that passed in the baseline and fail now. */
  newly_failing_scenarios_max: z.number().int().min(0),
  turns_to_qualify_increase_max: z.number().min(0),
  /** p95 latency may grow to baseline × factor + slack (the slack absorbs a busy machine's noise). */
  latency_p95_factor_max: z.number().min(1),
  latency_p95_slack_ms: z.number().min(0),
  /** Cost and tokens per conversation may grow to baseline × factor. */
  cost_factor_max: z.number().min(1),
}).strict()

const brainThresholdsSchema = z.object({ absolute: absoluteSchema, regression: regressionSchema }).strict()

export const thresholdsFileSchema = z.object({
  $comment: z.string().optional(),
  scripted: brainThresholdsSchema,
  model: brainThresholdsSchema,
}).strict()
export type ThresholdsFile = z.infer<typeof thresholdsFileSchema>
export type BrainThresholds = z.infer<typeof brainThresholdsSchema>

export function loadThresholds (path: string): ThresholdsFile {
  return thresholdsFileSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
}

export function loadBaseline (path: string): Scorecard {
  return scorecardSchema.parse(JSON.parse(readFileSync(path, 'utf8')))
}

/** Every absolute threshold the scorecard misses, in words. Empty: all met. */
export function checkAbsolute (s: Scorecard, t: BrainThresholds['absolute']): string[] {
  const out: string[] = []
  for (const m of RATE_METRICS) {
    if (s[m].rate < t.min[m]) out.push(`${m} ${pct(s[m].rate)} is below the minimum ${pct(t.min[m])}`)
  }
  if (s.policy_violations.total > t.policy_violations_max) out.push(`${s.policy_violations.total} policy violation(s); at most ${t.policy_violations_max} allowed`)
  if (s.turns_to_qualify.mean !== null && s.turns_to_qualify.mean > t.turns_to_qualify_mean_max) out.push(`turns to qualify ${s.turns_to_qualify.mean} is above ${t.turns_to_qualify_mean_max}`)
  if (s.latency_ms.p95 > t.latency_p95_ms_max) out.push(`latency p95 ${s.latency_ms.p95} ms is above ${t.latency_p95_ms_max} ms`)
  if (s.cost_per_conversation_usd !== null && s.cost_per_conversation_usd > t.cost_per_conversation_usd_max) out.push(`cost per conversation $${s.cost_per_conversation_usd} is above $${t.cost_per_conversation_usd_max}`)
  if (s.brain_fallbacks > t.brain_fallbacks_max) out.push(`${s.brain_fallbacks} turn(s) fell back to the scripted brain (the model failed or timed out); at most ${t.brain_fallbacks_max} allowed`)
  return out
}

/**
 * Every regression beyond the thresholds against a baseline. Aggregates are compared only when
 * both runs played the same scenarios (a filtered run is compared scenario by scenario only).
 */
export function checkRegression (s: Scorecard, base: Scorecard, t: BrainThresholds['regression']): { regressions: string[], notes: string[] } {
  const regressions: string[] = []
  const notes: string[] = []
  const before = new Map(base.results.map((r) => [r.id, r]))
  const newlyFailing = s.results.filter((r) => !r.passed && before.get(r.id)?.passed === true).map((r) => r.id)
  if (newlyFailing.length > t.newly_failing_scenarios_max) regressions.push(`${newlyFailing.length} scenario(s) passed in the baseline and fail now: ${newlyFailing.join(', ')}`)
  const fixed = s.results.filter((r) => r.passed && before.get(r.id)?.passed === false).map((r) => r.id)
  if (fixed.length > 0) notes.push(`now passing (failed in the baseline): ${fixed.join(', ')}`)

  const same = s.results.length === base.results.length && s.results.every((r) => before.has(r.id))
  if (!same) {
    notes.push('the scenario set differs from the baseline: aggregates not compared')
    return { regressions, notes }
  }
  if (s.brain.kind !== base.brain.kind || s.brain.model !== base.brain.model) notes.push(`the baseline was made with ${label(base)}, this run with ${label(s)}`)
  for (const m of RATE_METRICS) {
    if (base[m].rate - s[m].rate > t.rate_drop_max + 1e-9) regressions.push(`${m} fell from ${pct(base[m].rate)} to ${pct(s[m].rate)} (at most ${pct(t.rate_drop_max)} allowed)`)
  }
  // A language whose rates fell is a regression even when another language's rose to hide it.
  for (const [lang, now] of Object.entries(s.by_language ?? {})) {
    const before = base.by_language?.[lang]
    if (before === undefined) continue
    for (const m of RATE_METRICS) {
      if (before[m].rate - now[m].rate > t.rate_drop_max + 1e-9) regressions.push(`${lang} ${m} fell from ${pct(before[m].rate)} to ${pct(now[m].rate)} (at most ${pct(t.rate_drop_max)} allowed)`)
    }
  }
  if (s.policy_violations.total > base.policy_violations.total) regressions.push(`policy violations rose from ${base.policy_violations.total} to ${s.policy_violations.total}`)
  const ttqBefore = base.turns_to_qualify.mean
  const ttqNow = s.turns_to_qualify.mean
  if (ttqBefore !== null && ttqNow !== null && ttqNow - ttqBefore > t.turns_to_qualify_increase_max + 1e-9) regressions.push(`turns to qualify rose from ${ttqBefore} to ${ttqNow}`)
  const latencyLimit = base.latency_ms.p95 * t.latency_p95_factor_max + t.latency_p95_slack_ms
  if (s.latency_ms.p95 > latencyLimit) regressions.push(`latency p95 rose from ${base.latency_ms.p95} ms to ${s.latency_ms.p95} ms (limit ${round(latencyLimit)} ms)`)
  const tokens = (c: Scorecard): number => c.tokens_per_conversation.prompt + c.tokens_per_conversation.completion
  if (tokens(base) > 0 && tokens(s) > tokens(base) * t.cost_factor_max) regressions.push(`tokens per conversation rose from ${round(tokens(base))} to ${round(tokens(s))}`)
  const cost = s.cost_per_conversation_usd
  const costBefore = base.cost_per_conversation_usd
  if (cost !== null && costBefore !== null && costBefore > 0 && cost > costBefore * t.cost_factor_max) regressions.push(`cost per conversation rose from $${costBefore} to $${cost}`)
  return { regressions, notes }
}

const pct = (r: number): string => `${(r * 100).toFixed(1)}%`
const round = (n: number): number => Math.round(n * 10) / 10
const label = (s: Scorecard): string => s.brain.kind === 'model' ? `model ${s.brain.model ?? '?'}` : 'the scripted brain'
