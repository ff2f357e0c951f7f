import { randomUUID } from 'node:crypto'
import { signChatwoot, signSeed } from '../../src/lib/hmac.js'

export type Headers = Record<string, string>

export interface ChatwootSignOptions {
  readonly secret: string
  /** X-Chatwoot-Timestamp, unix seconds. */
  readonly timestamp: number
  /** X-Chatwoot-Delivery; a new UUID when absent (Chatwoot keeps it across its retries). */
  readonly deliveryId?: string
}

/** Signs exactly as Chatwoot >= 4.13 does (lib/webhooks/trigger.rb, docs/chatwoot.md#signatures). */
export function chatwootHeaders (rawBody: Buffer, opts: ChatwootSignOptions): Headers {
  const ts = String(opts.timestamp)
  return {
    'content-type': 'application/json',
    accept: 'application/json',
    'x-chatwoot-delivery': opts.deliveryId ?? randomUUID(),
    'x-chatwoot-timestamp': ts,
    'x-chatwoot-signature': signChatwoot(opts.secret, ts, rawBody),
  }
}

/** Signs like the seed's documented clients: hex HMAC of the raw body, no timestamp. */
export function seedHeaders (rawBody: Buffer, opts: { readonly secret: string, readonly deliveryId?: string }): Headers {
  return {
    'content-type': 'application/json',
    'x-chatwoot-signature': signSeed(opts.secret, rawBody),
    ...(opts.deliveryId !== undefined ? { 'x-chatwoot-delivery': opts.deliveryId } : {}),
  }
}
