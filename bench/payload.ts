import { readFileSync } from 'node:fs'
import { signChatwoot } from '../src/lib/hmac.js'

export const BENCH_SECRET = 'bench-secret-0123456789'

const template = JSON.parse(readFileSync(new URL('../test/fixtures/chatwoot/message_created.incoming.whatsapp.json', import.meta.url), 'utf8')) as {
  id: number
  conversation: { id: number }
}

let seq = 0

/** A new lead message each call (new message id, conversations spread over 5 000), signed like Chatwoot. */
export function nextWebhook (): { body: string, headers: Record<string, string> } {
  seq += 1
  template.id = 1_000_000 + seq
  template.conversation.id = 10_000 + (seq % 5000)
  const body = JSON.stringify(template)
  const ts = String(Math.floor(Date.now() / 1000))
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-chatwoot-timestamp': ts,
      'x-chatwoot-signature': signChatwoot(BENCH_SECRET, ts, body),
      'x-chatwoot-delivery': `bench-${process.pid}-${seq}`,
    },
  }
}
