import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { EVAL_BURST_DEBOUNCE_MS, EVAL_DEBOUNCE_MS, runSuite } from '../../scripts/eval/run-suite.js'
import { startFakeOpenAi, type ChatRequestBody, type FakeOpenAi } from '../helpers/fake-openai.js'

// `npm run eval` with a key: the same scenarios through the OpenAI brain. Here the "model" is the
// loopback stand-in answering a fixed reading per keyword, enough to prove the run uses the model,
// counts its tokens and cost, scores the model-only expectations and reports fallbacks.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const NO_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }
let fake: FakeOpenAi | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

/** The lead's newest words, from the user message the brain wraps in <lead_message>. */
function leadText (body: ChatRequestBody): string {
  const last = [...(body.messages ?? [])].reverse().find((m) => m.role === 'user')
  return typeof last?.content === 'string' ? last.content : ''
}

function scriptedModel (body: ChatRequestBody): unknown {
  const text = leadText(body).toLowerCase()
  const intent = /humano/.test(text) ? 'wants_human' : /\b(pare|sair)\b|não quero nada/.test(text) ? 'opt_out' : 'other'
  return { reply: '', fields: NO_FIELDS, intent, language: 'pt-BR', confidence: 0.9 }
}

const run = (baseUrl: string, filter: string) => runSuite({
  root: ROOT,
  scenariosDir: `${ROOT}evals/scenarios`,
  policyPath: `${ROOT}evals/policy.yaml`,
  brain: { kind: 'model', apiKey: 'sk-test', model: 'gpt-4o-mini', baseUrl, timeoutMs: 2000 },
  filter,
  concurrency: 3,
  debounceMs: EVAL_DEBOUNCE_MS,
  burstDebounceMs: EVAL_BURST_DEBOUNCE_MS,
  stepTimeoutMs: 15_000,
  price: { input: 0.15, output: 0.6 },
})

describe('conversation evals with a model (OpenAI-compatible stand-in)', () => {
  it('plays the scenarios through the model, with tokens and cost per conversation', async () => {
    fake = await startFakeOpenAi({ respond: scriptedModel })
    const { scorecard } = await run(fake.baseUrl, 'human-direct-pt,opt-out-sair')
    expect(fake.completions().length).toBeGreaterThanOrEqual(3)
    expect(scorecard.brain).toEqual({ kind: 'model', model: 'gpt-4o-mini' })
    expect(scorecard.scenarios).toMatchObject({ passed: 2, total: 2 })
    expect(scorecard.brain_fallbacks).toBe(0)
    const { prompt, completion } = scorecard.tokens_per_conversation
    expect(prompt).toBeGreaterThan(100)
    expect(completion).toBeGreaterThan(10)
    expect(scorecard.cost_per_conversation_usd).toBeCloseTo((prompt * 0.15 + completion * 0.6) / 1e6, 6)
  }, 60_000)

  it('scores the model-only expectations instead of setting them aside', async () => {
    fake = await startFakeOpenAi({ respond: scriptedModel })
    const { scorecard, results } = await run(fake.baseUrl, 'model-indirect-opt-out')
    expect(scorecard.model_only.total).toBe(0)
    expect(results[0]?.checks.find((c) => c.key === 'stage' && c.step === undefined)).toMatchObject({ passed: true, modelOnly: false, actual: 'opted_out' })
  }, 60_000)

  it('reports the turns the scripted brain answered because the model failed', async () => {
    fake = await startFakeOpenAi({ respond: scriptedModel })
    fake.failNext(100, 400)
    const { scorecard } = await run(fake.baseUrl, 'human-direct-pt')
    expect(scorecard.brain_fallbacks).toBeGreaterThan(0)
    expect(scorecard.tokens_per_conversation).toEqual({ prompt: 0, completion: 0 })
  }, 60_000)
})
