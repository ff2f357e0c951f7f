// Memory with many active conversations in the embedded (in-memory) store, as ops would see it:
// the production entry (the image's `node <flags> dist/server.js`, no Redis, scripted brain, debounce 0) takes
// BENCH_CONVERSATIONS conversations × 2 lead messages over HTTP; its RSS is read from /proc before
// and after. Chatwoot is a stand-in here that keeps nothing, so only the service's memory counts.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import { request } from 'undici'
import { BENCH_SECRET, signedMessage } from './payload.js'
import { serviceNodeFlags } from './service-command.js'

const CONVERSATIONS = Number(process.env['BENCH_CONVERSATIONS'] ?? 10_000)
const IN_FLIGHT = Number(process.env['BENCH_RSS_IN_FLIGHT'] ?? 32)

const rssMb = (pid: number): number => {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  return Math.round(kb / 1024)
}
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function measureRss (pin: boolean): Promise<{ command: string, conversations: number, idleMb: number, loadedMb: number }> {
  // A Chatwoot that accepts everything and remembers nothing.
  let nextId = 1
  const chatwoot = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      res.setHeader('content-type', 'application/json')
      if (req.method === 'GET' && req.url?.endsWith('/labels') === true) return res.end('{"payload":[]}')
      if (req.method === 'GET') return res.end('{"id":1,"status":"pending","labels":[],"custom_attributes":{},"messages":[]}')
      res.end(JSON.stringify({ id: nextId++, payload: [] }))
    })
  })
  await new Promise<void>((resolve) => chatwoot.listen(0, '127.0.0.1', resolve))
  const cwAddress = chatwoot.address()
  const cwPort = typeof cwAddress === 'object' && cwAddress !== null ? cwAddress.port : 0

  const port = 20_000 + Math.floor(Math.random() * 20_000)
  const flags = serviceNodeFlags()
  const argv = [process.execPath, ...flags, new URL('../dist/server.js', import.meta.url).pathname]
  const [cmd = process.execPath, ...args] = pin ? ['taskset', '-c', '0', ...argv] : argv
  const child = spawn(cmd, args, {
    stdio: 'ignore',
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_OPTIONS: process.env['BENCH_NODE_OPTIONS'] ?? '',
      APP_ENV: 'dev',
      APP_HOST: '127.0.0.1',
      APP_PORT: String(port),
      LOG_LEVEL: 'warn',
      CHATWOOT_WEBHOOK_SECRET: BENCH_SECRET,
      CHATWOOT_BASE_URL: `http://127.0.0.1:${cwPort}`,
      CHATWOOT_ACCESS_TOKEN: 'bot-token',
      BOT_DEBOUNCE_MS: '0',
      CONVERSATION_RATE_LIMIT_REQUESTS: '1000000',
    },
  })
  const url = `http://127.0.0.1:${port}`
  const lanes = async (): Promise<number> => {
    const res = await request(`${url}/api/v1/readiness`)
    const body = await res.body.json() as { components?: { queue?: { lanes?: number } } }
    return body.components?.queue?.lanes ?? 0
  }
  for (let i = 0; i < 200; i++) {
    try {
      if ((await request(`${url}/api/v1/health`)).statusCode === 200) break
    } catch {
      await sleep(50)
    }
  }
  await sleep(500)
  const pid = child.pid ?? 0
  const idleMb = rssMb(pid)

  const texts = ['Olá, quero automatizar o atendimento da minha loja', 'Maria Souza']
  for (const [round, text] of texts.entries()) {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < CONVERSATIONS) {
        const c = next++
        const { body, headers } = signedMessage(BENCH_SECRET, 5_000_000 + round * CONVERSATIONS + c, 700_000 + c, text)
        const res = await request(`${url}/api/v1/webhooks/agentbot`, { method: 'POST', headers, body })
        await res.body.dump()
        if (res.statusCode !== 200) throw new Error(`webhook answered ${res.statusCode}`)
      }
    }
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker))
    while (await lanes() > 0) await sleep(50)
  }
  // V8 keeps the heap it grew during the burst until its idle-time GC hands pages back: read RSS
  // once the service has been quiet for a while, as it would be between bursts.
  await sleep(Number(process.env['BENCH_RSS_SETTLE_MS'] ?? 15_000))
  const loadedMb = rssMb(pid)
  if (process.env['BENCH_RSS_DEBUG'] !== undefined) {
    const text = await (await request(`${url}/metrics`)).body.text()
    console.error(text.split('\n').filter((l) => /^(nodejs_heap_size|nodejs_external|process_resident|nodejs_heap_space_size_used)/.test(l)).join('\n'))
  }
  child.kill('SIGTERM')
  await once(child, 'exit')
  chatwoot.close()
  return { command: ['node', ...flags, 'dist/server.js'].join(' '), conversations: CONVERSATIONS, idleMb, loadedMb }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) console.log(JSON.stringify(await measureRss(false)))
