import { readFileSync } from 'node:fs'
import { signChatwoot } from '../src/lib/hmac.js'

export const BENCH_SECRET = 'bench-secret-0123456789'

const template = JSON.parse(readFileSync(new URL('../test/fixtures/chatwoot/message_created.incoming.whatsapp.json', import.meta.url), 'utf8')) as {
  id: number
  content: string
  conversation: { id: number }
}
const fixtureContent = template.content

/** A lead message (this id, in this conversation), signed like Chatwoot >= 4.13. */
export function signedMessage (secret: string, messageId: number, conversationId: number, content = fixtureContent): { id: number, body: string, headers: Record<string, string> } {
  template.id = messageId
  template.content = content
  template.conversation.id = conversationId
  const body = JSON.stringify(template)
  const ts = String(Math.floor(Date.now() / 1000))
  return {
    id: messageId,
    body,
    headers: {
      'content-type': 'application/json',
      'x-chatwoot-timestamp': ts,
      'x-chatwoot-signature': signChatwoot(secret, ts, body),
      'x-chatwoot-delivery': `bench-${process.pid}-${messageId}`,
    },
  }
}

let seq = 0

/**
 * A new lead message each call (new message id; conversations taken in turn from `conversations`),
 * signed like Chatwoot.
 */
export function nextWebhook (conversations = 5000): { body: string, headers: Record<string, string> } {
  seq += 1
  const { body, headers } = signedMessage(BENCH_SECRET, 1_000_000 + seq, 10_000 + (seq % conversations))
  return { body, headers }
}
