// Latency at a steady rate: requests go out evenly (every millisecond, the share of the rate due by
// then), open-loop, over a pool of keep-alive connections, and each is timed from send to answer.
// autocannon's rate option releases each second's quota in a burst, which measures queueing.
// Messages spread over 100 000 conversations, as live traffic does: the bot's batches then come
// due evenly too, instead of every conversation's debounce ending in the same instant.
import { Pool } from 'undici'
import { nextWebhook } from './payload.js'

export interface Steady { sent: number, ok: number, p50: number, p99: number, max: number }

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0

export async function steadyLatency (port: number, rate: number, seconds: number, warmupSeconds = 1): Promise<Steady> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections: 64, pipelining: 1 })
  const latencies: number[] = []
  let ok = 0
  const inFlight = new Set<Promise<void>>()
  const started = performance.now()
  const total = rate * (seconds + warmupSeconds)
  const warmup = rate * warmupSeconds
  let sent = 0
  while (sent < total) {
    const due = Math.min(total, Math.floor((performance.now() - started) / 1000 * rate) + 1)
    for (; sent < due; sent++) {
      const measured = sent >= warmup
      const { body, headers } = nextWebhook(100_000)
      const t0 = performance.now()
      const p = pool.request({ method: 'POST', path: '/api/v1/webhooks/agentbot', headers, body })
        .then(async (res) => {
          await res.body.dump()
          if (!measured) return
          latencies.push(performance.now() - t0)
          if (res.statusCode === 200) ok++
        }, () => undefined)
      inFlight.add(p)
      p.finally(() => inFlight.delete(p)).catch(() => {})
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  await Promise.allSettled([...inFlight])
  await pool.close()
  const sorted = latencies.sort((a, b) => a - b)
  return { sent: total - warmup, ok, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1) ?? 0 }
}
