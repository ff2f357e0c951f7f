// Turns what one scenario's run produced into pass/fail checks against what the scenario expects.
// An expectation the scenario marks needs_model is scored only when a model answers; with the
// scripted brain it is reported apart, so the scripted thresholds reflect what a keyword reader can do.
import type { Playbook } from '../../src/conversation/playbook.js'
import { policyViolations, type PolicyFile, type Violation } from './policy.js'
import { foldText, foreignLines } from './reply-language.js'
import type { DecidedTurn, ScenarioRun, TokenCounts } from './run-scenario.js'
import type { FieldExpectation, Scenario, StageExpectation } from './scenario.js'

export const CATEGORIES = ['fields', 'intents', 'stages', 'replies', 'final'] as const
export type Category = typeof CATEGORIES[number]

export interface Check {
  readonly category: Category
  /** Step number (1-based) or undefined for the final state. */
  readonly step: number | undefined
  readonly key: string
  readonly passed: boolean
  readonly expected: string
  readonly actual: string
  /** Marked needs_model and answered by the scripted brain: reported, not scored. */
  readonly modelOnly: boolean
}

export interface ScenarioResult {
  readonly id: string
  readonly tags: readonly string[]
  /** The lead's language (the scenario's): the scorecard shows each language apart. */
  readonly language: string
  readonly passed: boolean
  readonly checks: readonly Check[]
  readonly violations: readonly Violation[]
  readonly error: string | undefined
  /** Lead steps until the bot qualified the lead, when it did. */
  readonly turnsToQualify: number | undefined
  readonly latenciesMs: readonly number[]
  readonly tokens: TokenCounts
  readonly brainFallbacks: number
  readonly durationMs: number
}

export interface ScoreContext {
  readonly playbook: Playbook
  readonly policy: PolicyFile
  readonly modelAnswers: boolean
}

export function scoreScenario (scenario: Scenario, run: ScenarioRun, ctx: ScoreContext): ScenarioResult {
  const checks: Check[] = []
  let language = scenario.language
  let stage = 'new'
  let leadSteps = 0
  let turnsToQualify: number | undefined

  for (const stepRun of run.steps) {
    const step = scenario.steps[stepRun.index]
    const lastTurn = stepRun.turns.at(-1)
    if (lastTurn !== undefined) stage = lastTurn.to
    if (step === undefined || !('lead' in step)) continue
    leadSteps++
    if (turnsToQualify === undefined && stepRun.turns.some((t) => t.to === 'qualified' && t.from !== 'qualified')) turnsToQualify = leadSteps
    const e = step.expect
    const n = stepRun.index + 1
    const add = (category: Category, key: string, passed: boolean, expected: string, actual: string): void => {
      checks.push({ category, step: n, key, passed, expected, actual, modelOnly: !ctx.modelAnswers && e.needs_model.includes(key) })
    }
    const replies = stepRun.replies
    add('replies', 'reply', replies.length === (e.reply ? 1 : 0), e.reply ? 'one reply' : 'no reply', `${replies.length} repl${replies.length === 1 ? 'y' : 'ies'}`)
    if (e.reply_language !== undefined) language = e.reply_language
    const reply = replies[0]?.content
    if (e.reply && reply !== undefined) {
      // Every line and every button in the lead's language; a line that tells nothing passes.
      const foreign = foreignLines(reply, replies[0]?.buttons ?? [], language, ctx.playbook)
      add('replies', 'reply_language', foreign.length === 0, `${language} on every line and button`, foreign.length === 0 ? language : foreign.map((f) => `${f.language} ${f.kind} "${clip(f.text)}"`).join('; '))
      for (const p of e.reply_matches ?? []) add('replies', 'reply_matches', RegExp(p, 'iu').test(reply), `/${p}/`, clip(reply))
    }
    if (e.intent !== undefined) add('intents', 'intent', intentOf(stepRun.turns) === e.intent, e.intent, intentOf(stepRun.turns))
    if (e.stage !== undefined) add('stages', 'stage', stageMatches(e.stage, stage), describeStage(e.stage), stage)
    for (const [key, want] of Object.entries(e.fields ?? {})) {
      add('fields', `fields.${key}`, fieldMatches(want, stepRun.fields[key]), describe(want), stepRun.fields[key] ?? 'absent')
    }
  }

  const f = scenario.final
  const final = (category: Category, key: string, passed: boolean, expected: string, actual: string): void => {
    checks.push({ category, step: undefined, key, passed, expected, actual, modelOnly: !ctx.modelAnswers && f.needs_model.includes(key) })
  }
  final('final', 'stage', stageMatches(f.stage, run.final.stage), describeStage(f.stage), run.final.stage)
  if (f.reason !== undefined) {
    const reason = run.handoffReasons.at(-1) ?? 'none'
    final('final', 'reason', reason === f.reason, f.reason, reason)
  }
  if (f.disqualify_reason !== undefined) {
    const reason = run.workflows.filter((w) => workflowName(w.path) === 'lead_disqualified').at(-1)?.reason ?? 'none'
    final('final', 'disqualify_reason', reason === f.disqualify_reason, f.disqualify_reason, reason)
  }
  if (f.workflows !== undefined) {
    const fired = [...new Set(run.workflows.map((w) => workflowName(w.path)))].sort()
    const want = [...f.workflows].sort()
    final('final', 'workflows', fired.join(',') === want.join(','), want.join(',') || 'none', fired.join(',') || 'none')
  }
  for (const label of f.labels ?? []) final('final', 'labels', run.final.labels.includes(label), label, run.final.labels.join(',') || 'none')
  for (const [key, want] of Object.entries(f.fields ?? {})) {
    final('fields', `fields.${key}`, fieldMatches(want, run.final.fields[key]), describe(want), run.final.fields[key] ?? 'absent')
  }

  const violations = policyViolations({
    replies: run.replies,
    workflows: run.workflows,
    handoffs: run.handoffs,
    playbook: ctx.playbook,
    policy: ctx.policy,
    neverSay: scenario.never_say,
    steps: run.steps.map((st) => ({ kind: st.kind, replies: st.replies.length, fields: st.fields, stage: st.stage })),
    notes: run.notes,
    ...(run.error === undefined ? { ending: { stage: run.final.stage, status: run.final.status } } : {}),
    // An ending only a model is expected to reach is not held against the scripted brain.
    openEnded: f.open_ended || (!ctx.modelAnswers && f.needs_model.includes('stage')),
  })
  const passed = run.error === undefined && violations.length === 0 && checks.every((c) => c.passed || c.modelOnly)
  return {
    id: scenario.id,
    tags: scenario.tags,
    language: scenario.language,
    passed,
    checks,
    violations,
    error: run.error,
    turnsToQualify,
    latenciesMs: run.steps.flatMap((s) => s.replies.map((r) => r.latencyMs)),
    tokens: run.tokens,
    brainFallbacks: run.brainFallbacks,
    durationMs: run.durationMs,
  }
}

/** A step's intent: one decided turn's; a burst answered in several turns reads as all of them. */
function intentOf (turns: readonly DecidedTurn[]): string {
  return turns.length === 0 ? 'no turn' : turns.map((t) => t.intent).join('+')
}

const stageMatches = (want: StageExpectation, actual: string): boolean => typeof want === 'string' ? actual === want : want.includes(actual as never)
const describeStage = (want: StageExpectation): string => typeof want === 'string' ? want : want.join(' or ')

/** Lower case, no accents, no spaces or punctuation: "ACME Ltda." and "acme ltda" compare equal. */
const squash = (s: string): string => foldText(s).replace(/ /g, '')

export function fieldMatches (want: FieldExpectation, actual: string | undefined): boolean {
  if (want === null) return actual === undefined
  if (actual === undefined) return false
  if (typeof want === 'string') return squash(actual).includes(squash(want))
  return RegExp(want.matches, 'iu').test(actual)
}

function describe (want: FieldExpectation): string {
  if (want === null) return 'absent'
  return typeof want === 'string' ? `"${want}"` : `/${want.matches}/`
}

/** "/webhook/lead-qualified" → "lead_qualified", the workflow's name in the scenarios. */
export const workflowName = (path: string): string => (path.split('/').pop() ?? path).replace(/-/g, '_')

const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 77)}…` : s).replace(/\s+/g, ' ')
