import { createServer, connect, type Server, type Socket } from 'node:net'
import { request } from 'undici'
import { describe, expect, it } from 'vitest'
import { startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { until } from '../helpers/wait.js'
import { REDIS_URL, redisAvailable, redisSuite, warnIfRedisMissing } from '../helpers/redis.js'

// Redis goes away and comes back, through a loopback TCP proxy we can cut: the webhook keeps
// answering, work waits in memory, readiness says why, and everything recovers by itself.

warnIfRedisMissing('Redis outage and recovery')

/** A TCP proxy to the test Redis that can be cut (every connection dropped, port closed) and restored. */
async function startCuttableProxy (): Promise<{ port: number, cut: () => Promise<void>, restore: () => Promise<void>, close: () => Promise<void> }> {
  const target = new URL(REDIS_URL)
  const sockets = new Set<Socket>()
  let server: Server | undefined
  const listen = async (port: number): Promise<number> => {
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname)
      sockets.add(client)
      sockets.add(upstream)
      client.pipe(upstream).pipe(client)
      const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream) }
      client.on('error', drop).on('close', drop)
      upstream.on('error', drop).on('close', drop)
    })
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve))
    const address = server.address()
    return typeof address === 'object' && address !== null ? address.port : port
  }
  const port = await listen(0)
  const cut = async () => {
    for (const s of sockets) s.destroy()
    sockets.clear()
    await new Promise<void>((resolve) => server!.close(() => resolve()))
  }
  return {
    port,
    cut,
    restore: async () => { await listen(port) },
    close: async () => { if (server?.listening === true) await cut() },
  }
}

async function readiness (url: string): Promise<{ status: number, body: Record<string, unknown> }> {
  const res = await request(`${url}/api/v1/readiness`)
  return { status: res.statusCode, body: await res.body.json() as Record<string, unknown> }
}

describe.skipIf(!redisAvailable)('Redis outage (real Redis behind a loopback proxy)', () => {
  const { prefix } = redisSuite()

  it('keeps answering the webhook, says 503 with the reason, and answers the lead once Redis is back', async () => {
    const proxy = await startCuttableProxy()
    const db = new URL(REDIS_URL).pathname
    let p: Pipeline | undefined
    try {
      p = await startPipeline({ env: { REDIS_URL: `redis://127.0.0.1:${proxy.port}${db}`, REDIS_KEY_PREFIX: prefix } })
      const pipeline = p
      await until(async () => (await readiness(pipeline.app.url)).status === 200, 5000)
      const ref = { accountId: 3, conversationId: 9300 }
      await pipeline.say(ref, 'Olá, quero saber mais')
      await pipeline.waitForReplies(ref, 1)

      await proxy.cut()
      await until(async () => (await readiness(pipeline.app.url)).status === 503, 5000)
      const down = await readiness(pipeline.app.url)
      expect(down.body).toMatchObject({ status: 'not_ready', reason: expect.stringMatching(/^redis unreachable/) })
      expect(JSON.stringify(down.body)).not.toContain(String(proxy.port))

      // Acknowledged while Redis is away: held in this process, not lost, not answered yet.
      expect((await pipeline.say(ref, 'Maria Souza')).body).toEqual({ status: 'accepted' })
      expect(pipeline.app.app.queue.stats().depth).toBeGreaterThanOrEqual(1)
      await new Promise((resolve) => setTimeout(resolve, 300))
      expect(pipeline.replies(ref)).toHaveLength(1)
      expect(await pipeline.metrics()).toMatch(/^sdr_queue_events_total\{event="buffered"\} 1$/m)

      await proxy.restore()
      await until(async () => (await readiness(pipeline.app.url)).status === 200, 10_000)
      const replies = await pipeline.waitForReplies(ref, 2, 10_000)
      expect(replies[1]?.content).toMatch(/empresa/i)
      // The queue's figures refresh each second.
      await until(() => pipeline.app.app.queue.stats().depth === 0, 3000)
    } finally {
      await p?.close()
      await proxy.close()
    }
  }, 40_000)
})
