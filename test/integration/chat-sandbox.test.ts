import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { fillTemplate, loadPlaybook, localize, type Localized } from '../../src/conversation/playbook.js'

// `npm run chat` end to end: the script as a child process, lines on a pipe, the transcript on stdout.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

interface Run {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly ms: number
}

/** Runs the sandbox with only PATH from this environment: no OPENAI_API_KEY, no .env. */
function runChat (opts: { lines: readonly string[], endInput: boolean, interruptWhen?: (stdout: string) => boolean }): Promise<Run> {
  const started = Date.now()
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/chat.ts'], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', BOT_DEBOUNCE_MS: '200', LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  let interrupted = false
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk
    if (!interrupted && opts.interruptWhen?.(stdout) === true) {
      interrupted = true
      child.kill('SIGINT')
    }
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdin.write(opts.lines.map((l) => `${l}\n`).join(''))
  if (opts.endInput) child.stdin.end()
  const guard = setTimeout(() => child.kill('SIGKILL'), 18_000)
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      clearTimeout(guard)
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started })
    })
  })
}

/** Asserts each needle appears, in this order. */
function expectInOrder (text: string, needles: readonly string[]): void {
  let from = 0
  for (const needle of needles) {
    const at = text.indexOf(needle, from)
    expect(at, `expected ${JSON.stringify(needle)} after position ${from} in:\n${text}`).toBeGreaterThanOrEqual(0)
    from = at + needle.length
  }
}

describe('npm run chat (terminal sandbox)', () => {
  it('carries piped lines through the real pipeline: greeting, company question, handoff with note and status open, then silence', async () => {
    const playbook = await loadPlaybook()
    const pt = (t: Localized, values: Record<string, string> = {}) =>
      fillTemplate(localize(t, 'pt-BR', playbook.language), { persona: playbook.persona.name, ...values })
    const companyQuestion = playbook.qualification.fields.find((f) => f.key === 'company')?.question
    expect(companyQuestion).toBeDefined()

    const run = await runChat({
      lines: ['Olá, quero automatizar meu atendimento', 'Ana Souza', 'Acme', 'quero falar com um humano', 'oi, ainda está aí?'],
      endInput: true,
    })

    expect(run.signal, run.stderr).toBeNull()
    expect(run.code, run.stderr).toBe(0)
    expect(run.ms).toBeLessThan(20_000)
    expect(run.stdout).toContain('brain: scripted')
    expectInOrder(run.stdout, [
      'you: Olá, quero automatizar meu atendimento',
      `bot: ${pt(playbook.texts.greeting)}`,
      'you: Ana Souza',
      pt(companyQuestion ?? {}, { name: 'Ana' }),
      'lead_name=Ana Souza',
      'you: Acme',
      'lead_company=Acme',
      'you: quero falar com um humano',
      `bot: ${pt(playbook.texts.handoff)}`,
      `[labels: +${playbook.labels.handoff}]`,
      '[private note]',
      '(wants_human)',
      'Acme',
      '[status → open]',
      'owner human (status open)',
      // The lead writes again: Chatwoot shows the conversation open, so the webhook ignores it.
      'you: oi, ainda está aí?',
      '(webhook → 200 ignored: conversation_open)',
      'bye',
    ])
    // One answer per lead turn, and none after the handoff.
    expect(run.stdout.split('\n').filter((l) => l.startsWith('bot: '))).toHaveLength(4)
    expect(run.stderr).not.toMatch(/"level":(50|60)/)
  })

  it('hands a conversation back with /handback and exits 0 on Ctrl-C with stdin still open', async () => {
    const run = await runChat({
      lines: ['/human', 'oi', '/handback', 'oi de novo'],
      endInput: false,
      interruptWhen: (out) => /you: oi de novo\n(?:.*\n)*bot: /.test(out),
    })

    expect(run.code, run.stderr).toBe(0)
    expectInOrder(run.stdout, [
      '[status → open]',
      'owner human',
      'you: oi',
      '(webhook → 200 ignored: conversation_open)',
      '[status → pending]',
      'owner bot',
      'you: oi de novo',
      'bot: ',
      'bye',
    ])
  })
})
