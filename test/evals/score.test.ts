import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import { loadPolicy } from '../../scripts/eval/policy.js'
import { foreignLines, replyLanguage } from '../../scripts/eval/reply-language.js'
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
    final: { stage: 'qualifying', workflows: [], open_ended: true },
  }],
}), 'inline.json')
if (scenario === undefined) throw new Error('no scenario')

const turn = (intent: string, to = 'qualifying') => ({ intent, from: 'new', to, adapter: 'scripted', actions: ['reply'] })
const step = (index: number, over: Partial<StepRun> = {}): StepRun => ({ index, kind: 'lead', acks: ['accepted'], turns: [], replies: [], fields: {}, stage: over.turns?.at(-1)?.to ?? 'new', ...over })
const said = (content: string, latencyMs = 5, buttons: string[] = []) => ({ content, buttons, latencyMs })
const PT = 'Olá! Eu sou a Ana, da MrDom. Para começar, como posso te chamar?'
const EN = 'Thanks, Maria! Maria, which company are you with?'

const run = (steps: StepRun[], over: Partial<ScenarioRun> = {}): ScenarioRun => ({
  id: 'two-steps',
  steps,
  replies: steps.flatMap((s) => s.replies.map((r) => ({ content: r.content, buttons: r.buttons, status: 'pending', labels: [] }))),
  notes: [],
  workflows: [],
  handoffReasons: [],
  handoffs: 0,
  final: { stage: steps.flatMap((s) => s.turns).at(-1)?.to ?? 'new', status: 'pending', labels: [], fields: steps.at(-1)?.fields ?? {} },
  tokens: { prompt: 0, cachedPrompt: 0, completion: 0 },
  brainFallbacks: 0,
  durationMs: 10,
  error: undefined,
  ...over,
})

const good = run([
  step(0, { turns: [turn('asks_question')], replies: [said(PT, 5)] }),
  step(1, { turns: [turn('gives_info')], replies: [said(EN, 7)], fields: { name: 'Maria' } }),
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
      step(1, { turns: [turn('gives_info'), turn('gives_info')], replies: [said(PT, 1), said(EN, 1)], fields: {} }),
    ])
    const failed = scoreScenario(scenario, split, { playbook, policy, modelAnswers: false }).checks.filter((c) => !c.passed && !c.modelOnly)
    expect(failed.map((c) => `${c.key}: ${c.actual}`)).toEqual([
      'reply: 2 replies',
      `reply_language: pt-BR line "${PT}"`,
      'intent: gives_info+gives_info',
      'fields.name: absent',
    ])
  })

  it('fails on a policy violation or an unfinished run, whatever the checks say', () => {
    const leaked = run(good.steps as StepRun[], { replies: [{ content: 'Posso ajudar?', status: 'open', labels: [] }] })
    expect(scoreScenario(scenario, leaked, { playbook, policy, modelAnswers: false })).toMatchObject({ passed: false, violations: [{ kind: 'message_while_human' }] })
    expect(scoreScenario(scenario, run(good.steps as StepRun[], { error: 'timed out' }), { playbook, policy, modelAnswers: false }).passed).toBe(false)
  })

  it('judges every line and every button of a reply: one line in another language fails it', () => {
    const mixed = run([
      good.steps[0] as StepRun,
      step(1, { turns: [turn('gives_info')], replies: [said('Thanks, Maria!\n\nOs planos são mensais e dependem do número de atendentes.\n\nWhich company are you with?', 5, ['Up to R$ 1,000', 'Este mês'])], fields: { name: 'Maria' } }),
    ])
    const check = scoreScenario(scenario, mixed, { playbook, policy, modelAnswers: false }).checks.find((c) => c.key === 'reply_language' && c.step === 2)
    expect(check?.passed).toBe(false)
    expect(check?.actual).toMatch(/^pt-BR line "Os planos são mensais/)
    expect(check?.actual).toMatch(/pt-BR button "Este mês"/)
    expect(check?.actual).not.toMatch(/Up to/)
  })

  it('an unfinished conversation is a violation unless the scenario says it is open-ended', () => {
    const closed = { ...scenario, final: { ...scenario.final, open_ended: false } }
    expect(scoreScenario(closed, good, { playbook, policy, modelAnswers: false }).violations.map((v) => v.kind)).toEqual(['unfinished'])
    expect(scoreScenario({ ...scenario, final: { ...scenario.final, open_ended: true } }, good, { playbook, policy, modelAnswers: false }).violations).toEqual([])
    // A run that broke off is reported as an error, not as an unfinished conversation.
    expect(scoreScenario(closed, run(good.steps as StepRun[], { error: 'timed out' }), { playbook, policy, modelAnswers: false }).violations).toEqual([])
  })

  it("checks the lead_disqualified workflow's reason", () => {
    const [dq] = parseScenarioFile(JSON.stringify({ scenarios: [{ id: 'dq-reason', title: 'dq', tags: ['disqualified'], language: 'pt-BR', steps: [{ lead: 'quero emprego' }], final: { stage: 'disqualified', disqualify_reason: 'job_seeker' } }] }), 'dq.json')
    if (dq === undefined) throw new Error('no scenario')
    const ended = (reason: string) => run([step(0, { turns: [turn('other', 'disqualified')], replies: [said('Obrigada pelo contato! No momento não temos vagas por aqui.')] })], { workflows: [{ path: '/webhook/lead-disqualified', idempotencyKey: 'a', reason }] })
    expect(scoreScenario(dq, ended('job_seeker'), { playbook, policy, modelAnswers: false }).passed).toBe(true)
    expect(scoreScenario(dq, ended('not_interested'), { playbook, policy, modelAnswers: false }).checks.find((c) => c.key === 'disqualify_reason')).toMatchObject({ passed: false, actual: 'not_interested' })
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

describe('foreignLines', () => {
  it.each([
    ['en', 'Hi! I\'m Ana, from MrDom. 😊\n\nTo start, what\'s your name?'],
    ['es', '¡Hola! Soy Ana, de MrDom. 😊\n\nPara empezar, ¿cómo te llamas?'],
    ['pt-BR', 'Olá! Eu sou a Ana, da MrDom. 😊\n\nPara começar, como posso te chamar?'],
    ['en', 'Thanks, João!\n\njohn@acme.com\n\n😊'],
    ['es', '¡Gracias, Juliana!\n\n¿Cuál es tu cargo?'],
  ])('a %s reply in that language passes, a name or an e-mail line tells nothing', (language, text) => {
    expect(foreignLines(text, [], language, playbook)).toEqual([])
  })

  it.each([
    ['en', 'Hi! I\'m Ana, from MrDom. 😊\n\nOs planos são mensais e dependem do número de atendentes.\n\nTo start, what\'s your name?', 'pt-BR'],
    ['es', '¡Gracias, Lucía!\n\nWhat\'s your role there?', 'en'],
    ['pt-BR', 'Obrigada, Maria!\n\n¿Cuál es tu cargo?', 'es'],
    ['en', 'Thanks, John!\nEssa eu não sei responder por aqui, mas um consultor pode ajudar.', 'pt-BR'],
  ])('one line in another language fails a %s reply, however the rest reads', (language, text, other) => {
    expect(foreignLines(text, [], language, playbook).map((f) => f.language)).toEqual([other])
  })

  it('judges each button title: a Portuguese button for an English or Spanish lead fails', () => {
    expect(foreignLines('Do you have a monthly budget in mind for this?', ['Até R$ 1.000', 'R$ 1.000 a 5.000', 'Acima de R$ 5.000'], 'en', playbook).map((f) => f.kind)).toContain('button')
    expect(foreignLines('¿Para cuándo lo necesitan funcionando?', ['Este mês', 'Em até 3 meses', 'Só pesquisando'], 'es', playbook).map((f) => f.text)).toEqual(['Este mês', 'Em até 3 meses', 'Só pesquisando'])
    expect(foreignLines('Para quando vocês precisam disso funcionando?', ['Este mês', 'Em até 3 meses', 'Só pesquisando'], 'pt-BR', playbook)).toEqual([])
    expect(foreignLines('When do you need this up and running?', ['This month', 'Within 3 months', 'Just researching'], 'en', playbook)).toEqual([])
  })

  it('reads button titles written per language in the playbook', () => {
    const localized = {
      ...playbook,
      qualification: {
        ...playbook.qualification,
        fields: playbook.qualification.fields.map((f) => f.key !== 'timeline'
          ? f
          : {
              ...f,
              choices: [{ value: 'este_mes', title: { 'pt-BR': 'Este mês', en: 'This month', es: 'Este mes' } }],
            }),
      },
    } as unknown as typeof playbook
    expect(foreignLines('', ['Este mes'], 'es', localized)).toEqual([])
    expect(foreignLines('', ['Este mês'], 'es', localized).map((f) => f.language)).toEqual(['pt-BR'])
    expect(foreignLines('', ['This month'], 'pt-BR', localized).map((f) => f.language)).toEqual(['en'])
  })
})
