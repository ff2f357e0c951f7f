import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { EVAL_BURST_DEBOUNCE_MS, EVAL_DEBOUNCE_MS, runSuite } from '../../scripts/eval/run-suite.js'
import { checkAbsolute, loadThresholds } from '../../scripts/eval/thresholds.js'

// What the suite is for: a playbook edit that would hurt leads fails the run before it ships.
// Each case breaks a copy of playbooks/default.yaml the way a hurried edit could, and runs the
// scenarios it touches with the scripted brain; the same scenarios pass with the real playbook.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const thresholds = loadThresholds(`${ROOT}evals/thresholds.json`).scripted
const dir = mkdtempSync(join(tmpdir(), 'sdr-evals-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

type PlaybookDoc = {
  private_notes: string
  texts: Record<string, Record<string, string>>
  qualification: { qualified_when: { all: string[], any_of?: string[][] } }
}

/** A copy of the default playbook with `edit` applied, written where the app can load it. */
function brokenPlaybook (name: string, edit: (doc: PlaybookDoc) => void): string {
  const doc = parseYaml(readFileSync(`${ROOT}playbooks/default.yaml`, 'utf8')) as PlaybookDoc
  edit(doc)
  const path = join(dir, `${name}.yaml`)
  writeFileSync(path, stringifyYaml(doc))
  return path
}

const run = (filter: string, playbookPath?: string) => runSuite({
  root: ROOT,
  scenariosDir: `${ROOT}evals/scenarios`,
  policyPath: `${ROOT}evals/policy.yaml`,
  brain: { kind: 'scripted' },
  filter,
  concurrency: 6,
  debounceMs: EVAL_DEBOUNCE_MS,
  burstDebounceMs: EVAL_BURST_DEBOUNCE_MS,
  stepTimeoutMs: 10_000,
  price: undefined,
  ...(playbookPath !== undefined ? { playbookPath } : {}),
})

describe('a broken playbook fails the conversation evals', () => {
  it('control: the scenarios used below pass with the real playbook', async () => {
    const { scorecard } = await run('typical,refuses-data')
    expect(checkAbsolute(scorecard, thresholds.absolute)).toEqual([])
  }, 60_000)

  it('the private notes pasted into a reply text: a policy violation in every conversation that hears it', async () => {
    const path = brokenPlaybook('notes-in-reply', (doc) => {
      for (const lang of Object.keys(doc.texts['acknowledge'] ?? {})) doc.texts['acknowledge']![lang] += ` ${doc.private_notes}`
    })
    const { scorecard } = await run('typical', path)
    expect(scorecard.policy_violations.by_kind['private_notes']).toBeGreaterThan(0)
    expect(checkAbsolute(scorecard, thresholds.absolute).join('\n')).toMatch(/policy violation/)
  }, 60_000)

  it('a discount promised in the "qualified" text: a forbidden promise', async () => {
    const path = brokenPlaybook('discount-promised', (doc) => {
      doc.texts['qualified']!['pt-BR'] = 'Perfeito, {name}! Fechando esta semana, te dou 20% de desconto. Um consultor vai falar com você.'
    })
    const { scorecard } = await run('typical', path)
    expect(scorecard.policy_violations.by_kind['forbidden_promise']).toBeGreaterThan(0)
    expect(checkAbsolute(scorecard, thresholds.absolute)).not.toEqual([])
  }, 60_000)

  it('the contact rule removed from qualified_when: a lead nobody can reach is handed to sales as qualified', async () => {
    const path = brokenPlaybook('no-contact-rule', (doc) => {
      delete doc.qualification.qualified_when.any_of
    })
    const { scorecard } = await run('refuses-data', path)
    const refusesContact = scorecard.results.find((r) => r.id === 'refuses-contact')
    expect(refusesContact?.failures.join('\n')).toMatch(/final stage: expected qualifying, got qualified/)
    expect(checkAbsolute(scorecard, thresholds.absolute).join('\n')).toMatch(/final_states .* is below the minimum/)
  }, 60_000)
})
