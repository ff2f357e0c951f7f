import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import { loadPolicy } from '../../scripts/eval/policy.js'
import { replyLanguage } from '../../scripts/eval/reply-language.js'
import type { ScenarioRun, StepRun } from '../../scripts/eval/run-scenario.js'
import { parseScenarioFile } from '../../scripts/eval/scenario.js'
import { fieldMatches, scoreScenario } from '../../scripts/eval/score.js'

// Scoring one scenario's run: made-up runs against a small scenario, so each rule shows.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const playbook = await loadPlaybook()
const policy = loadPolicy(`${ROOT}evals/policy.yaml`)

const [scenario] = parseScenarioFile(JSON.stringify({
  scenarios: [{
    id: 'two-steps',
    title: 'Two steps',
    tags: ['typical'],
    language: 'pt-BR',
    steps: [
      { lead: 'Você viu o jogo ontem?', expect: { intent: 'other', needs_model: ['intent'] } },
      { lead: ['Maria', 'da Acme'], expect: { intent: 'gives_info', fields: { name: 'Maria', email: null }, reply_language: 'en' } },
    ],
    final: { stage: 'qualifying', workflows: [] },
  }],
}), 'inline.json')
if (scenario === undefined) throw new Error('no scenario')

const turn = (intent: string, to = 'qualifying') => ({ intent, from: 'new', to, adapter: 'scripted', actions: ['reply'] })
const step = (index: number, over: Partial<StepRun> = {}): StepRun => ({ index, kind: 'lead', acks: ['accepted'], turns: [], replies: [], fields: {}, ...over })
const PT = 'Olá! Eu sou a Ana, da MrDom. Para começar, como posso te chamar?'
const EN = 'Thanks, Maria! Maria, which company are you with?'

const run = (steps: StepRun[], over: Partial<ScenarioRun> = {}): ScenarioRun => ({
  id: 'two-steps',
  steps,
  replies: steps.flatMap((s) => s.replies.map((r) => ({ content: r.content, status: 'pending', labels: [] }))),
  workflows: [],
  handoffReasons: [],
  handoffs: 0,
  final: { stage: steps.flatMap((s) => s.turns).at(-1)?.to ?? 'new', status: 'pending', labels: [], fields: steps.at(-1)?.fields ?? {} },
  tokens: { prompt: 0, completion: 0 },
  brainFallbacks: 0,
  durationMs: 10,
  error: undefined,
  ...over,
})

const good = run([
  step(0, { turns: [turn('asks_question')], replies: [{ content: PT, latencyMs: 5 }] }),
  step(1, { turns: [turn('gives_info')], replies: [{ content: EN, latencyMs: 7 }], fields: { name: 'Maria' } }),
])

describe('scoreScenario', () => {
  it('passes a run that meets every scored expectation; the model-only miss is set apart', () => {
    const r = scoreScenario(scenario, good, { playbook, policy, modelAnswers: false })
    expect(r.passed).toBe(true)
    expect(r.checks.filter((c) => !c.passed).map((c) => [c.key, c.modelOnly])).toEqual([['intent', true]])
    expect(r.latenciesMs).toEqual([5, 7])
  })

  it('scores the same miss when a model answered', () => {
    expect(scoreScenario(scenario, good, { playbook, policy, modelAnswers: true }).passed).toBe(false)
  })

  it('fails a burst answered twice, a missing field, a reply in the wrong language', () => {
    const split = run([
      good.steps[0] as StepRun,
      step(1, { turns: [turn('gives_info'), turn('gives_info')], replies: [{ content: PT, latencyMs: 1 }, { content: PT, latencyMs: 1 }], fields: {} }),
    ])
    const failed = scoreScenario(scenario, split, { playbook, policy, modelAnswers: false }).checks.filter((c) => !c.passed && !c.modelOnly)
    expect(failed.map((c) => `${c.key}: ${c.actual}`)).toEqual([
      'reply: 2 replies',
      'reply_language: pt-BR',
      'intent: gives_info+gives_info',
      'fields.name: absent',
    ])
  })

  it('fails on a policy violation or an unfinished run, whatever the checks say', () => {
    const leaked = run(good.steps as StepRun[], { replies: [{ content: 'Posso ajudar?', status: 'open', labels: [] }] })
    expect(scoreScenario(scenario, leaked, { playbook, policy, modelAnswers: false })).toMatchObject({ passed: false, violations: [{ kind: 'message_while_human' }] })
    expect(scoreScenario(scenario, run(good.steps as StepRun[], { error: 'timed out' }), { playbook, policy, modelAnswers: false }).passed).toBe(false)
  })

  it('checks the final workflows exactly', () => {
    const fired = run(good.steps as StepRun[], { workflows: [{ path: '/webhook/handoff', idempotencyKey: 'k' }], handoffs: 1 })
    const check = scoreScenario(scenario, fired, { playbook, policy, modelAnswers: false }).checks.find((c) => c.key === 'workflows')
    expect(check).toMatchObject({ passed: false, expected: 'none', actual: 'handoff' })
  })
})

describe('fieldMatches', () => {
  it.each([
    ['Acme', 'ACME Ltda.', true],
    ['+55 11 98765-4321', '5511987654321', true],
    ['Clínica Sorriso', 'Clinica sorriso', true],
    ['Acme Ltda', 'Acme', false],
  ])('"%s" in "%s" → %s', (want, actual, ok) => {
    expect(fieldMatches(want, actual)).toBe(ok)
  })

  it('a regular expression, and null for "must be absent"', () => {
    expect(fieldMatches({ matches: '^Helena$' }, 'Tá Bom, É Helena')).toBe(false)
    expect(fieldMatches(null, undefined)).toBe(true)
    expect(fieldMatches(null, 'x')).toBe(false)
    expect(fieldMatches('x', undefined)).toBe(false)
  })
})

describe('replyLanguage', () => {
  it.each([
    [PT, 'pt-BR'],
    [EN, 'en'],
    ['¡Gracias, Lucía! ¿Cuál es tu cargo?', 'es'],
    ['Recibí tu archivo, pero aquí solo puedo leer texto. ¿Puedes escribirlo?', 'es'],
    ['Sure, we integrate with HubSpot. What would you like to solve with MrDom? A few words are enough.', 'en'],
  ])('"%s" → %s', (text, language) => {
    expect(replyLanguage(text, playbook)).toBe(language)
  })

  it('says nothing when nothing tells', () => {
    expect(replyLanguage('👍', playbook)).toBeUndefined()
  })
})
