import { FaultQueue, sendJson, startStandIn, type Match, type RecordedRequest, type StandIn } from './fake-http.js'

// A loopback stand-in for n8n webhook nodes: records every POST by path and answers like a
// webhook node with "Respond: Immediately". To play n8n being down, close() it and keep the url.

/** The app's N8N_WEBHOOK_* settings pointing every workflow at this stand-in's paths. */
export const N8N_WEBHOOK_ENV = {
  N8N_WEBHOOK_LEAD_QUALIFIED: '/webhook/lead-qualified',
  N8N_WEBHOOK_HANDOFF: '/webhook/handoff',
  N8N_WEBHOOK_LEAD_DISQUALIFIED: '/webhook/lead-disqualified',
  N8N_WEBHOOK_MEETING_REQUESTED: '/webhook/meeting-requested',
  N8N_WEBHOOK_HANDOFF_UNANSWERED: '/webhook/handoff-unanswered',
  N8N_WEBHOOK_DATA_ERASED: '/webhook/data-erased',
} as const

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
