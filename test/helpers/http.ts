import { request } from 'undici'
import type { Headers } from './sign.js'
import { WEBHOOK_PATH } from '../../src/routes/webhook.js'

export { WEBHOOK_PATH }

export interface Response {
  readonly status: number
  readonly headers: Record<string, string | string[] | undefined>
  readonly text: string
  /** The body parsed as JSON, or undefined when it is not JSON. */
  readonly json: unknown
}

/** One real HTTP request over a socket; the body is always read. */
export async function send (url: string, opts: { method?: 'GET' | 'POST' | 'DELETE', path: string, body?: Buffer | string, headers?: Headers }): Promise<Response> {
  const res = await request(`${url}${opts.path}`, {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  })
  const text = await res.body.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.statusCode, headers: res.headers, text, json }
}

/** POSTs raw bytes to the webhook (or another path) with the given headers. */
export function postWebhook (url: string, body: Buffer | string, headers: Headers, path = WEBHOOK_PATH): Promise<Response> {
  return send(url, { method: 'POST', path, body, headers })
}
