import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { EVAL_BURST_DEBOUNCE_MS, EVAL_DEBOUNCE_MS, runSuite } from '../../scripts/eval/run-suite.js'
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js'
import { keywordModel } from './keyword-model.js'

// `npm run eval` with a key: the same scenarios through the OpenAI brain. Here the "model" is the
// loopback stand-in answering a fixed reading per keyword, enough to prove the run uses the model,
// counts its tokens and cost, scores the model-only expectations and reports fallbacks.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const GPT_4O_MINI = { input: 0.15, cached_input: 0.075, output: 0.6 }
let fake: FakeOpenAi | undefined
afterEach(async () => {
  await fake?.close()
  fake = undefined
})

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
  price: GPT_4O_MINI,
})

describe('conversation evals with a model (OpenAI-compatible stand-in)', () => {
  it('plays the scenarios through the model, with tokens and cost per conversation', async () => {
    fake = await startFakeOpenAi({ respond: keywordModel })
    const { scorecard } = await run(fake.baseUrl, 'human-direct-pt,opt-out-sair')
    expect(fake.completions().length).toBeGreaterThanOrEqual(3)
    expect(scorecard.brain).toEqual({ kind: 'model', model: 'gpt-4o-mini' })
    expect(scorecard.scenarios).toMatchObject({ passed: 2, total: 2 })
    expect(scorecard.brain_fallbacks).toBe(0)
    const { prompt, completion, cached_prompt: cached = 0 } = scorecard.tokens_per_conversation
    expect(prompt).toBeGreaterThan(100)
    expect(completion).toBeGreaterThan(10)
    // The stand-in serves a prompt's prefix shared with an earlier call from its cache, as OpenAI
    // does past 1024 tokens: the static system prompt comes first, so every call after the first has it.
    const billed = fake.billed()
    const cachedBilled = billed.reduce((s, u) => s + u.prompt_tokens_details.cached_tokens, 0)
    expect(cachedBilled).toBeGreaterThan(0)
    expect(cached).toBeCloseTo(cachedBilled / 2, 1)
    expect(prompt).toBeCloseTo(billed.reduce((s, u) => s + u.prompt_tokens, 0) / 2, 1)
    expect(scorecard.cost_per_conversation_usd).toBeCloseTo(((prompt - cached) * 0.15 + cached * 0.075 + completion * 0.6) / 1e6, 5)
  }, 60_000)

  it('scores the model-only expectations instead of setting them aside', async () => {
    fake = await startFakeOpenAi({ respond: keywordModel })
    const { scorecard, results } = await run(fake.baseUrl, 'model-indirect-opt-out')
    expect(scorecard.model_only.total).toBe(0)
    expect(results[0]?.checks.find((c) => c.key === 'stage' && c.step === undefined)).toMatchObject({ passed: true, modelOnly: false, actual: 'opted_out' })
  }, 60_000)

  it('reports the turns the scripted brain answered because the model failed', async () => {
    fake = await startFakeOpenAi({ respond: keywordModel })
    fake.failNext(100, 400)
    const { scorecard } = await run(fake.baseUrl, 'human-direct-pt')
    expect(scorecard.brain_fallbacks).toBeGreaterThan(0)
    expect(scorecard.tokens_per_conversation).toEqual({ prompt: 0, completion: 0, cached_prompt: 0 })
  }, 60_000)
})
