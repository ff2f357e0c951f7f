import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { scorecardSchema } from '../../scripts/eval/scorecard.js'
import { startFakeOpenAi, type FakeOpenAi } from '../helpers/fake-openai.js'
import { keywordModel } from './keyword-model.js'

// `npm run eval` as a process: its exit code is what CI and a pre-release check rely on.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'sdr-eval-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const OPENAI_ENV = ['OPENAI_API_KEY', 'OPENAI_BASE_URL', 'OPENAI_MODEL', 'OPENAI_TIMEOUT_MS', 'OPENAI_MAX_TOKENS', 'OPENAI_TOKEN_PARAM', 'OPENAI_REASONING_EFFORT', 'OPENAI_RESPONSE_FORMAT']

function evalCli (args: string[], openai: Record<string, string> = {}): Promise<{ code: number | null, stdout: string, stderr: string }> {
  // No OPENAI_* from the developer's shell: a run has a model only when the test gives it one.
  const env = { ...process.env, ...Object.fromEntries(OPENAI_ENV.map((k) => [k, ''])), ...openai }
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

  it('--brain openai without OPENAI_API_KEY exits 2 instead of scoring the scripted brain', async () => {
    const r = await evalCli(['--brain', 'openai', '--filter', 'opt-out-sair'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/--brain openai needs OPENAI_API_KEY/)
    expect(r.stdout).toBe('')
  }, 30_000)

  it.each([
    [['--brain', 'claude'], /--brain must be openai or scripted, got claude/],
    [['--brain', 'openai', '--scripted'], /--scripted and --brain openai contradict each other/],
    [['--price', '0.25'], /--price must be "<input>,<output>\[,<cached input>\]"/],
  ])('exits 2 on %j', async (args, message) => {
    const r = await evalCli([...args, '--filter', 'opt-out-sair'], { OPENAI_API_KEY: 'sk-test' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
  }, 30_000)

  it('--brain openai exits 2 on an OPENAI_* value the service would refuse too', async () => {
    const r = await evalCli(['--brain', 'openai'], { OPENAI_API_KEY: 'sk-test', OPENAI_REASONING_EFFORT: 'extreme' })
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/OPENAI_REASONING_EFFORT/)
  }, 30_000)

  it('--help documents the brains, the OPENAI_* variables and how to commit a model baseline', async () => {
    const r = await evalCli(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/--brain <openai\|scripted>/)
    expect(r.stdout).toMatch(/--scripted\s+same as --brain scripted/)
    expect(r.stdout).toMatch(/OPENAI_TOKEN_PARAM, OPENAI_REASONING_EFFORT, OPENAI_RESPONSE_FORMAT/)
    expect(r.stdout).toContain('npm run eval -- --brain openai --json evals/baseline.openai.json')
  }, 30_000)

  describe('with an OpenAI-compatible stand-in', () => {
    let fake: FakeOpenAi | undefined
    afterEach(async () => {
      await fake?.close()
      fake = undefined
    })

    it('--scripted (as --brain scripted) keeps the model out even when a key is set', async () => {
      fake = await startFakeOpenAi({ respond: keywordModel })
      const r = await evalCli(['--scripted', '--filter', 'opt-out-sair'], { OPENAI_API_KEY: 'sk-test', OPENAI_BASE_URL: fake.baseUrl })
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/brain: scripted/)
      expect(fake.completions()).toHaveLength(0)
    }, 60_000)

    it('--brain openai asks the model with every OPENAI_* setting, and prices its cached input', async () => {
      fake = await startFakeOpenAi({ respond: keywordModel })
      const out = join(dir, 'model.json')
      const r = await evalCli(['--brain', 'openai', '--filter', 'opt-out-sair', '--price', '0.25,2,0.025', '--json', out], {
        OPENAI_API_KEY: 'sk-test',
        OPENAI_BASE_URL: fake.baseUrl,
        OPENAI_MODEL: 'gpt-5-mini',
        OPENAI_TOKEN_PARAM: 'max_completion_tokens',
        OPENAI_REASONING_EFFORT: 'low',
        OPENAI_RESPONSE_FORMAT: 'json_object',
      })
      expect(r.stdout).toMatch(/brain: model gpt-5-mini/)
      const asked = fake.completions().map((c) => c.body)
      expect(asked.length).toBeGreaterThan(0)
      for (const body of asked) {
        expect(body).toMatchObject({ model: 'gpt-5-mini', reasoning_effort: 'low', response_format: { type: 'json_object' } })
        expect(body.max_completion_tokens).toBeGreaterThan(0)
        expect(body).not.toHaveProperty('max_tokens')
      }
      const card = scorecardSchema.parse(JSON.parse(readFileSync(out, 'utf8')))
      const billed = fake.billed()
      expect(card.tokens_per_conversation.prompt).toBe(billed.reduce((s, u) => s + u.prompt_tokens, 0))
      expect(card.tokens_per_conversation.cached_prompt).toBe(billed.reduce((s, u) => s + u.prompt_tokens_details.cached_tokens, 0))
      expect(card.tokens_per_conversation.cached_prompt).toBeGreaterThan(0)
      const { prompt, completion, cached_prompt: cached = 0 } = card.tokens_per_conversation
      expect(card.cost_per_conversation_usd).toBeCloseTo(((prompt - cached) * 0.25 + cached * 0.025 + completion * 2) / 1e6, 5)
      expect(card.brain_fallbacks).toBe(0)
      expect(r.code).toBe(0)
    }, 60_000)
  })
})
