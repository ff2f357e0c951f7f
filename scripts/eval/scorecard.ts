// The suite's scorecard: aggregates of every scenario's checks, the policy violations, turns to
// qualify, latency, tokens and cost. Its JSON form (--json) is what a baseline file holds, so it is
// zod-validated when read back.
import { z } from 'zod'
import { VIOLATION_KINDS } from './policy.js'
import { costUsd, type Price } from './pricing.js'
import type { Category, ScenarioResult } from './score.js'

const rateSchema = z.object({ passed: z.number().int().min(0), total: z.number().int().min(0), rate: z.number().min(0).max(1) }).strict()
export type Rate = z.infer<typeof rateSchema>

export const RATE_METRICS = ['scenarios', 'fields', 'intents', 'stages', 'replies', 'final_states'] as const
export type RateMetric = typeof RATE_METRICS[number]

/** The six rates a scorecard has, for the whole run and for each language. */
const ratesShape = {
  scenarios: rateSchema,
  fields: rateSchema,
  intents: rateSchema,
  stages: rateSchema,
  replies: rateSchema,
  final_states: rateSchema,
}

/** The rates of one language's scenarios (by the lead's language, the scenario's `language`). */
const languageCardSchema = z.object({
  ...ratesShape,
  policy_violations: z.number().int().min(0),
}).strict()
export type LanguageCard = z.infer<typeof languageCardSchema>

export const scorecardSchema = z.object({
  version: z.literal(1),
  brain: z.object({ kind: z.enum(['scripted', 'model']), model: z.string().optional() }).strict(),
  playbook: z.string(),
  generated_at: z.string(),
  duration_ms: z.number().min(0),
  ...ratesShape,
  policy_violations: z.object({ total: z.number().int().min(0), by_kind: z.record(z.string(), z.number().int().min(0)) }).strict(),
  turns_to_qualify: z.object({ mean: z.number().nullable(), max: z.number().nullable(), conversations: z.number().int().min(0) }).strict(),
  latency_ms: z.object({ p50: z.number(), p95: z.number(), max: z.number(), replies: z.number().int().min(0) }).strict(),
  tokens_per_conversation: z.object({
    prompt: z.number().min(0),
    completion: z.number().min(0),
    /** The part of `prompt` served from the provider's cache; absent in scorecards saved before it was counted. */
    cached_prompt: z.number().min(0).optional(),
  }).strict(),
  /** null when the model's price is unknown (see evals/pricing.json); cached input at its own price. */
  cost_per_conversation_usd: z.number().min(0).nullable(),
  brain_fallbacks: z.number().int().min(0),
  /** Checks marked needs_model that the scripted brain answered: reported, not scored. */
  model_only: rateSchema,
  by_tag: z.record(z.string(), rateSchema),
  /** Each lead language apart (pt-BR, en, es); absent in scorecards saved before it existed. */
  by_language: z.record(z.string(), languageCardSchema).optional(),
  results: z.array(z.object({
    id: z.string(),
    language: z.string().optional(),
    passed: z.boolean(),
    failures: z.array(z.string()),
    violations: z.array(z.string()),
    turns_to_qualify: z.number().int().nullable(),
  }).strict()),
}).strict()
export type Scorecard = z.infer<typeof scorecardSchema>

export interface ScorecardMeta {
  readonly brain: Scorecard['brain']
  readonly playbook: string
  readonly durationMs: number
  /** USD per million tokens; undefined when unknown. */
  readonly price: Price | undefined
}

const rate = (passed: number, total: number): Rate => ({ passed, total, rate: total === 0 ? 1 : round(passed / total, 4) })
const round = (n: number, digits: number): number => Number(n.toFixed(digits))

function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0
}

/** The six rates and the violations of a set of results. */
function languageCard (results: readonly ScenarioResult[]): LanguageCard {
  const scored = results.flatMap((r) => r.checks.filter((c) => !c.modelOnly))
  const category = (c: Category): Rate => {
    const list = scored.filter((x) => x.category === c)
    return rate(list.filter((x) => x.passed).length, list.length)
  }
  const finalOk = results.filter((r) => r.error === undefined && r.checks.every((c) => c.category !== 'final' || c.passed || c.modelOnly)).length
  return {
    scenarios: rate(results.filter((r) => r.passed).length, results.length),
    fields: category('fields'),
    intents: category('intents'),
    stages: category('stages'),
    replies: category('replies'),
    final_states: rate(finalOk, results.length),
    policy_violations: results.reduce((s, r) => s + r.violations.length, 0),
  }
}

/** Base tag for grouping: "es-AR" counts as "es", "pt" as "pt-BR". */
const languageGroup = (tag: string): string => {
  const base = tag.split('-')[0]?.toLowerCase() ?? tag
  return base === 'pt' ? 'pt-BR' : base
}

export function buildScorecard (results: readonly ScenarioResult[], meta: ScorecardMeta): Scorecard {
  const all = languageCard(results)
  const modelOnly = results.flatMap((r) => r.checks.filter((c) => c.modelOnly))
  const byKind = Object.fromEntries(VIOLATION_KINDS.map((k) => [k, results.reduce((n, r) => n + r.violations.filter((v) => v.kind === k).length, 0)]))
  const qualify = results.flatMap((r) => r.turnsToQualify !== undefined ? [r.turnsToQualify] : [])
  const latencies = results.flatMap((r) => r.latenciesMs).sort((a, b) => a - b)
  const n = Math.max(1, results.length)
  const perConversation = (kind: keyof ScenarioResult['tokens']): number => results.reduce((s, r) => s + r.tokens[kind], 0) / n
  const tokens = { prompt: perConversation('prompt'), cachedPrompt: perConversation('cachedPrompt'), completion: perConversation('completion') }
  const tags = [...new Set(results.flatMap((r) => r.tags))].sort()
  return {
    version: 1,
    brain: meta.brain,
    playbook: meta.playbook,
    generated_at: new Date().toISOString(),
    duration_ms: Math.round(meta.durationMs),
    scenarios: all.scenarios,
    fields: all.fields,
    intents: all.intents,
    stages: all.stages,
    replies: all.replies,
    final_states: all.final_states,
    policy_violations: { total: results.reduce((s, r) => s + r.violations.length, 0), by_kind: byKind },
    turns_to_qualify: {
      mean: qualify.length === 0 ? null : round(qualify.reduce((a, b) => a + b, 0) / qualify.length, 2),
      max: qualify.length === 0 ? null : Math.max(...qualify),
      conversations: qualify.length,
    },
    latency_ms: { p50: round(percentile(latencies, 50), 1), p95: round(percentile(latencies, 95), 1), max: round(latencies.at(-1) ?? 0, 1), replies: latencies.length },
    tokens_per_conversation: { prompt: round(tokens.prompt, 1), completion: round(tokens.completion, 1), cached_prompt: round(tokens.cachedPrompt, 1) },
    cost_per_conversation_usd: meta.price === undefined ? null : round(costUsd(tokens, meta.price), 6),
    brain_fallbacks: results.reduce((s, r) => s + r.brainFallbacks, 0),
    model_only: rate(modelOnly.filter((c) => c.passed).length, modelOnly.length),
    by_tag: Object.fromEntries(tags.map((t) => {
      const tagged = results.filter((r) => r.tags.includes(t))
      return [t, rate(tagged.filter((r) => r.passed).length, tagged.length)]
    })),
    by_language: Object.fromEntries([...new Set(results.map((r) => languageGroup(r.language)))].sort().map((lang) => [lang, languageCard(results.filter((r) => languageGroup(r.language) === lang))])),
    results: results.map((r) => ({
      id: r.id,
      language: r.language,
      passed: r.passed,
      failures: [
        ...(r.error !== undefined ? [`error: ${r.error}`] : []),
        ...r.checks.filter((c) => !c.passed && !c.modelOnly).map(describeCheck),
      ],
      violations: r.violations.map((v) => `${v.kind}: ${v.detail}`),
      turns_to_qualify: r.turnsToQualify ?? null,
    })),
  }
}

export function describeCheck (c: ScenarioResult['checks'][number]): string {
  return `${c.step !== undefined ? `step ${c.step}` : 'final'} ${c.key}: expected ${c.expected}, got ${c.actual}`
}

const pct = (r: Rate): string => `${(r.rate * 100).toFixed(1).padStart(5)}%  (${r.passed}/${r.total})`

/** The scorecard as the terminal shows it. `results` adds the model-only misses when given. */
export function formatScorecard (s: Scorecard, results?: readonly ScenarioResult[]): string {
  const brain = s.brain.kind === 'model' ? `model ${s.brain.model ?? ''}`.trim() : 'scripted'
  const cost = s.cost_per_conversation_usd === null ? 'unknown (model not in evals/pricing.json)' : `$${s.cost_per_conversation_usd.toFixed(6)}`
  const ttq = s.turns_to_qualify
  const lines = [
    `Conversation evals · brain: ${brain} · playbook: ${s.playbook} · ${s.scenarios.total} scenarios in ${(s.duration_ms / 1000).toFixed(1)} s`,
    '',
    `  scenarios passed        ${pct(s.scenarios)}`,
    `  field accuracy          ${pct(s.fields)}`,
    `  intent accuracy         ${pct(s.intents)}`,
    `  stage per step          ${pct(s.stages)}`,
    `  reply checks            ${pct(s.replies)}`,
    `  correct final states    ${pct(s.final_states)}`,
    `  policy violations       ${s.policy_violations.total}${s.policy_violations.total > 0 ? `  (${Object.entries(s.policy_violations.by_kind).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`,
    `  turns to qualify        ${ttq.mean === null ? 'n/a' : `mean ${ttq.mean} · max ${ttq.max ?? 0}`}  (${ttq.conversations} qualified)`,
    `  latency after debounce  p50 ${s.latency_ms.p50} ms · p95 ${s.latency_ms.p95} ms · max ${s.latency_ms.max} ms  (${s.latency_ms.replies} replies)`,
    `  tokens / conversation   ${formatTokens(s.tokens_per_conversation)}`,
    `  cost / conversation     ${cost}`,
    ...(s.brain.kind === 'model' ? [`  scripted fallbacks      ${s.brain_fallbacks}`] : []),
    `  model-only checks       ${s.model_only.total === 0 ? 'none' : `${pct(s.model_only)}  ${s.brain.kind === 'scripted' ? 'not scored with the scripted brain' : ''}`}`.trimEnd(),
    '',
    ...formatLanguages(s.by_language ?? {}),
    '',
    `  by tag: ${Object.entries(s.by_tag).map(([t, r]) => `${t} ${r.passed}/${r.total}`).join(' · ')}`,
  ]
  const failed = s.results.filter((r) => !r.passed)
  if (failed.length > 0) {
    lines.push('', 'Failed scenarios:')
    for (const r of failed) {
      lines.push(`  ✗ ${r.id}`)
      for (const f of [...r.failures, ...r.violations.map((v) => `VIOLATION ${v}`)]) lines.push(`      ${f}`)
    }
  }
  const misses = (results ?? []).flatMap((r) => r.checks.filter((c) => c.modelOnly && !c.passed).map((c) => `${r.id} ${describeCheck(c)}`))
  if (misses.length > 0) {
    lines.push('', 'Model-only checks the scripted brain misses (expected; not scored):')
    for (const m of misses) lines.push(`  · ${m}`)
  }
  return lines.join('\n')
}

/** Prompt (and its cached part, when counted) and completion tokens. */
function formatTokens (t: Scorecard['tokens_per_conversation']): string {
  const cached = t.cached_prompt !== undefined && t.cached_prompt > 0 ? ` (cached ${t.cached_prompt})` : ''
  return `prompt ${t.prompt}${cached} · completion ${t.completion}`
}

/** One row per lead language: the same rates as above, side by side. */
function formatLanguages (byLanguage: Readonly<Record<string, LanguageCard>>): string[] {
  const langs = Object.entries(byLanguage)
  if (langs.length === 0) return []
  const cell = (r: Rate): string => `${(r.rate * 100).toFixed(1)}% ${r.passed}/${r.total}`.padEnd(17)
  const head = `  ${'by language'.padEnd(11)} ${['scenarios', 'fields', 'intents', 'stages', 'replies', 'final states'].map((h) => h.padEnd(17)).join('')}violations`
  return [head, ...langs.map(([lang, c]) => `  ${lang.padEnd(11)} ${[c.scenarios, c.fields, c.intents, c.stages, c.replies, c.final_states].map(cell).join('')}${c.policy_violations}`)]
}
