// CPU time per request, by process: the target (read from /proc), Redis (INFO cpu) and the load
// generator. Unlike req/s it barely moves when the machine is busy, so it shows where a
// request's cost goes even on a shared 2-core box.
import { readFileSync } from 'node:fs'
import autocannon from 'autocannon'
import { Redis } from 'ioredis'
import { nextWebhook } from './payload.js'

export interface CpuSample { kind: string, serverUs: number, redisUs: number, loadUs: number }

const procCpuSeconds = (pid: number): number => {
  const fields = (readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1] ?? '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, in clock ticks of 10 ms
}

const redisCpuSeconds = async (redis: Redis): Promise<number> => {
  const info = await redis.info('cpu')
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0)
}

/** `requests` webhooks (after as many to warm up) against a started target; CPU µs per request. */
export async function cpuPerRequest (kind: string, port: number, pid: number, redisUrl: string, requests: number): Promise<CpuSample> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 })
  const run = () => autocannon({
    url: `http://127.0.0.1:${port}`,
    connections: 50,
    amount: requests,
    requests: [{ method: 'POST', path: '/api/v1/webhooks/agentbot', setupRequest: (req) => ({ ...req, ...nextWebhook() }) }],
  })
  try {
    await redis.connect()
    await run()
    const server0 = procCpuSeconds(pid)
    const redis0 = await redisCpuSeconds(redis)
    const load0 = process.cpuUsage()
    await run()
    const load = process.cpuUsage(load0)
    return {
      kind,
      serverUs: (procCpuSeconds(pid) - server0) / requests * 1e6,
      redisUs: (await redisCpuSeconds(redis) - redis0) / requests * 1e6,
      loadUs: (load.user + load.system) / requests,
    }
  } finally {
    redis.disconnect()
  }
}
