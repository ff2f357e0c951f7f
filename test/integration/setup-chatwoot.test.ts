// `npm run setup:chatwoot` run for real (node --import tsx, a child process with only the
// environment given here) against a loopback stand-in for Chatwoot's admin endpoints that checks
// paths, bodies and the admin token, with a temporary env file.
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseEnv } from 'node:util'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/config.js'
import { signChatwoot, signSeed, verifySignature } from '../../src/lib/hmac.js'
import { DEFAULT_DESCRIPTION } from '../../scripts/setup-chatwoot/args.js'
import { applyEnv, readEnvFile } from '../../scripts/setup-chatwoot/env-file.js'
import { secureToken, startFakeChatwootAdmin, type FakeBot, type FakeChatwootAdmin } from '../helpers/fake-chatwoot-admin.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const PUBLIC_URL = 'https://sdr.example.com'
const OUTGOING_URL = `${PUBLIC_URL}/api/v1/webhooks/agentbot`
const BOT_NAME = 'MrDom SDR'

interface Run { code: number | null, stdout: string, stderr: string }

/**
 * The real script, as `npm run setup:chatwoot -- <args>` runs it (the script line ends in `--`, so
 * Node 20 does not take `--env-file <missing file>` for its own option); stdin is not a terminal.
 */
async function setup (args: readonly string[], env: Record<string, string> = {}): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/setup-chatwoot.ts', '--', ...args], {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)))
  clearTimeout(timer)
  return { code, stdout, stderr }
}

// A file an operator already has: comments, other variables, a commented CHATWOOT_WEBHOOK_SECRET,
// an old CHATWOOT_BASE_URL; no CHATWOOT_ACCOUNT_ID nor CHATWOOT_ACCESS_TOKEN yet.
const BEFORE = [
  '# MrDom SDR — production settings',
  'APP_ENV=prod',
  'CHATWOOT_BASE_URL=https://old-chatwoot.example.com',
  '# AgentBot webhook secret(s), comma-separated for rotation',
  '# CHATWOOT_WEBHOOK_SECRET=',
  'OPENAI_API_KEY=sk-keep-me   # the sales key',
  '',
  'REDIS_URL=redis://redis:6379/0',
  '',
].join('\n')

const expectedAfter = (cw: FakeChatwootAdmin, bot: FakeBot, secretValue: string = bot.secret): string => [
  '# MrDom SDR — production settings',
  'APP_ENV=prod',
  `CHATWOOT_BASE_URL=${cw.url}`,
  '# AgentBot webhook secret(s), comma-separated for rotation',
  `CHATWOOT_WEBHOOK_SECRET=${secretValue}`,
  'OPENAI_API_KEY=sk-keep-me   # the sales key',
  '',
  'REDIS_URL=redis://redis:6379/0',
  `CHATWOOT_ACCOUNT_ID=${cw.accountId}`,
  `CHATWOOT_ACCESS_TOKEN=${bot.accessToken}`,
  '',
].join('\n')

let dir: string
let envPath: string
const stands: FakeChatwootAdmin[] = []
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'setup-chatwoot-'))
  envPath = join(dir, '.env')
})
afterEach(async () => {
  await Promise.all(stands.splice(0).map((s) => s.close()))
  await rm(dir, { recursive: true, force: true })
})

async function chatwoot (options: Parameters<typeof startFakeChatwootAdmin>[0] = {}): Promise<FakeChatwootAdmin> {
  const cw = await startFakeChatwootAdmin(options)
  stands.push(cw)
  return cw
}

const flags = (cw: FakeChatwootAdmin, extra: readonly string[] = [], token = cw.adminToken): string[] =>
  ['--url', cw.url, '--admin-token', token, '--account', String(cw.accountId), '--inboxes', '1,2', '--public-url', PUBLIC_URL, '--env-file', envPath, ...extra]

const ownBots = (cw: FakeChatwootAdmin): FakeBot[] => cw.bots.filter((b) => b.accountId === cw.accountId)
const theBot = (cw: FakeChatwootAdmin): FakeBot => {
  const bots = ownBots(cw)
  expect(bots).toHaveLength(1)
  return bots[0] as FakeBot
}
const calls = (cw: FakeChatwootAdmin, from = 0): string[] => cw.requests.slice(from).map((r) => `${r.method} ${r.path.replace(`/api/v1/accounts/${cw.accountId}`, '')}`)

/** Nothing secret in the output of a normal run: not the admin token, the bot's token or its secret. */
const expectNoSecrets = (run: Run, secrets: ReadonlyArray<string | undefined>): void => {
  for (const s of secrets) {
    if (s === undefined) continue
    expect(run.stdout).not.toContain(s)
    expect(run.stderr).not.toContain(s)
  }
}

/** First run on a fresh Chatwoot with BEFORE as the env file. */
async function firstRun (cw: FakeChatwootAdmin): Promise<{ run: Run, bot: FakeBot }> {
  await writeFile(envPath, BEFORE, { mode: 0o600 })
  const run = await setup(flags(cw))
  expect(run.stderr).toBe('')
  expect(run.code).toBe(0)
  return { run, bot: theBot(cw) }
}

describe('npm run setup:chatwoot', () => {
  it('first run: creates the bot, connects the inboxes and writes the four variables, keeping every other line', async () => {
    const cw = await chatwoot()
    await writeFile(envPath, BEFORE)
    await chmod(envPath, 0o640)
    const run = await setup(flags(cw))
    expect(run.code).toBe(0)

    const bot = theBot(cw)
    expect(bot).toMatchObject({ name: BOT_NAME, description: DEFAULT_DESCRIPTION, outgoingUrl: OUTGOING_URL, botType: 'webhook' })
    expect(calls(cw)).toEqual([
      'GET /agent_bots',
      'GET /inboxes/1/agent_bot',
      'GET /inboxes/2/agent_bot',
      'POST /agent_bots',
      'POST /inboxes/1/set_agent_bot',
      'POST /inboxes/2/set_agent_bot',
    ])
    expect(cw.requests.every((r) => r.headers['api_access_token'] === cw.adminToken)).toBe(true)
    expect(cw.writes().map((r) => r.body)).toEqual([
      { name: BOT_NAME, description: DEFAULT_DESCRIPTION, outgoing_url: OUTGOING_URL, bot_type: 'webhook' },
      { agent_bot: bot.id },
      { agent_bot: bot.id },
    ])
    expect(cw.problems).toEqual([])
    expect(cw.unexpected).toEqual([])
    expect([...cw.inboxBots.entries()]).toEqual([[1, bot.id], [2, bot.id]])

    const after = await readFile(envPath, 'utf8')
    expect(after).toBe(expectedAfter(cw, bot))
    expect(parseEnv(after)).toMatchObject({
      CHATWOOT_BASE_URL: cw.url,
      CHATWOOT_ACCOUNT_ID: String(cw.accountId),
      CHATWOOT_ACCESS_TOKEN: bot.accessToken,
      CHATWOOT_WEBHOOK_SECRET: bot.secret,
      OPENAI_API_KEY: 'sk-keep-me',
    })
    expect((await stat(envPath)).mode & 0o777).toBe(0o640) // an existing file keeps its mode
    expect(run.stderr).toContain('chmod 600') // … and the operator hears that it is too open

    // It says what it did, masked.
    expect(run.stdout).toContain(`agent bot "${BOT_NAME}": created (id ${bot.id})`)
    expect(run.stdout).toContain('inbox 1: connected')
    expect(run.stdout).toContain('CHATWOOT_ACCESS_TOKEN (hidden, 24 characters)')
    expect(run.stdout).toContain('CHATWOOT_WEBHOOK_SECRET (hidden, 24 characters)')
    expectNoSecrets(run, [cw.adminToken, bot.accessToken, bot.secret])
  })

  it('creates a missing env file with mode 0600', async () => {
    const cw = await chatwoot()
    const run = await setup(flags(cw))
    expect(run.code).toBe(0)
    const bot = theBot(cw)
    expect((await stat(envPath)).mode & 0o777).toBe(0o600)
    expect(await readFile(envPath, 'utf8')).toBe([
      `CHATWOOT_BASE_URL=${cw.url}`,
      `CHATWOOT_ACCOUNT_ID=${cw.accountId}`,
      `CHATWOOT_ACCESS_TOKEN=${bot.accessToken}`,
      `CHATWOOT_WEBHOOK_SECRET=${bot.secret}`,
      '',
    ].join('\n'))
  })

  it('second run: changes nothing (no POST, no PATCH, the file untouched) and says unchanged; the URL and account may come from the env file', async () => {
    const cw = await chatwoot()
    const { bot } = await firstRun(cw)
    const before = await readFile(envPath, 'utf8')
    const mtime = (await stat(envPath)).mtimeMs
    const seen = cw.requests.length

    // No --url, no --account: read from the env file written by the first run.
    const run = await setup(['--admin-token', cw.adminToken, '--inboxes', '1,2', '--public-url', PUBLIC_URL, '--env-file', envPath])
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    expect(calls(cw, seen)).toEqual(['GET /agent_bots', 'GET /inboxes/1/agent_bot', 'GET /inboxes/2/agent_bot'])
    expect(cw.writes()).toHaveLength(3) // the first run's
    expect(await readFile(envPath, 'utf8')).toBe(before)
    expect((await stat(envPath)).mtimeMs).toBe(mtime)
    expect(run.stdout).toContain(`Chatwoot ${cw.url} (from ${envPath}), account ${cw.accountId} (from ${envPath})`)
    expect(run.stdout).toContain(`agent bot "${BOT_NAME}" (id ${bot.id}): unchanged`)
    expect(run.stdout).toContain('inbox 2: unchanged')
    expect(run.stdout).toContain('CHATWOOT_WEBHOOK_SECRET unchanged')
    expect(run.stdout).toContain('(unchanged)')
    expectNoSecrets(run, [cw.adminToken, bot.accessToken, bot.secret])
  })

  it('a changed public URL: PATCHes outgoing_url only, and the env file stays as it is', async () => {
    const cw = await chatwoot()
    const { bot } = await firstRun(cw)
    const before = await readFile(envPath, 'utf8')
    const seen = cw.requests.length

    const run = await setup(flags(cw).map((a) => (a === PUBLIC_URL ? 'https://sdr2.example.com/' : a)))
    expect(run.code).toBe(0)
    const writes = cw.requests.slice(seen).filter((r) => r.method !== 'GET')
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`PATCH /api/v1/accounts/${cw.accountId}/agent_bots/${bot.id}`])
    expect(writes[0]?.body).toEqual({ outgoing_url: 'https://sdr2.example.com/api/v1/webhooks/agentbot' })
    expect(cw.bot(bot.id)?.outgoingUrl).toBe('https://sdr2.example.com/api/v1/webhooks/agentbot')
    expect(run.stdout).toContain(`outgoing_url ${OUTGOING_URL} → https://sdr2.example.com/api/v1/webhooks/agentbot`)
    expect(await readFile(envPath, 'utf8')).toBe(before)

    // --description changes an existing bot's description, only when given.
    const again = await setup([...flags(cw), '--description', 'Qualifies leads'])
    expect(again.code).toBe(0)
    expect(cw.writes().at(-1)?.body).toEqual({ outgoing_url: OUTGOING_URL, description: 'Qualifies leads' })
  })

  it('--rotate-secret: calls reset_secret, writes new,old, and the real config verifies deliveries signed with either', async () => {
    const cw = await chatwoot()
    const { bot } = await firstRun(cw)
    const oldSecret = bot.secret
    const seen = cw.requests.length

    // No terminal and no --yes: it refuses before touching anything.
    const unconfirmed = await setup([...flags(cw), '--rotate-secret'])
    expect(unconfirmed.code).toBe(2)
    expect(unconfirmed.stderr).toContain('pass --yes')
    expect(cw.writes()).toHaveLength(3)

    const run = await setup([...flags(cw), '--rotate-secret', '--yes'])
    expect(run.code).toBe(0)
    const writes = cw.requests.slice(seen).filter((r) => r.method !== 'GET')
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([`POST /api/v1/accounts/${cw.accountId}/agent_bots/${bot.id}/reset_secret`])
    expect(writes[0]?.headers['api_access_token']).toBe(cw.adminToken)
    const newSecret = cw.bot(bot.id)?.secret ?? ''
    expect(newSecret).not.toBe(oldSecret)

    const content = await readFile(envPath, 'utf8')
    expect(content).toBe(expectedAfter(cw, bot, `${newSecret},${oldSecret}`))
    expect(run.stdout).toContain('new,old')
    expect(run.stdout).toContain('remove the second value')
    expectNoSecrets(run, [cw.adminToken, bot.accessToken, oldSecret, newSecret])

    // The service's own config reads the file as `node --env-file` would (APP_ENV=prod: everything required is there)…
    const config = loadConfig(parseEnv(content))
    expect(config.webhook.secrets).toEqual([newSecret, oldSecret])
    // … and a delivery signed with either secret verifies, in both schemes; another secret does not.
    const body = Buffer.from('{"event":"message_created","id":1}')
    const now = Math.floor(Date.now() / 1000)
    const verify = (secret: string, scheme: 'chatwoot' | 'seed'): boolean => verifySignature({
      rawBody: body,
      signature: scheme === 'chatwoot' ? signChatwoot(secret, String(now), body) : signSeed(secret, body),
      timestamp: String(now),
      secrets: config.webhook.secrets,
      nowSeconds: now,
      toleranceSeconds: config.webhook.timestampToleranceSeconds,
    }).ok
    for (const scheme of ['chatwoot', 'seed'] as const) {
      expect(verify(newSecret, scheme)).toBe(true)
      expect(verify(oldSecret, scheme)).toBe(true)
      expect(verify(secureToken(), scheme)).toBe(false)
    }

    // A normal run during the rollover keeps both values.
    const mid = await setup(flags(cw))
    expect(mid.code).toBe(0)
    expect(parseEnv(await readFile(envPath, 'utf8'))['CHATWOOT_WEBHOOK_SECRET']).toBe(`${newSecret},${oldSecret}`)
    expect(cw.writes()).toHaveLength(4)
  })

  it('a wrong admin token: exit 1 with a clear message, nothing written anywhere', async () => {
    const cw = await chatwoot()
    await writeFile(envPath, BEFORE)
    const wrong = 'not-the-admin-token-' + secureToken()
    const run = await setup(flags(cw, [], wrong))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('the admin token is wrong or not an administrator\'s')
    expect(run.stdout).not.toContain('created')
    expectNoSecrets(run, [wrong])
    expect(cw.writes()).toEqual([])
    expect(await readFile(envPath, 'utf8')).toBe(BEFORE)
  })

  it('an agent\'s (not an administrator\'s) token: the same message, no bot created', async () => {
    const cw = await chatwoot()
    const run = await setup(flags(cw, [], cw.agentToken))
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('the admin token is wrong or not an administrator\'s')
    expect(ownBots(cw)).toEqual([])
    await expect(stat(envPath)).rejects.toThrow(/ENOENT/)
  })

  it('an unknown inbox or account: exit 1 naming it, before anything is changed', async () => {
    const cw = await chatwoot()
    const inbox = await setup(flags(cw).map((a) => (a === '1,2' ? '1,99' : a)))
    expect(inbox.code).toBe(1)
    expect(inbox.stderr).toContain('inbox 99 was not found in account 1')
    expect(cw.writes()).toEqual([])

    const account = await setup(flags(cw).map((a, i, all) => (all[i - 1] === '--account' ? '5' : a)))
    expect(account.code).toBe(1)
    expect(account.stderr).toContain('account 5 was not found')
    expect(cw.writes()).toEqual([])
    await expect(stat(envPath)).rejects.toThrow(/ENOENT/)
  })

  it('an inbox held by another bot is taken over only when confirmed', async () => {
    const cw = await chatwoot()
    const other = cw.addBot({ name: 'Legacy bot', outgoingUrl: 'https://legacy.example.com/hook' })
    cw.inboxBots.set(2, other.id)

    const refused = await setup(flags(cw))
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain(`Inbox 2 is connected to another agent bot ("Legacy bot", id ${other.id})`)
    expect(cw.writes()).toEqual([])

    const run = await setup([...flags(cw), '--yes'])
    expect(run.code).toBe(0)
    const bot = ownBots(cw).find((b) => b.name === BOT_NAME)
    expect(cw.inboxBots.get(2)).toBe(bot?.id)
    expect(run.stdout).toContain(`inbox 2: connected (was agent bot ${other.id})`)
  })

  it('missing flags: exit 2 with the usage, no call made', async () => {
    const cw = await chatwoot()
    const run = await setup(['--env-file', envPath, '--inboxes', 'one'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--url (CHATWOOT_BASE_URL) is missing')
    expect(run.stderr).toContain('--admin-token (CHATWOOT_ADMIN_TOKEN) is missing')
    expect(run.stderr).toContain('--inboxes must be a positive integer')
    expect(run.stderr).toContain('Usage: npm run setup:chatwoot')
    expect(cw.requests).toEqual([])

    const unknown = await setup(['--rotate', '--env-file', envPath])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('--rotate')
  })

  it('npm run setup:chatwoot runs this script with the trailing `--` these tests use', async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    expect(pkg.scripts['setup:chatwoot']).toBe('tsx scripts/setup-chatwoot.ts --')
  })

  it('--print (settings from the environment): prints the four variables, writes no file', async () => {
    const cw = await chatwoot()
    const run = await setup(['--print', '--env-file', envPath], {
      CHATWOOT_BASE_URL: cw.url,
      CHATWOOT_ADMIN_TOKEN: cw.adminToken,
      CHATWOOT_ACCOUNT_ID: String(cw.accountId),
      CHATWOOT_INBOX_IDS: '2',
      SDR_PUBLIC_URL: PUBLIC_URL,
    })
    expect(run.code).toBe(0)
    const bot = theBot(cw)
    expect(run.stdout).toBe([
      `CHATWOOT_BASE_URL=${cw.url}`,
      `CHATWOOT_ACCOUNT_ID=${cw.accountId}`,
      `CHATWOOT_ACCESS_TOKEN=${bot.accessToken}`,
      `CHATWOOT_WEBHOOK_SECRET=${bot.secret}`,
      '',
    ].join('\n'))
    expect(run.stderr).toContain('created') // progress goes to stderr, so stdout can be redirected
    expect(run.stderr).not.toContain(cw.adminToken)
    expect(cw.inboxBots.get(2)).toBe(bot.id)
    expect(cw.inboxBots.get(1)).toBeUndefined()
    await expect(stat(envPath)).rejects.toThrow(/ENOENT/)
  })
})

describe('env file edits', () => {
  it('keeps CRLF endings, a BOM, `export`, and a last line without newline; replaces every active duplicate', () => {
    const before = '\uFEFF# c\r\nexport CHATWOOT_ACCOUNT_ID=3\r\nX=1\r\nCHATWOOT_ACCOUNT_ID=4 # dup\r\nlast=1'
    expect(applyEnv(before, [['CHATWOOT_ACCOUNT_ID', '7'], ['CHATWOOT_BASE_URL', 'https://c.example.com']])).toBe(
      '\uFEFF# c\r\nexport CHATWOOT_ACCOUNT_ID=7\r\nX=1\r\nCHATWOOT_ACCOUNT_ID=7\r\nlast=1\r\nCHATWOOT_BASE_URL=https://c.example.com\r\n')
  })

  it('uncomments only the first commented line, and only when no active line exists', () => {
    expect(applyEnv('# A=old\n#A=older\nB=1\n', [['A', 'x']])).toBe('A=x\n#A=older\nB=1\n')
    expect(applyEnv('# A=old\nA=1\n', [['A', 'x']])).toBe('# A=old\nA=x\n')
    expect(applyEnv('', [['A', 'x y']])).toBe('A=\'x y\'\n')
  })

  it('reads values as node --env-file does (quotes, inline comments, the last active line)', async () => {
    const dirPath = await mkdtemp(join(tmpdir(), 'env-read-'))
    try {
      const content = 'A="q v" # c\n# B=commented\nB=b1 # c\nB=b2\nC=\'s\'\nD=plain # note\nE=a#b\nF=  spaced  \n'
      await writeFile(join(dirPath, 'e'), content)
      const file = await readEnvFile(join(dirPath, 'e'))
      const parsed = parseEnv(content)
      for (const key of ['A', 'B', 'C', 'D', 'E', 'F']) expect(file.get(key)).toBe(parsed[key])
      expect(file.get('G')).toBeUndefined()
    } finally {
      await rm(dirPath, { recursive: true, force: true })
    }
  })
})
