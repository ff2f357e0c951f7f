// Plays the holdout scenarios (.prof/holdout) through the real pipeline with the scripted brain and
// prints, per language, the pass rate and, for each failure, the failed checks and the transcript.
import { fileURLToPath } from 'node:url'
import { loadPlaybook, DEFAULT_PLAYBOOK_URL } from '../src/conversation/playbook.js'
import { loadPolicy } from '../scripts/eval/policy.js'
import { runScenario } from '../scripts/eval/run-scenario.js'
import { loadScenarios, stepMessages } from '../scripts/eval/scenario.js'
import { scoreScenario, type ScenarioResult } from '../scripts/eval/score.js'
import { EVAL_BURST_DEBOUNCE_MS, EVAL_DEBOUNCE_MS, selectScenarios } from '../scripts/eval/run-suite.js'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const dir = process.argv[2] ?? `${ROOT}.prof/holdout`
const filter = process.argv[3]
const policy = loadPolicy(`${ROOT}evals/policy.yaml`)
const playbook = await loadPlaybook(DEFAULT_PLAYBOOK_URL)
const scenarios = selectScenarios(loadScenarios(dir, ROOT), filter)
const out: Array<{ r: ScenarioResult, text: string }> = []
let next = 0
const worker = async (): Promise<void> => {
  while (next < scenarios.length) {
    const i = next++
    const s = scenarios[i]!
    const burst = s.steps.some((st) => 'lead' in st && Array.isArray(st.lead) && st.lead.length > 1)
    const run = await runScenario(s, { brain: { kind: 'scripted' }, debounceMs: burst ? EVAL_BURST_DEBOUNCE_MS : EVAL_DEBOUNCE_MS, stepTimeoutMs: 10_000, playbook }, 9000 + i)
    const r = scoreScenario(s, run, { playbook, policy, modelAnswers: false })
    const lines: string[] = []
    run.steps.forEach((st) => {
      const step = s.steps[st.index]!
      if ('lead' in step) lines.push(`  lead: ${stepMessages(step).map((m) => JSON.stringify(m)).join(' | ')}`)
      else lines.push(`  ${JSON.stringify(step)}`)
      for (const rep of st.replies) lines.push(`    bot: ${rep.content.replace(/\n+/g, ' ⏎ ')}${rep.buttons.length ? `  [${rep.buttons.join(' | ')}]` : ''}`)
      lines.push(`    · stage ${st.stage} · turns ${st.turns.map((t) => t.intent + ':' + t.actions.join('+')).join(', ')} · fields ${JSON.stringify(st.fields)}`)
    })
    for (const n of run.notes) lines.push(`  [note] ${n.content.replace(/\n+/g, ' ⏎ ')}`)
    lines.push(`  workflows: ${run.workflows.map((w) => JSON.stringify(w).slice(0, 300)).join(' ; ')}`)
    lines.push(`  handoffReasons: ${run.handoffReasons.join(',')} · final ${JSON.stringify(run.final)}`)
    if (run.error) lines.push(`  ERROR: ${run.error}`)
    out[i] = { r, text: lines.join('\n') }
  }
}
await Promise.all(Array.from({ length: 6 }, worker))
const byLang = new Map<string, [number, number]>()
for (const { r, text } of out) {
  const c = byLang.get(r.language) ?? [0, 0]
  c[1]++
  if (r.passed) c[0]++
  byLang.set(r.language, c)
  if (!r.passed || process.env['SHOW_ALL']) {
    process.stdout.write(`\n=== ${r.passed ? 'PASS' : 'FAIL'} ${r.id} (${r.language})\n`)
    for (const c2 of r.checks.filter((k) => !k.passed)) process.stdout.write(`  ✗ [${c2.category}] step ${c2.step ?? '-'} ${c2.key}: expected ${c2.expected} · got ${c2.actual}${c2.modelOnly ? ' (model-only)' : ''}\n`)
    for (const v of r.violations) process.stdout.write(`  ✗ violation ${JSON.stringify(v)}\n`)
    if (r.error) process.stdout.write(`  ✗ error ${r.error}\n`)
    process.stdout.write(text + '\n')
  }
}
process.stdout.write('\n')
for (const [lang, [p, t]] of byLang) process.stdout.write(`${lang}: ${p}/${t}\n`)
process.exit(0)
