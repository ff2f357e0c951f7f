import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { fileURLToPath } from 'node:url'

const DIR = fileURLToPath(new URL('../fixtures/chatwoot/', import.meta.url))

export type FixtureName =
  | 'message_created.incoming.whatsapp'
  | 'message_created.outgoing.agent_bot_self'
  | 'message_created.private_note.user'
  | 'conversation_status_changed.pending_to_open_handoff'
  | 'conversation_updated.custom_attributes_by_bot'
  | 'webwidget_triggered.first_open'
  | 'message_created.incoming.audio_transcribed'
  | 'message_created.incoming.audio_untranscribed'
  | 'message_created.incoming.location'
  | 'message_created.incoming.image_and_file'
  | 'message_created.incoming.audios_and_image'
  | 'message_updated.input_select_submitted'

/** The exact bytes of a fixture, as Chatwoot would POST them. */
export function fixtureBytes (name: FixtureName): Buffer {
  return readFileSync(`${DIR}${name}.json`)
}

interface ContactShape {
  id?: number
  name: string | null
  email: string | null
  phone_number: string | null
  [key: string]: unknown
}

/** The parts of a message event the tests change; everything else is kept as it is. */
export interface MessageFixture {
  event: string
  id: number
  account: { id: number, [key: string]: unknown }
  message_type: string
  private: boolean
  content: string | null
  content_type: string
  content_attributes: Record<string, unknown>
  sender: { type?: string, [key: string]: unknown } | null
  conversation: {
    id: number
    status: string
    meta: { sender: ContactShape, [key: string]: unknown }
    [key: string]: unknown
  }
  event_id?: string
  [key: string]: unknown
}

export interface ConversationFixture {
  event: string
  id: number
  status: string
  account: { id: number, [key: string]: unknown }
  changed_attributes: Array<Record<string, unknown>> | null
  [key: string]: unknown
}

/** A fresh, mutable copy of a fixture's JSON. */
export function fixtureJson<T = Record<string, unknown>> (name: FixtureName): T {
  return JSON.parse(fixtureBytes(name).toString('utf8')) as T
}

export const messageFixture = (name: FixtureName): MessageFixture => fixtureJson<MessageFixture>(name)
export const conversationFixture = (name: FixtureName): ConversationFixture => fixtureJson<ConversationFixture>(name)

/** A variation of a fixture, serialized the way Chatwoot's fixtures are (2-space JSON). */
export function messageVariant (mutate: (m: MessageFixture) => void, name: FixtureName = 'message_created.incoming.whatsapp'): Buffer {
  const m = messageFixture(name)
  mutate(m)
  return Buffer.from(JSON.stringify(m, null, 2))
}

export interface SignatureVector {
  readonly scheme: string
  readonly body: Buffer
  readonly headers: Readonly<Record<string, string>>
}

interface RawVectors {
  secret: string
  cases: Array<{ scheme: string, body_file: string, headers: Record<string, string> }>
}

const rawVectors = JSON.parse(readFileSync(`${DIR}signature-vectors.json`, 'utf8')) as RawVectors

/** The shared signature vectors; their body_file "payloads/<name>" lives beside them here. */
export const VECTORS = {
  secret: rawVectors.secret,
  cases: rawVectors.cases.map((c): SignatureVector => ({
    scheme: c.scheme,
    body: readFileSync(`${DIR}${basename(c.body_file)}`),
    headers: c.headers,
  })),
}

function vectorCase (prefix: string): SignatureVector {
  const found = VECTORS.cases.find((c) => c.scheme.startsWith(prefix))
  if (found === undefined) throw new Error(`no "${prefix}" case in signature-vectors.json`)
  return found
}

export const CHATWOOT_VECTOR = vectorCase('chatwoot')
export const SEED_VECTOR = vectorCase('seed')
/** The vector's X-Chatwoot-Timestamp, seconds. */
export const VECTOR_TIMESTAMP = Number(CHATWOOT_VECTOR.headers['X-Chatwoot-Timestamp'])
