import { FaultQueue, sendJson, startStandIn, type Match, type RecordedRequest, type StandIn } from './fake-http.js'

// A loopback stand-in for n8n webhook nodes: records every POST by path and answers like a
// webhook node with "Respond: Immediately". To play n8n being down, close() it and keep the url.

export interface FakeN8n extends StandIn {
  /** POSTs received on this path, oldest first. */
  received (path: string): RecordedRequest[]
  /** The next n matching requests answer `status` (default 500). */
  failNext (n: number, status?: number, match?: Match): void
  /** The next n matching requests are answered after `ms`. */
  delayNext (n: number, ms: number, match?: Match): void
}

export async function startFakeN8n (): Promise<FakeN8n> {
  const failures = new FaultQueue<number>()
  const delays = new FaultQueue<number>()
  const standIn = await startStandIn((req, res) => {
    const status = failures.take(req)
    if (status !== undefined) return sendJson(res, status, { code: status, message: 'Error in workflow' })
    const delay = delays.take(req)
    const answer = (): void => {
      if (req.method !== 'POST') sendJson(res, 404, { code: 404, message: `This webhook is not registered for ${req.method} requests` })
      else sendJson(res, 200, { message: 'Workflow was started' })
    }
    if (delay === undefined) answer()
    else standIn.later(delay, answer)
  })
  return {
    ...standIn,
    received (path) {
      return standIn.requests.filter((r) => r.method === 'POST' && r.path === path)
    },
    failNext (n, status = 500, match) {
      failures.arm(n, status, match)
    },
    delayNext (n, ms, match) {
      delays.arm(n, ms, match)
    },
  }
}
