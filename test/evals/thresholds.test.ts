import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { buildScorecard, formatScorecard, scorecardSchema, type Scorecard } from '../../scripts/eval/scorecard.js'
import type { ScenarioResult } from '../../scripts/eval/score.js'
import { checkAbsolute, checkRegression, loadBaseline, loadThresholds } from '../../scripts/eval/thresholds.js'

// Thresholds and the baseline comparison on made-up scorecards: what fails a run and what does not.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const thresholds = loadThresholds(`${ROOT}evals/thresholds.json`)
const dir = mkdtempSync(join(tmpdir(), 'sdr-eval-thresholds-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const result = (id: string, over: Partial<ScenarioResult> = {}): ScenarioResult => ({
  id,
  tags: ['typical'],
  language: 'pt-BR',
  passed: true,
  checks: [
    { category: 'fields', step: 1, key: 'fields.name', passed: true, expected: '"Maria"', actual: 'Maria', modelOnly: false },
    { category: 'intents', step: 1, key: 'intent', passed: true, expected: 'gives_info', actual: 'gives_info', modelOnly: false },
    { category: 'final', step: undefined, key: 'stage', passed: true, expected: 'qualified', actual: 'qualified', modelOnly: false },
  ],
  violations: [],
  error: undefined,
  turnsToQualify: 4,
  latenciesMs: [10, 20, 30],
  tokens: { prompt: 1000, cachedPrompt: 0, completion: 200 },
  brainFallbacks: 0,
  durationMs: 100,
  ...over,
})

const card = (results: ScenarioResult[], price = { input: 0.15, output: 0.6 }): Scorecard =>
  buildScorecard(results, { brain: { kind: 'model', model: 'gpt-4o-mini' }, playbook: 'playbooks/default.yaml', durationMs: 1000, price })

const base = card([result('a'), result('b'), result('c')])

describe('buildScorecard', () => {
  it('aggregates rates, turns to qualify, latency, tokens and cost per conversation', () => {
    expect(base.scenarios).toEqual({ passed: 3, total: 3, rate: 1 })
    expect(base.fields).toEqual({ passed: 3, total: 3, rate: 1 })
    expect(base.turns_to_qualify).toEqual({ mean: 4, max: 4, conversations: 3 })
    expect(base.latency_ms).toEqual({ p50: 20, p95: 30, max: 30, replies: 9 })
    expect(base.tokens_per_conversation).toEqual({ prompt: 1000, completion: 200, cached_prompt: 0 })
    // 1000 × 0.15 / 1e6 + 200 × 0.60 / 1e6
    expect(base.cost_per_conversation_usd).toBeCloseTo(0.00027, 8)
    expect(scorecardSchema.parse(JSON.parse(JSON.stringify(base)))).toEqual(base)
  })

  it('prices the cached part of the prompt at the cached input price, the rest at the input price', () => {
    const cachedRun = (cachedPrompt: number) => result('a', { tokens: { prompt: 1000, cachedPrompt, completion: 200 } })
    const gpt5 = { input: 1.25, cached_input: 0.125, output: 10 }
    const s = card([cachedRun(600), cachedRun(200)], gpt5)
    expect(s.tokens_per_conversation).toEqual({ prompt: 1000, completion: 200, cached_prompt: 400 })
    // (600 fresh × 1.25 + 400 cached × 0.125 + 200 × 10) / 1e6
    expect(s.cost_per_conversation_usd).toBeCloseTo(0.0028, 8)
    // A price without cached_input bills cached input as input: the estimate errs high, never low.
    expect(card([cachedRun(600)], { input: 1.25, output: 10 }).cost_per_conversation_usd).toBeCloseTo(0.00325, 8)
    expect(formatScorecard(s)).toMatch(/tokens \/ conversation\s+prompt 1000 \(cached 400\) · completion 200/)
    expect(formatScorecard(base)).toMatch(/tokens \/ conversation\s+prompt 1000 · completion 200/)
  })

  it('keeps model-only checks out of the rates and counts them apart', () => {
    const s = card([result('a', { checks: [{ category: 'intents', step: 1, key: 'intent', passed: false, expected: 'other', actual: 'asks_question', modelOnly: true }] })])
    expect(s.intents.total).toBe(0)
    expect(s.model_only).toEqual({ passed: 0, total: 1, rate: 0 })
    expect(s.scenarios.passed).toBe(1)
  })

  it('prints the failures and violations', () => {
    const failing = result('x', {
      passed: false,
      checks: [{ category: 'final', step: undefined, key: 'stage', passed: false, expected: 'qualified', actual: 'qualifying', modelOnly: false }],
      violations: [{ kind: 'private_notes', detail: 'reply 2 repeats the playbook\'s private notes' }],
    })
    const text = formatScorecard(card([failing]))
    expect(text).toContain('✗ x')
    expect(text).toContain('final stage: expected qualified, got qualifying')
    expect(text).toContain('VIOLATION private_notes')
    expect(text).toMatch(/policy violations\s+1/)
  })
})

describe('the scorecard per language', () => {
  const mixed = card([
    result('a'),
    result('b', { language: 'en', passed: false, violations: [{ kind: 'repeated_message', detail: 'reply 2 repeats reply 1' }] }),
    result('c', { language: 'es-AR' }),
    result('d', { language: 'en' }),
  ])

  it('rates each lead language apart, a regional tag with its base language', () => {
    expect(Object.keys(mixed.by_language ?? {})).toEqual(['en', 'es', 'pt-BR'])
    expect(mixed.by_language?.['en']).toMatchObject({ scenarios: { passed: 1, total: 2, rate: 0.5 }, policy_violations: 1 })
    expect(mixed.by_language?.['es']?.scenarios).toEqual({ passed: 1, total: 1, rate: 1 })
    expect(mixed.results.map((r) => r.language)).toEqual(['pt-BR', 'en', 'es-AR', 'en'])
  })

  it('prints one row per language', () => {
    const text = formatScorecard(mixed)
    expect(text).toMatch(/by language/)
    expect(text).toMatch(/\n {2}en +50\.0% 1\/2 /)
    expect(text).toMatch(/\n {2}pt-BR +100\.0% 1\/1 /)
  })

  it('a language that fell is a regression, even when the total holds', () => {
    const before = card([result('a'), result('b', { language: 'en' }), result('c', { language: 'es', passed: false })])
    const now = card([result('a'), result('b', { language: 'en', passed: false }), result('c', { language: 'es' })])
    expect(now.scenarios.rate).toBe(before.scenarios.rate)
    expect(checkRegression(now, before, thresholds.model.regression).regressions.join()).toMatch(/en scenarios fell from 100.0% to 0.0%/)
  })

  it('a baseline saved before the languages were rated still loads', () => {
    const { by_language: _, ...old } = base
    expect(scorecardSchema.parse(old).by_language).toBeUndefined()
    expect(checkRegression(base, scorecardSchema.parse(old), thresholds.scripted.regression).regressions).toEqual([])
  })
})

describe('checkAbsolute', () => {
  it('passes a scorecard at the thresholds', () => {
    expect(checkAbsolute(base, thresholds.model.absolute)).toEqual([])
  })

  it('fails on one policy violation, whatever else', () => {
    const s = card([result('a', { passed: false, violations: [{ kind: 'forbidden_promise', detail: 'discount' }] }), result('b'), result('c'), result('d'), result('e'), result('f'), result('g'), result('h')])
    expect(checkAbsolute(s, thresholds.model.absolute).join('\n')).toMatch(/1 policy violation/)
  })

  it('fails when a rate drops below its minimum, naming it', () => {
    const s = card([result('a', { passed: false, checks: [{ category: 'fields', step: 1, key: 'fields.name', passed: false, expected: '"Maria"', actual: 'absent', modelOnly: false }] })])
    const problems = checkAbsolute(s, thresholds.scripted.absolute)
    expect(problems.some((p) => p.startsWith('fields 0.0%'))).toBe(true)
    expect(problems.some((p) => p.startsWith('scenarios 0.0%'))).toBe(true)
  })

  it('fails a model run in which the model kept failing: the scripted brain was evaluated instead', () => {
    expect(checkAbsolute(card([result('a', { brainFallbacks: 3 })]), thresholds.model.absolute).join()).toMatch(/3 turn\(s\) fell back to the scripted brain/)
  })

  it('fails on cost per conversation above the limit', () => {
    expect(checkAbsolute(card([result('a')], { input: 100, output: 100 }), thresholds.model.absolute).join()).toMatch(/cost per conversation/)
  })
})

describe('checkRegression', () => {
  const t = thresholds.scripted.regression

  it('no regression against itself', () => {
    expect(checkRegression(base, base, t)).toEqual({ regressions: [], notes: [] })
  })

  it('a scenario that passed in the baseline and fails now', () => {
    const now = card([result('a'), result('b', { passed: false }), result('c')])
    expect(checkRegression(now, base, t).regressions.join()).toMatch(/passed in the baseline and fail now: b/)
  })

  it('a rate fallen by more than allowed (the model allows some slack, the scripted brain none)', () => {
    const failingField = { category: 'fields' as const, step: 1, key: 'fields.company', passed: false, expected: '"Acme"', actual: 'absent', modelOnly: false }
    const before = card([result('a'), result('b'), result('c')])
    const now = card([result('a'), result('b'), result('c', { checks: [...result('c').checks, failingField] })])
    expect(checkRegression(now, before, t).regressions.join()).toMatch(/fields fell from 100.0% to 75.0%/)
    expect(checkRegression(now, before, { ...thresholds.model.regression, rate_drop_max: 0.3 }).regressions).toEqual([])
  })

  it('more turns to qualify, more tokens, slower replies', () => {
    const now = card([result('a', { turnsToQualify: 6, tokens: { prompt: 3000, cachedPrompt: 0, completion: 600 }, latenciesMs: [5000] }), result('b'), result('c')])
    const problems = checkRegression(now, base, thresholds.model.regression).regressions.join('\n')
    expect(problems).toMatch(/turns to qualify rose/)
    expect(problems).toMatch(/tokens per conversation rose/)
    expect(problems).toMatch(/cost per conversation rose/)
    expect(problems).toMatch(/latency p95 rose/)
  })

  it('a filtered run is compared scenario by scenario only', () => {
    const now = card([result('a', { passed: false, tokens: { prompt: 9000, cachedPrompt: 0, completion: 9000 } })])
    const { regressions, notes } = checkRegression(now, base, t)
    expect(regressions).toHaveLength(1)
    expect(notes.join()).toMatch(/aggregates not compared/)
  })

  it('a baseline saved before cached tokens were counted still loads and compares', () => {
    const saved = JSON.parse(JSON.stringify(base)) as { tokens_per_conversation: Record<string, number> }
    delete saved.tokens_per_conversation['cached_prompt']
    const path = join(dir, 'old-baseline.json')
    writeFileSync(path, JSON.stringify(saved))
    const old = loadBaseline(path)
    expect(old.tokens_per_conversation).toEqual({ prompt: 1000, completion: 200 })
    expect(checkRegression(base, old, t)).toEqual({ regressions: [], notes: [] })
  })

  it('refuses a baseline file that is not a scorecard', () => {
    expect(() => scorecardSchema.parse({ ...base, fields: { passed: 1 } })).toThrow()
    expect(loadBaseline(`${ROOT}evals/baseline.scripted.json`).version).toBe(1)
  })
})
