import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import { loadPolicy } from '../../scripts/eval/policy.js'
import { loadPricing, priceOf } from '../../scripts/eval/pricing.js'
import { loadScenarios, parseScenarioFile, ScenarioFileError, stepMessages, type Scenario } from '../../scripts/eval/scenario.js'
import { loadBaseline, loadThresholds, thresholdsFileSchema } from '../../scripts/eval/thresholds.js'

// The data of the suite (evals/): every file validates, and the scenarios cover what issue #8 asks.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const scenarios = loadScenarios(`${ROOT}evals/scenarios`, ROOT)
const tagged = (tag: string): Scenario[] => scenarios.filter((s) => s.tags.includes(tag))
const leadTexts = (list: readonly Scenario[]): string[] =>
  list.flatMap((s) => s.steps.flatMap((step) => 'lead' in step ? stepMessages(step).flatMap((m) => typeof m === 'string' ? [m.toLowerCase()] : []) : []))

describe('evals/scenarios', () => {
  it('holds at least 90 scenarios with unique ids, at least 20 in each of pt-BR, en and es', () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(90)
    for (const language of ['pt-BR', 'en', 'es']) expect(scenarios.filter((s) => s.language === language).length, language).toBeGreaterThanOrEqual(20)
    expect(new Set(scenarios.map((s) => s.id)).size).toBe(scenarios.length)
  })

  it.each(['typical', 'all-in-one', 'refuses-data', 'price', 'burst', 'wants-human', 'opt-out', 'prompt-injection', 'off-topic', 'media', 'english', 'spanish', 'language-switch', 'handback'])('covers %s', (tag) => {
    expect(tagged(tag).length).toBeGreaterThanOrEqual(tag === 'wants-human' || tag === 'opt-out' ? 5 : 2)
  })

  it('keeps the known misses (evals/known-misses) valid and apart: no id is both scored and a known miss', () => {
    const misses = loadScenarios(`${ROOT}evals/known-misses`, ROOT)
    expect(misses.length).toBeGreaterThan(0)
    const scored = new Set(scenarios.map((s) => s.id))
    expect(misses.filter((m) => scored.has(m.id)).map((m) => m.id)).toEqual([])
  })

  it('asks for a person in several phrasings and languages', () => {
    const texts = leadTexts(tagged('wants-human'))
    for (const phrase of ['humano', 'alguém', 'atendente', 'real person', 'sales team', 'asesor', 'alguien']) {
      expect(texts.some((t) => t.includes(phrase)), phrase).toBe(true)
    }
  })

  it('opts out in the phrasings the issue names, and more', () => {
    const texts = leadTexts(tagged('opt-out'))
    for (const phrase of ['pare', 'sair', 'não quero mais', 'stop', 'unsubscribe', 'no me escribas más', 'parem de me mandar', 'me tira dessa lista']) {
      expect(texts.some((t) => t.includes(phrase)), phrase).toBe(true)
    }
  })

  it('plays every channel, bursts, pauses, media, quick replies and a human handing back', () => {
    expect(new Set(scenarios.map((s) => s.channel))).toEqual(new Set(['whatsapp', 'web_widget', 'api']))
    const steps = scenarios.flatMap((s) => s.steps)
    expect(steps.some((s) => 'lead' in s && Array.isArray(s.lead) && s.lead.length > 2)).toBe(true)
    expect(steps.some((s) => 'wait_ms' in s)).toBe(true)
    const messages = steps.flatMap((s) => 'lead' in s ? stepMessages(s) : [])
    expect(messages.some((m) => typeof m === 'object' && 'media' in m && m.text === undefined && m.transcript === undefined)).toBe(true)
    expect(messages.some((m) => typeof m === 'object' && 'select' in m)).toBe(true)
    expect(steps.some((s) => 'agent' in s && s.agent === 'hand_back')).toBe(true)
  })

  it('expects every ending: qualified, handoff with a reason, disqualified, opted out', () => {
    const finals = new Set(scenarios.flatMap((s) => typeof s.final.stage === 'string' ? [s.final.stage] : s.final.stage))
    for (const stage of ['qualified', 'handoff', 'disqualified', 'opted_out']) expect(finals.has(stage as never), stage).toBe(true)
    const reasons = new Set(scenarios.map((s) => s.final.reason))
    for (const reason of ['qualified', 'wants_human', 'wants_meeting', 'max_turns', 'stalled']) expect(reasons.has(reason as never), reason).toBe(true)
  })

  // Issue #13: what a newcomer saw, each case in all three languages.
  it.each([
    ['understanding', 12], ['disqualify', 12], ['dialogue', 6],
  ])('covers %s in pt-BR, en and es', (tag, atLeast) => {
    expect(tagged(tag).length).toBeGreaterThanOrEqual(atLeast)
    expect(new Set(tagged(tag).map((s) => s.language))).toEqual(new Set(['pt-BR', 'en', 'es']))
  })

  it.each(['job_seeker', 'student', 'vendor', 'wrong_number'])('disqualifies a %s in every language, never as a qualified lead', (reason) => {
    const list = scenarios.filter((s) => s.final.disqualify_reason === reason)
    expect(new Set(list.map((s) => s.language))).toEqual(new Set(['pt-BR', 'en', 'es']))
    for (const s of list) expect(s.final.workflows, s.id).toEqual(['lead_disqualified'])
  })

  it('hands a lead who makes no progress to a person (stalled) in every language', () => {
    expect(new Set(scenarios.filter((s) => s.final.reason === 'stalled').map((s) => s.language))).toEqual(new Set(['pt-BR', 'en', 'es']))
  })

  it('is written the way people type on WhatsApp: no accents, emoji, bursts, voice notes', () => {
    const recent = [...tagged('understanding'), ...tagged('disqualify'), ...tagged('dialogue')]
    const messages = recent.flatMap((s) => s.steps.flatMap((step) => 'lead' in step ? stepMessages(step) : []))
    const texts = messages.flatMap((m) => typeof m === 'string' ? [m] : [])
    expect(texts.filter((t) => /\p{Extended_Pictographic}/u.test(t)).length).toBeGreaterThanOrEqual(5)
    for (const unaccented of ['vcs tem vagas', 'cuanto cuesta', 'numero errado', 'i dont have']) expect(texts.some((t) => t.includes(unaccented)), unaccented).toBe(true)
    expect(recent.filter((s) => s.steps.some((step) => 'lead' in step && Array.isArray(step.lead) && step.lead.length > 1)).length).toBeGreaterThanOrEqual(3)
    expect(messages.filter((m) => typeof m === 'object' && 'transcript' in m).length).toBeGreaterThanOrEqual(2)
  })

  it('keeps open-ended scenarios (no ending expected) few, and every one marked', () => {
    const open = scenarios.filter((s) => s.final.open_ended)
    // The scenarios that test one reply (media, small talk, injections…); a new one needs a reason to join them.
    expect(open.length).toBeLessThanOrEqual(32)
    expect(open.length).toBeLessThan(scenarios.length / 3)
    for (const s of scenarios.filter((x) => !x.final.open_ended)) {
      const stages = typeof s.final.stage === 'string' ? [s.final.stage] : s.final.stage
      const takenByAPerson = s.steps.some((step) => 'agent' in step && step.agent === 'take')
      expect(takenByAPerson || s.final.needs_model.includes('stage') || stages.every((st) => st !== 'new' && st !== 'qualifying'), s.id).toBe(true)
    }
  })

  it('uses the default playbook unless a scenario names another, and every named one loads', async () => {
    const named = scenarios.filter((s) => s.playbook !== undefined)
    expect(named.length).toBeGreaterThan(0)
    expect(named.length).toBeLessThan(scenarios.length / 4)
    for (const path of new Set(named.map((s) => s.playbook ?? ''))) await expect(loadPlaybook(`${ROOT}${path}`)).resolves.toBeDefined()
  })

  it('keeps the model-only expectations few: the scripted thresholds must mean something', () => {
    const marked = scenarios.filter((s) => s.final.needs_model.length > 0 || s.steps.some((step) => 'lead' in step && step.expect.needs_model.length > 0))
    expect(marked.length).toBeGreaterThan(0)
    expect(marked.length).toBeLessThan(scenarios.length / 5)
  })
})

describe('scenario files are validated', () => {
  const valid = {
    id: 'a-lead',
    title: 'A lead',
    tags: ['typical'],
    language: 'pt-BR',
    steps: [{ lead: 'Olá', expect: { intent: 'other' } }],
    final: { stage: 'qualifying' },
  }
  const parse = (scenario: Record<string, unknown>) => () => parseScenarioFile(JSON.stringify({ scenarios: [scenario] }), 'x.json')

  it('accepts a minimal scenario, with defaults filled in', () => {
    const [s] = parseScenarioFile(JSON.stringify({ scenarios: [valid] }), 'x.json')
    expect(s?.channel).toBe('whatsapp')
    expect(s?.steps[0]).toMatchObject({ expect: { reply: true, needs_model: [] }, pause_ms: 0 })
  })

  it.each([
    ['an unknown intent', { ...valid, steps: [{ lead: 'Olá', expect: { intent: 'greets' } }] }, 'steps.0'],
    ['an unknown field in a step', { ...valid, steps: [{ lead: 'Olá', expect: { mood: 'happy' } }] }, 'steps.0'],
    ['a bad regular expression', { ...valid, never_say: ['(unclosed'] }, 'never_say.0'],
    ['needs_model naming what is not expected', { ...valid, steps: [{ lead: 'Olá', expect: { needs_model: ['fields.name'] } }] }, 'needs_model'],
    ['a reason without a handoff', { ...valid, final: { stage: 'qualifying', reason: 'wants_human' } }, 'final.reason'],
    ['a disqualify reason without a disqualification', { ...valid, final: { stage: 'handoff', disqualify_reason: 'student' } }, 'final.disqualify_reason'],
    ['open_ended on a scenario that expects an ending', { ...valid, final: { stage: 'qualified', open_ended: true } }, 'final.open_ended'],
    ['a silent step expecting a language', { ...valid, steps: [{ lead: 'Olá', expect: { reply: false, reply_language: 'en' } }] }, 'steps.0.expect'],
    ['an unknown channel', { ...valid, channel: 'telegram' }, 'channel'],
    ['an unknown media kind', { ...valid, steps: [{ lead: { media: 'hologram' } }] }, 'steps.0'],
  ])('rejects %s, naming where', (_what, scenario, path) => {
    let error: unknown
    try {
      parse(scenario)()
    } catch (err) {
      error = err
    }
    expect(error).toBeInstanceOf(ScenarioFileError)
    expect((error as ScenarioFileError).problems.join('\n')).toContain(path)
  })

  it('accepts the planned handoff reason stalled and a disqualify reason', () => {
    expect(parse({ ...valid, final: { stage: 'handoff', reason: 'stalled' } })).not.toThrow()
    expect(parse({ ...valid, final: { stage: 'disqualified', disqualify_reason: 'wrong_number' } })).not.toThrow()
  })

  it('rejects a file that is not YAML', () => {
    expect(() => parseScenarioFile('scenarios: [', 'broken.yaml')).toThrow(/not valid YAML/)
  })
})

describe('the other files of evals/ validate', () => {
  it('thresholds.json: violations must be 0 for both brains', () => {
    const t = loadThresholds(`${ROOT}evals/thresholds.json`)
    expect(t.scripted.absolute.policy_violations_max).toBe(0)
    expect(t.model.absolute.policy_violations_max).toBe(0)
  })

  it('thresholds.json with a rate above 1 is refused', () => {
    const raw = JSON.parse(readFileSync(`${ROOT}evals/thresholds.json`, 'utf8')) as { scripted: { absolute: { min: Record<string, number> } } }
    raw.scripted.absolute.min['fields'] = 1.5
    expect(() => thresholdsFileSchema.parse(raw)).toThrow(/fields/)
  })

  it('baseline.scripted.json is a valid scorecard of the scripted brain over the current scenarios', () => {
    const b = loadBaseline(`${ROOT}evals/baseline.scripted.json`)
    expect(b.brain.kind).toBe('scripted')
    expect(b.results.map((r) => r.id).sort()).toEqual(scenarios.map((s) => s.id).sort())
  })

  it('policy.yaml and pricing.json load; the default model has a price', () => {
    expect(loadPolicy(`${ROOT}evals/policy.yaml`).forbidden_replies.length).toBeGreaterThan(0)
    const pricing = loadPricing(`${ROOT}evals/pricing.json`)
    const defaultModel = loadConfig({ APP_ENV: 'test' }).openai.model
    expect(priceOf(pricing, defaultModel)?.cached_input).toBeDefined()
    expect(priceOf(pricing, 'gpt-5-mini')).toEqual({ input: 0.25, cached_input: 0.025, output: 2 })
    expect(priceOf(pricing, 'some-local-model')).toBeUndefined()
  })
})
