import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { scorecardSchema } from '../../scripts/eval/scorecard.js'

// `npm run eval` as a process: its exit code is what CI and a pre-release check rely on.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'sdr-eval-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function evalCli (args: string[]): Promise<{ code: number | null, stdout: string, stderr: string }> {
  // No key from the developer's shell: these runs are about the scripted brain.
  const env = { ...process.env, OPENAI_API_KEY: '' }
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/eval.ts', ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })))
}

describe('npm run eval', () => {
  it('prints the scorecard, writes it as JSON and compares it with the baseline: exit 0', async () => {
    const out = join(dir, 'scorecard.json')
    const r = await evalCli(['--filter', 'typical-b2b-whatsapp-pt,opt-out-sair', '--json', out, '--baseline', 'evals/baseline.scripted.json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/brain: scripted/)
    expect(r.stdout).toMatch(/policy violations\s+0/)
    expect(r.stdout).toMatch(/Thresholds \(evals\/thresholds.json, scripted\): met/)
    expect(r.stdout).toMatch(/no regression/)
    expect(r.stdout).toMatch(/Languages \(pt-BR, en, es\): every text has each/)
    expect(scorecardSchema.parse(JSON.parse(readFileSync(out, 'utf8'))).results.map((x) => x.id).sort()).toEqual(['opt-out-sair', 'typical-b2b-whatsapp-pt'])
  }, 60_000)

  it('exits 1, naming the violation, when the playbook leaks its private notes into a reply', async () => {
    const playbook = readFileSync(`${ROOT}playbooks/default.yaml`, 'utf8')
      .replace('pt-BR: Obrigada, {name}!', 'pt-BR: "Obrigada, {name}! Leads com mais de 20 atendentes vão para o time Enterprise (Carla)."')
    expect(playbook).toContain('time Enterprise (Carla)."')
    const path = join(dir, 'leaky.yaml')
    writeFileSync(path, playbook)
    const r = await evalCli(['--playbook', path, '--filter', 'typical-b2b-whatsapp-pt'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/VIOLATION private_notes/)
    expect(r.stdout).toMatch(/Thresholds .*: MISSED/)
  }, 60_000)

  it('exits 1, naming each text, when a text lacks one of the playbook\'s languages', async () => {
    const playbook = readFileSync(`${ROOT}playbooks/default.yaml`, 'utf8').replace('    es: ¡Hola! Soy {persona}, de MrDom. 😊\n', '')
    expect(playbook).not.toContain('¡Hola! Soy {persona}')
    const path = join(dir, 'gap.yaml')
    writeFileSync(path, playbook)
    const r = await evalCli(['--playbook', path, '--filter', 'opt-out-sair'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/Languages \(pt-BR, en, es\): 1 text\(s\) missing one/)
    expect(r.stdout).toMatch(/✗ texts\.greeting: no es/)
  }, 60_000)

  it('exits 2 on a bad option, with the usage', async () => {
    const r = await evalCli(['--concurrency', '0'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--concurrency must be a positive integer/)
  }, 30_000)
})
