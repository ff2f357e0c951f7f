import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { cleanPrefix, createTestRedis, REDIS_URL, redisAvailable, uniquePrefix, warnIfRedisMissing } from '../helpers/redis.js'
import { startFakeChatwoot, type FakeChatwoot } from '../helpers/fake-chatwoot.js'
import { VECTORS, fixtureBytes, messageFixture } from '../helpers/fixtures.js'
import { postWebhook, send } from '../helpers/http.js'
import { chatwootHeaders } from '../helpers/sign.js'

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

interface Running {
  readonly child: ChildProcess
  readonly stdout: string[]
  readonly stderr: string[]
  readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** The real entry point, as `npm run dev` runs it, with only the environment given here. */
function spawnServer (env: Record<string, string>, argv = ['--import', 'tsx', 'src/server.ts']): Running {
  const child = spawn(process.execPath, argv, {
    cwd: ROOT,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const stdout: string[] = []
  const stderr: string[] = []
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk))
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }))
  })
  return { child, stdout, stderr, exited }
}

const logLines = (r: Running) => r.stdout.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg?: string, level: number, [k: string]: unknown })

async function waitForHealth (url: string, r: Running, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (r.child.exitCode !== null) throw new Error(`server exited early: ${r.stderr.join('')}`)
    try {
      if ((await send(url, { path: '/api/v1/health' })).status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`server did not become healthy in ${timeoutMs} ms: ${r.stderr.join('')}`)
}

const running: Running[] = []
const stands: FakeChatwoot[] = []
afterEach(async () => {
  for (const r of running.splice(0)) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL')
  await Promise.all(stands.splice(0).map((s) => s.close()))
})

describe('server process', () => {
  it('starts, accepts a signed webhook, and on SIGTERM finishes the accepted job and exits 0', async () => {
    const chatwoot = await startFakeChatwoot()
    stands.push(chatwoot)
    const port = await freePort()
    const r = spawnServer({
      APP_ENV: 'dev',
      APP_HOST: '127.0.0.1',
      APP_PORT: String(port),
      LOG_LEVEL: 'info',
      CHATWOOT_WEBHOOK_SECRET: VECTORS.secret,
      CHATWOOT_BASE_URL: chatwoot.url,
      CHATWOOT_ACCESS_TOKEN: chatwoot.botToken,
      // A long debounce: the job is still waiting when SIGTERM arrives, so only the drain can run it.
      BOT_DEBOUNCE_MS: '30000',
      BOT_MAX_WAIT_MS: '30000',
      SHUTDOWN_TIMEOUT_MS: '5000',
    })
    running.push(r)
    const url = `http://127.0.0.1:${port}`
    await waitForHealth(url, r)

    const body = fixtureBytes('message_created.incoming.whatsapp')
    const accepted = await postWebhook(url, body, chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }))
    expect({ status: accepted.status, body: accepted.json }).toEqual({ status: 200, body: { status: 'accepted' } })
    const ref = { accountId: 3, conversationId: 1487 }
    expect(chatwoot.messages(ref)).toEqual([])

    r.child.kill('SIGTERM')
    const exit = await r.exited
    expect(exit).toEqual({ code: 0, signal: null })

    // The job accepted before SIGTERM ran during shutdown: the bot's reply reached Chatwoot before exit.
    expect(chatwoot.messages(ref).length).toBeGreaterThanOrEqual(1)
    const msgs = logLines(r).map((l) => l.msg)
    expect(msgs).toContain('Shutting down')
    expect(msgs).toContain('Shutdown complete')
    expect(msgs).not.toContain('Shutdown timed out with conversation work still queued')
    expect(logLines(r).find((l) => l.msg === 'Shutting down')).toMatchObject({ signal: 'SIGTERM' })
    expect(logLines(r).filter((l) => l.level >= 50)).toEqual([])
  }, 15_000)

  it('refuses to start in prod without its required values, listing all of them, exit 1', async () => {
    const r = spawnServer({ APP_ENV: 'prod', APP_PORT: String(await freePort()) })
    running.push(r)
    const exit = await r.exited
    expect(exit.code).toBe(1)
    const stderr = r.stderr.join('')
    for (const name of ['CHATWOOT_BASE_URL', 'CHATWOOT_WEBHOOK_SECRET', 'CHATWOOT_ACCESS_TOKEN', 'OPENAI_API_KEY']) expect(stderr).toContain(name)
  }, 10_000)
})

describe('npm start (bin/start.mjs) with the compiled server', () => {
  const env = async (): Promise<Record<string, string>> => ({
    APP_ENV: 'dev',
    APP_HOST: '127.0.0.1',
    APP_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '3000',
  })
  const flagsWarning = 'Started without the service\'s Node flags: start it with `npm start` or `node bin/start.mjs`'

  // The first run may build dist/ (a clean clone, or src/ changed): minutes on a loaded machine.
  it('runs dist/server.js with the Node flags, and on SIGTERM the server closes and the launcher exits 0', async () => {
    const e = await env()
    const r = spawnServer(e, ['bin/start.mjs'])
    running.push(r)
    await waitForHealth(`http://127.0.0.1:${e['APP_PORT']}`, r, 170_000)
    r.child.kill('SIGTERM')
    expect(await r.exited).toEqual({ code: 0, signal: null })
    const msgs = logLines(r).map((l) => l.msg)
    expect(msgs).toContain('Shutdown complete')
    // The server checks its own flags: no warning means bin/node-flags.mjs reached it.
    expect(msgs).not.toContain(flagsWarning)
  }, 180_000)

  it('`node dist/server.js` by hand warns that the flags are missing, and still serves', async () => {
    const e = await env()
    const r = spawnServer(e, ['dist/server.js'])
    running.push(r)
    await waitForHealth(`http://127.0.0.1:${e['APP_PORT']}`, r)
    r.child.kill('SIGTERM')
    expect(await r.exited).toEqual({ code: 0, signal: null })
    expect(logLines(r).find((l) => l.msg === flagsWarning)).toMatchObject({ level: 40, missing: ['--max-old-space-size=1024', '--max-semi-space-size=2', '--single-threaded-gc'] })
  }, 20_000)
})

warnIfRedisMissing('SIGTERM under load with the durable queue')

describe.skipIf(!redisAvailable)('server process with the durable queue (real Redis)', () => {
  it('SIGTERM while busy loses nothing acknowledged: another replica answers every message, once', async () => {
    const chatwoot = await startFakeChatwoot()
    stands.push(chatwoot)
    // Slow Chatwoot answers keep turns in flight when the signal arrives.
    chatwoot.delayNext(20, 150)
    const prefix = uniquePrefix()
    const env = (port: number): Record<string, string> => ({
      APP_ENV: 'dev',
      APP_HOST: '127.0.0.1',
      APP_PORT: String(port),
      LOG_LEVEL: 'warn',
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      CHATWOOT_WEBHOOK_SECRET: VECTORS.secret,
      CHATWOOT_BASE_URL: chatwoot.url,
      CHATWOOT_ACCESS_TOKEN: chatwoot.botToken,
      BOT_DEBOUNCE_MS: '200',
      SHUTDOWN_TIMEOUT_MS: '3000',
      QUEUE_LEASE_MS: '2000',
    })
    const [portA, portB] = [await freePort(), await freePort()]
    const a = spawnServer(env(portA))
    running.push(a)
    await waitForHealth(`http://127.0.0.1:${portA}`, a)

    const refs = Array.from({ length: 10 }, (_, i) => ({ accountId: 3, conversationId: 88_000 + i }))
    // Below the stand-in's own ids (from 1000), as in Chatwoot, where a reply always has a higher id
    // than the lead message it answers: the replica that takes over tells a reply that landed by it.
    let messageId = 880
    for (const ref of refs) {
      const m = messageFixture('message_created.incoming.whatsapp')
      m.id = messageId++
      m.account.id = ref.accountId
      m.conversation.id = ref.conversationId
      m.content = 'Olá, quero saber mais'
      const body = Buffer.from(JSON.stringify(m))
      const res = await postWebhook(`http://127.0.0.1:${portA}`, body, chatwootHeaders(body, { secret: VECTORS.secret, timestamp: Math.floor(Date.now() / 1000) }))
      expect(res.json).toEqual({ status: 'accepted' })
    }
    // Some turns are running, the rest wait for their debounce: stop now.
    await new Promise((resolve) => setTimeout(resolve, 250))
    a.child.kill('SIGTERM')
    expect(await a.exited).toEqual({ code: 0, signal: null })

    const b = spawnServer(env(portB))
    running.push(b)
    await waitForHealth(`http://127.0.0.1:${portB}`, b)
    const deadline = Date.now() + 10_000
    const answered = () => refs.filter((ref) => chatwoot.messages(ref).some((m) => !m.private)).length
    while (answered() < refs.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(answered()).toBe(refs.length)
    await new Promise((resolve) => setTimeout(resolve, 500))
    for (const ref of refs) expect(chatwoot.messages(ref).filter((m) => !m.private)).toHaveLength(1)
    b.child.kill('SIGTERM')
    expect(await b.exited).toEqual({ code: 0, signal: null })
    const cleaner = createTestRedis()
    await cleanPrefix(cleaner, prefix)
    cleaner.disconnect()
  }, 30_000)
})
