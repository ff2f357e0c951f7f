// Our own time from a webhook to its reply reaching Chatwoot: the real app (a child process) with
// debounce 0, an OpenAI stand-in that answers at once, and a Chatwoot stand-in that records when
// each reply arrives. Lead messages are sent at a fixed rate (each a new conversation), well
// below capacity, so the figure is processing time, not queueing.
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { request } from 'undici'
import { startFakeChatwoot } from '../test/helpers/fake-chatwoot.js'
import { startFakeOpenAi } from '../test/helpers/fake-openai.js'
import { BENCH_SECRET, signedMessage } from './payload.js'
import { serviceNodeFlags } from './service-command.js'

export interface EndToEnd { sent: number, replied: number, p50: number, p99: number, max: number }

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

export async function measureEndToEnd (opts: { redisUrl: string | undefined, rate: number, seconds: number, pin: boolean }): Promise<EndToEnd> {
  const chatwoot = await startFakeChatwoot()
  const openai = await startFakeOpenAi({
    respond: () => ({
      reply: '',
      fields: { name: null, company: null, role: null, need: 'atendimento', email: null, phone: null, budget: null, timeline: null },
      intent: 'gives_info',
      language: 'pt-BR',
      confidence: 0.9,
    }),
  })
  const sentAt = new Map<number, number>()
  const latencies: number[] = []
  chatwoot.onMessage((m) => {
    const id = Number(/:(\d+)$/.exec(m.echoId ?? '')?.[1])
    const at = sentAt.get(id)
    if (!m.private && at !== undefined) {
      latencies.push(performance.now() - at)
      sentAt.delete(id)
    }
  })

  const argv = [process.execPath, ...serviceNodeFlags(), '--import', 'tsx', new URL('./target.ts', import.meta.url).pathname, 'e2e']
  const [cmd = process.execPath, ...args] = opts.pin ? ['taskset', '-c', '0', ...argv] : argv
  const child = spawn(cmd, args, {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, BENCH_CHATWOOT_URL: chatwoot.url, BENCH_OPENAI_URL: openai.baseUrl, BENCH_REDIS_URL: opts.redisUrl ?? '' },
  })
  let out = ''
  let port = 0
  child.stdout?.setEncoding('utf8')
  for await (const chunk of child.stdout ?? []) {
    out += String(chunk)
    const m = /READY (\d+)/.exec(out)
    if (m?.[1] !== undefined) { port = Number(m[1]); break }
  }

  // The first second warms the JIT and the connection pools; only the rest is timed.
  const warmup = opts.rate
  const total = opts.rate * opts.seconds + warmup
  const started = performance.now()
  let sent = 0
  while (sent < total) {
    // Keep to the schedule: send what is due, then sleep until the next one.
    const due = Math.min(total, Math.floor((performance.now() - started) / 1000 * opts.rate) + 1)
    for (; sent < due; sent++) {
      const { id, body, headers } = signedMessage(BENCH_SECRET, 2_000_000 + sent, 900_000 + sent)
      if (sent >= warmup) sentAt.set(id, performance.now())
      request(`http://127.0.0.1:${port}/api/v1/webhooks/agentbot`, { method: 'POST', headers, body })
        .then((r) => r.body.dump(), () => undefined)
        .catch(() => undefined)
    }
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
  const deadline = performance.now() + 10_000
  while (sentAt.size > 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))

  child.kill('SIGTERM')
  await once(child, 'exit')
  await Promise.all([chatwoot.close(), openai.close()])
  const sorted = [...latencies].sort((a, b) => a - b)
  return { sent: total - warmup, replied: latencies.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 }
}
