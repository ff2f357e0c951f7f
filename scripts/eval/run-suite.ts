// Runs the scenarios (a few at a time, each in its own app and stand-ins) and scores them.
import { performance } from 'node:perf_hooks'
import { relative, resolve } from 'node:path'
import { DEFAULT_PLAYBOOK_URL, loadPlaybook, type Playbook } from '../../src/conversation/playbook.js'
import { loadPolicy } from './policy.js'
import type { Price } from './pricing.js'
import { runScenario, type BrainSettings } from './run-scenario.js'
import { loadScenarios, type Scenario } from './scenario.js'
import { buildScorecard, type Scorecard } from './scorecard.js'
import { scoreScenario, type ScenarioResult } from './score.js'

/**
 * The app's quiet time before it answers, in the eval: short, so the suite stays fast. A scenario
 * with a burst gets the service's default (1.5 s), so the burst's messages, sent one by one over
 * HTTP, land inside it even on a busy machine.
 */
export const EVAL_DEBOUNCE_MS = 100
export const EVAL_BURST_DEBOUNCE_MS = 1500

export interface SuiteOptions {
  /** The repository root: scenario playbook paths are relative to it. */
  readonly root: string
  readonly scenariosDir: string
  readonly policyPath: string
  readonly brain: BrainSettings
  /** The playbook of scenarios that name none; unset: playbooks/default.yaml. */
  readonly playbookPath?: string
  /** Only scenarios whose id contains this, or that carry this tag. */
  readonly filter?: string
  readonly concurrency: number
  readonly debounceMs: number
  /**
   * The debounce of scenarios with a burst (several messages in one step): long enough that the
   * burst, sent message by message over HTTP, lands inside it even on a busy machine.
   */
  readonly burstDebounceMs: number
  readonly stepTimeoutMs: number
  readonly price: Price | undefined
  /** Called as each scenario finishes (progress on the terminal). */
  readonly onResult?: (result: ScenarioResult) => void
}

export interface SuiteRun {
  readonly scorecard: Scorecard
  readonly results: readonly ScenarioResult[]
}

export async function runSuite (opts: SuiteOptions): Promise<SuiteRun> {
  const started = performance.now()
  const policy = loadPolicy(opts.policyPath)
  const scenarios = selectScenarios(loadScenarios(opts.scenariosDir, opts.root), opts.filter)
  if (scenarios.length === 0) throw new Error(`no scenario matches "${opts.filter ?? ''}"`)
  const defaultPlaybook = opts.playbookPath !== undefined ? resolve(opts.root, opts.playbookPath) : undefined
  const playbooks = new Map<string, Promise<Playbook>>()
  const playbookAt = (path: string | undefined): Promise<Playbook> => {
    const key = path ?? ''
    let p = playbooks.get(key)
    if (p === undefined) {
      p = loadPlaybook(path ?? DEFAULT_PLAYBOOK_URL)
      playbooks.set(key, p)
    }
    return p
  }

  const results: ScenarioResult[] = new Array<ScenarioResult>(scenarios.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < scenarios.length) {
      const index = next++
      const scenario = scenarios[index] as Scenario
      const playbookPath = scenario.playbook !== undefined ? resolve(opts.root, scenario.playbook) : defaultPlaybook
      const playbook = await playbookAt(playbookPath)
      const run = await runScenario(scenario, {
        brain: opts.brain,
        debounceMs: hasBurst(scenario) ? opts.burstDebounceMs : opts.debounceMs,
        stepTimeoutMs: opts.stepTimeoutMs,
        playbook,
        ...(playbookPath !== undefined ? { playbookPath } : {}),
      }, 7000 + index)
      const result = scoreScenario(scenario, run, { playbook, policy, modelAnswers: opts.brain.kind === 'model' })
      results[index] = result
      opts.onResult?.(result)
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, scenarios.length)) }, worker))

  const scorecard = buildScorecard(results, {
    brain: opts.brain.kind === 'model' ? { kind: 'model', model: opts.brain.model } : { kind: 'scripted' },
    playbook: defaultPlaybook !== undefined ? relative(opts.root, defaultPlaybook) : 'playbooks/default.yaml',
    durationMs: performance.now() - started,
    price: opts.brain.kind === 'scripted' ? { input: 0, output: 0 } : opts.price,
  })
  return { scorecard, results }
}

const hasBurst = (s: Scenario): boolean => s.steps.some((step) => 'lead' in step && Array.isArray(step.lead) && step.lead.length > 1)

export function selectScenarios (all: readonly Scenario[], filter: string | undefined): Scenario[] {
  if (filter === undefined || filter === '') return [...all]
  const wanted = filter.split(',').map((f) => f.trim()).filter((f) => f !== '')
  return all.filter((s) => wanted.some((w) => s.id.includes(w) || s.tags.includes(w)))
}
