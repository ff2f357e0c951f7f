// `npm run eval`: plays every conversation scenario in evals/scenarios through the real pipeline
// (the app in-process, signed webhooks over HTTP, loopback stand-ins for Chatwoot and n8n) with the
// chosen brain, prints the scorecard, and exits 1 when a threshold of evals/thresholds.json is
// missed or the run regressed against --baseline, 2 when it cannot run as asked. `--brain openai`
// asks the model of the OPENAI_* variables (read and validated as src/config.ts reads them) and
// refuses to run without a key: a model run that quietly became a scripted one would score the
// wrong brain.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../src/config.js'
import { DEFAULT_PLAYBOOK_URL, loadPlaybook } from '../src/conversation/playbook.js'
import { untranslatedTexts } from '../src/conversation/playbook-languages.js'
import { loadPricing, parsePriceArg, priceOf, type Price } from './eval/pricing.js'
import type { BrainSettings, ModelBrain } from './eval/run-scenario.js'
import { EVAL_BURST_DEBOUNCE_MS, EVAL_DEBOUNCE_MS, runSuite } from './eval/run-suite.js'
import { formatScorecard } from './eval/scorecard.js'
import { checkAbsolute, checkRegression, loadBaseline, loadThresholds } from './eval/thresholds.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const DEFAULT_MODEL = loadConfig({ APP_ENV: 'test' }).openai.model
const USAGE = `Usage: npm run eval -- [options]
  --brain <openai|scripted>  who answers (default: openai when OPENAI_API_KEY is set, else scripted)
  --scripted                 same as --brain scripted
  --json <file>              write the scorecard as JSON (a baseline for later runs)
  --baseline <file>          compare with a saved scorecard; exit 1 on a regression beyond the thresholds
  --thresholds <file>        default evals/thresholds.json
  --playbook <file>          the playbook to evaluate (default playbooks/default.yaml)
  --filter <id|tag,…>        only scenarios whose id contains, or that are tagged, one of these
  --concurrency <n>          scenarios played at once (default 6 scripted, 2 with a model)
  --price <in,out[,cached]>  USD per million input, output and cached input tokens (default:
                             evals/pricing.json; cached input at the input price when not given)

With --brain openai the model is configured as the service configures it: OPENAI_API_KEY (required:
without it the run exits 2 rather than score the scripted brain), OPENAI_MODEL (default ${DEFAULT_MODEL}),
OPENAI_BASE_URL (any OpenAI-compatible provider), OPENAI_TIMEOUT_MS, OPENAI_MAX_TOKENS,
OPENAI_TOKEN_PARAM, OPENAI_REASONING_EFFORT, OPENAI_RESPONSE_FORMAT. Turns the model fails are
answered by the scripted brain and counted as "scripted fallbacks".

Exit codes: 0 thresholds met (and no regression), 1 a threshold missed or a regression, 2 cannot run.

Committing a model baseline (whoever has a key; CI keeps gating on the scripted one):
  OPENAI_API_KEY=sk-… npm run eval -- --brain openai --json evals/baseline.openai.json
Later runs compare with it:
  npm run eval -- --brain openai --baseline evals/baseline.openai.json`

function fail (message: string, code = 2): never {
  process.stderr.write(`${message}\n`)
  process.exit(code)
}

function parse () {
  return parseArgs({
    options: {
      json: { type: 'string' },
      baseline: { type: 'string' },
      thresholds: { type: 'string', default: 'evals/thresholds.json' },
      playbook: { type: 'string' },
      filter: { type: 'string' },
      concurrency: { type: 'string' },
      brain: { type: 'string' },
      scripted: { type: 'boolean', default: false },
      price: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }).values
}
const args = (() => {
  try {
    return parse()
  } catch (err) {
    fail(`${err instanceof Error ? err.message : String(err)}\n${USAGE}`)
  }
})()
if (args.help) {
  process.stdout.write(`${USAGE}\n`)
  process.exit(0)
}

type BrainChoice = 'openai' | 'scripted' | 'auto'

/** --brain, or its alias --scripted; unset: `auto` (a model when a key is set). */
function brainChoice (): BrainChoice {
  if (args.brain !== undefined && args.brain !== 'openai' && args.brain !== 'scripted') fail(`--brain must be openai or scripted, got ${args.brain}\n${USAGE}`)
  if (args.scripted && args.brain === 'openai') fail('--scripted and --brain openai contradict each other')
  return args.scripted ? 'scripted' : args.brain ?? 'auto'
}

const OPENAI_ENV = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'OPENAI_TIMEOUT_MS', 'OPENAI_MAX_TOKENS', 'OPENAI_TOKEN_PARAM', 'OPENAI_REASONING_EFFORT', 'OPENAI_RESPONSE_FORMAT'] as const

/** The model the app would ask, read and validated exactly as the service reads it; undefined without a key. */
function modelFromEnv (): ModelBrain | undefined {
  try {
    const o = loadConfig({ APP_ENV: 'test', ...Object.fromEntries(OPENAI_ENV.map((k) => [k, process.env[k]])) }).openai
    if (o.apiKey === undefined) return undefined
    return {
      kind: 'model',
      apiKey: o.apiKey,
      model: o.model,
      timeoutMs: o.timeoutMs,
      maxTokens: o.maxTokens,
      responseFormat: o.responseFormat,
      ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}),
      ...(o.tokenParam !== undefined ? { tokenParam: o.tokenParam } : {}),
      ...(o.reasoningEffort !== undefined ? { reasoningEffort: o.reasoningEffort } : {}),
    }
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err))
  }
}

function brainFromEnv (): BrainSettings {
  const choice = brainChoice()
  if (choice === 'scripted') return { kind: 'scripted' }
  const model = modelFromEnv()
  if (model !== undefined) return model
  if (choice === 'openai') fail('--brain openai needs OPENAI_API_KEY (and OPENAI_MODEL, OPENAI_BASE_URL… as the service reads them); it is not set, so no model can answer. Use --brain scripted for the scripted brain.')
  return { kind: 'scripted' }
}

function priceFor (brain: BrainSettings): Price | undefined {
  if (args.price !== undefined) {
    try {
      return parsePriceArg(args.price)
    } catch (err) {
      fail(err instanceof Error ? err.message : String(err))
    }
  }
  return brain.kind === 'model' ? priceOf(loadPricing(`${ROOT}evals/pricing.json`), brain.model) : undefined
}

const brain = brainFromEnv()
const concurrency = args.concurrency !== undefined ? Number(args.concurrency) : brain.kind === 'model' ? 2 : 6
if (!Number.isInteger(concurrency) || concurrency < 1) fail(`--concurrency must be a positive integer, got ${args.concurrency ?? ''}`)

const { thresholds, baseline } = (() => {
  try {
    return { thresholds: loadThresholds(args.thresholds), baseline: args.baseline !== undefined ? loadBaseline(args.baseline) : undefined }
  } catch (err) {
    fail(`cannot read the thresholds or the baseline: ${err instanceof Error ? err.message : String(err)}`)
  }
})()

const progress = process.stderr.isTTY
let done = 0
const { scorecard, results } = await runSuite({
  root: ROOT,
  scenariosDir: `${ROOT}evals/scenarios`,
  policyPath: `${ROOT}evals/policy.yaml`,
  brain,
  ...(args.playbook !== undefined ? { playbookPath: args.playbook } : {}),
  ...(args.filter !== undefined ? { filter: args.filter } : {}),
  concurrency,
  debounceMs: EVAL_DEBOUNCE_MS,
  burstDebounceMs: EVAL_BURST_DEBOUNCE_MS,
  // A model may take its whole deadline on a turn (its one retry inside it); the rest is slack for a busy machine.
  stepTimeoutMs: brain.kind === 'model' ? (brain.timeoutMs ?? 15_000) * 3 + 5000 : 10_000,
  price: priceFor(brain),
  onResult: (r) => {
    done++
    if (progress) process.stderr.write(`\r${done} scenario(s) played… ${r.passed ? '' : `(${r.id} failed)`}`.padEnd(70))
  },
}).catch((err: unknown) => fail(`the eval could not run: ${err instanceof Error ? err.message : String(err)}`))
if (progress) process.stderr.write('\r'.padEnd(72) + '\r')

process.stdout.write(`${formatScorecard(scorecard, results)}\n\n`)
if (args.json !== undefined) {
  writeFileSync(args.json, `${JSON.stringify(scorecard, null, 2)}\n`)
  process.stdout.write(`Scorecard written to ${args.json}\n`)
}

const limits = brain.kind === 'model' ? thresholds.model : thresholds.scripted
const problems = checkAbsolute(scorecard, limits.absolute)
// A text missing one of the playbook's `languages` makes leads of that language read the playbook's own.
const evaluated = await loadPlaybook(args.playbook !== undefined ? resolve(ROOT, args.playbook) : DEFAULT_PLAYBOOK_URL)
const gaps = untranslatedTexts(evaluated)
process.stdout.write(`Languages (${(evaluated.languages ?? [evaluated.language]).join(', ')}): ${gaps.length === 0 ? 'every text has each' : `${gaps.length} text(s) missing one`}\n`)
for (const g of gaps) process.stdout.write(`  ✗ ${g}\n`)
problems.push(...gaps.map((g) => `untranslated: ${g}`))
process.stdout.write(`Thresholds (${args.thresholds}, ${brain.kind}): ${problems.length === 0 ? 'met' : 'MISSED'}\n`)
for (const p of problems) process.stdout.write(`  ✗ ${p}\n`)
if (baseline !== undefined) {
  const { regressions, notes } = checkRegression(scorecard, baseline, limits.regression)
  problems.push(...regressions)
  process.stdout.write(`Baseline (${args.baseline ?? ''}): ${regressions.length === 0 ? 'no regression' : 'REGRESSED'}\n`)
  for (const r of regressions) process.stdout.write(`  ✗ ${r}\n`)
  for (const n of notes) process.stdout.write(`  · ${n}\n`)
}
process.exit(problems.length === 0 ? 0 : 1)
