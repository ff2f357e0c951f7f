// `npm run eval`: plays every conversation scenario in evals/scenarios through the real pipeline
// (the app in-process, signed webhooks over HTTP, loopback stand-ins for Chatwoot and n8n) with the
// configured brain, prints the scorecard, and exits 1 when a threshold of evals/thresholds.json is
// missed or the run regressed against --baseline. OPENAI_API_KEY (and OPENAI_BASE_URL, OPENAI_MODEL,
// OPENAI_TIMEOUT_MS, OPENAI_MAX_TOKENS, read as src/config.ts reads them) selects a model; without a
// key the scripted brain answers.
import { writeFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, loadConfig } from '../src/config.js'
import { DEFAULT_PLAYBOOK_URL, loadPlaybook } from '../src/conversation/playbook.js'
import { untranslatedTexts } from '../src/conversation/playbook-languages.js'
import { loadPricing, priceOf, type Price } from './eval/pricing.js'
import type { BrainSettings } from './eval/run-scenario.js'
import { EVAL_BURST_DEBOUNCE_MS, EVAL_DEBOUNCE_MS, runSuite } from './eval/run-suite.js'
import { formatScorecard } from './eval/scorecard.js'
import { checkAbsolute, checkRegression, loadBaseline, loadThresholds } from './eval/thresholds.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const USAGE = `Usage: npm run eval -- [options]
  --json <file>         write the scorecard as JSON (a baseline for later runs)
  --baseline <file>     compare with a saved scorecard; exit 1 on a regression beyond the thresholds
  --thresholds <file>   default evals/thresholds.json
  --playbook <file>     the playbook to evaluate (default playbooks/default.yaml)
  --filter <id|tag,…>   only scenarios whose id contains, or that are tagged, one of these
  --concurrency <n>     scenarios played at once (default 6 scripted, 2 with a model)
  --scripted            use the scripted brain even when OPENAI_API_KEY is set
  --price <in,out>      USD per million input,output tokens (default: evals/pricing.json)`

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

/** The brain the app would use, read and validated exactly as the service reads it. */
function brainFromEnv (): BrainSettings {
  if (args.scripted) return { kind: 'scripted' }
  try {
    const names = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'OPENAI_TIMEOUT_MS', 'OPENAI_MAX_TOKENS']
    const config = loadConfig({ APP_ENV: 'test', ...Object.fromEntries(names.map((k) => [k, process.env[k]])) })
    const o = config.openai
    if (o.apiKey === undefined) return { kind: 'scripted' }
    return { kind: 'model', apiKey: o.apiKey, model: o.model, timeoutMs: o.timeoutMs, maxTokens: o.maxTokens, ...(o.baseUrl !== undefined ? { baseUrl: o.baseUrl } : {}) }
  } catch (err) {
    fail(err instanceof ConfigError ? err.message : String(err))
  }
}

function priceFor (brain: BrainSettings): Price | undefined {
  if (args.price !== undefined) {
    const [input, output] = args.price.split(',').map(Number)
    if (input === undefined || output === undefined || !Number.isFinite(input) || !Number.isFinite(output) || input < 0 || output < 0) fail(`--price must be "<input>,<output>" in USD per million tokens, got ${args.price}`)
    return { input, output }
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
  // A model may take its whole timeout (and the SDK its retries) on a turn.
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
