import { describe, expect, it } from 'vitest'
import { classifyEvent, type Classification, type MessageJob, type StatusJob } from '../../src/conversation/inbound.js'
import { conversationTag } from '../../src/conversation/ref.js'
import type { KnownEvent } from '../../src/conversation/payloads.js'
import {
  conversationFixture,
  fixtureJson,
  messageFixture,
  type ConversationFixture,
  type FixtureName,
  type MessageFixture,
} from '../helpers/fixtures.js'

const NOW = 1_787_061_808_000
const DELIVERY = '6f1c2a9e-3b7d-4e8a-9c51-2d4f8b0e7a13'
const TAG = '{3:1487}'

const classify = (body: { event: string }, opts: { deliveryId?: string, accountId?: number } = {}): Classification =>
  classifyEvent(body.event as KnownEvent, body, { deliveryId: opts.deliveryId, accountId: opts.accountId, now: NOW })

const message = (mutate: (m: MessageFixture) => void = () => {}, name: FixtureName = 'message_created.incoming.whatsapp'): MessageFixture => {
  const m = messageFixture(name)
  mutate(m)
  return m
}

const conversation = (name: FixtureName, mutate: (c: ConversationFixture) => void = () => {}): ConversationFixture => {
  const c = conversationFixture(name)
  mutate(c)
  return c
}

const answered = (values: unknown[]) => message((m) => {
  m.event = 'message_updated'
  m.content_attributes = { ...m.content_attributes, submitted_values: values }
}, 'message_created.outgoing.agent_bot_self')

function expectAct (c: Classification): Extract<Classification, { outcome: 'act' }> {
  if (c.outcome !== 'act') throw new Error(`expected act, got ${JSON.stringify(c)}`)
  return c
}

function messageJob (c: Classification): MessageJob {
  const job = expectAct(c).job
  if (job.kind !== 'message') throw new Error(`expected a message job, got ${job.kind}`)
  return job
}

function statusJob (c: Classification): StatusJob {
  const job = expectAct(c).job
  if (job.kind !== 'status') throw new Error(`expected a status job, got ${job.kind}`)
  return job
}

describe('classifyEvent: what the bot acts on', () => {
  it('an incoming message in a pending conversation → a message job with what the worker needs', () => {
    const job = messageJob(classify(message()))
    expect(job).toEqual({
      kind: 'message',
      ref: { accountId: 3, conversationId: 1487 },
      messageId: 90211,
      inboxId: 12,
      text: 'Quero um orçamento para 200 unidades do modelo X',
      attachments: [],
      channel: 'Channel::Whatsapp',
      canReply: true,
      contact: { id: 5821, name: 'Mariana Souza', email: undefined, phone: '+5511987654321' },
      receivedAt: NOW,
      conversationUpdatedAt: 1787061807.391524,
    })
  })

  it('an attachment-only message (content null) → act with empty text and the attachment', () => {
    const job = messageJob(classify(message((m) => {
      m.content = null
      m['attachments'] = [{ id: 1, message_id: 90211, file_type: 'audio', transcribed_text: 'quero comprar' }]
    })))
    expect(job.text).toBe('')
    expect(job.attachments).toEqual([{ fileType: 'audio', transcribedText: 'quero comprar' }])
  })

  it('attachments Chatwoot serialises as null or without file_type are dropped or called files, never a 400', () => {
    const job = messageJob(classify(message((m) => {
      m.content = null
      m['attachments'] = [null, { id: 2, message_id: 90211, file_type: null, transcribed_text: null }, { id: 3, message_id: 90211, file_type: 'location', coordinates_lat: -23.56, coordinates_long: -46.65, fallback_title: 'Av. Paulista', data_url: 'https://maps.google.com/?q=-23.56,-46.65' }]
    })))
    expect(job.attachments).toEqual([{ fileType: 'file', transcribedText: undefined }, { fileType: 'location', transcribedText: undefined }])
  })

  it('message_updated with submitted_values (a quick-reply answer) → act with the answer text', () => {
    const job = messageJob(classify(answered([{ title: '100 a 500 unidades', value: '100_500' }])))
    expect(job.text).toBe('100 a 500 unidades')
    expect(job.messageId).toBe(90212)
    expect(job.ref).toEqual({ accountId: 3, conversationId: 1487 })
  })

  it.each([
    ['value only', [{ value: 'gt_500' }], 'gt_500'],
    ['several answers', [{ title: 'A' }, { title: 'B' }], 'A, B'],
    ['plain strings', ['sim'], 'sim'],
    ['numbers', [{ value: 42 }], '42'],
  ])('submitted_values with %s → %s', (_label, values, text) => {
    expect(messageJob(classify(answered(values))).text).toBe(text)
  })

  it('conversation_status_changed → a status job with the new status', () => {
    const job = statusJob(classify(conversation('conversation_status_changed.pending_to_open_handoff')))
    expect(job).toEqual({ kind: 'status', ref: { accountId: 3, conversationId: 1487 }, status: 'open', receivedAt: NOW, changedAt: 1787062000.48812 })
  })

  it.each(['conversation_opened', 'conversation_resolved'])('%s → a status job', (event) => {
    const job = statusJob(classify(conversation('conversation_status_changed.pending_to_open_handoff', (c) => {
      c.event = event
      c.status = event === 'conversation_opened' ? 'open' : 'resolved'
    })))
    expect(job.status).toBe(event === 'conversation_opened' ? 'open' : 'resolved')
  })

  it('conversation_updated that changed the status or the assignee → a status job', () => {
    for (const key of ['status', 'assignee_id']) {
      const c = classify(conversation('conversation_updated.custom_attributes_by_bot', (c) => {
        c.changed_attributes = [{ [key]: { previous_value: 'x', current_value: 'y' } }]
      }))
      expect(statusJob(c).status).toBe('pending')
    }
  })
})

describe('classifyEvent: a human agent\'s answer', () => {
  const fromAgent = (mutate: (m: MessageFixture) => void = () => {}) => message((m) => {
    m.message_type = 'outgoing'
    m.sender = { id: 1, name: 'Carla', type: 'user' }
    m.conversation.status = 'open'
    mutate(m)
  })

  it('is an agent_reply job for its conversation, whatever the status (the handoff watchdog waits for it)', () => {
    const job = expectAct(classify(fromAgent())).job
    expect(job).toMatchObject({ kind: 'agent_reply', ref: { accountId: 3, conversationId: 1487 }, messageId: 90211 })
  })

  it('a private note by an agent is not an answer to the lead', () => {
    expect(classify(fromAgent((m) => { m.private = true }))).toMatchObject({ outcome: 'ignored' })
  })
})

describe('classifyEvent: what the bot ignores, and why', () => {
  it.each<[string, () => { event: string }, string]>([
    ['the bot\'s own outgoing message', () => message(undefined, 'message_created.outgoing.agent_bot_self'), 'not_incoming'],
    ['an agent\'s private note', () => message(undefined, 'message_created.private_note.user'), 'not_incoming'],
    ['an incoming private message', () => message((m) => { m.private = true }), 'private_note'],
    ['a template message', () => message((m) => { m.message_type = 'template' }), 'not_incoming'],
    ['an activity message', () => message((m) => { m.message_type = 'activity' }), 'not_incoming'],
    ['an "incoming" sent by the bot', () => message((m) => { m.sender = { id: 4, name: 'SDR Bot', type: 'agent_bot' } }), 'not_from_contact'],
    ['an "incoming" sent by an agent', () => message((m) => { m.sender = { id: 17, type: 'user' } }), 'not_from_contact'],
    ['a conversation a human took (open)', () => message((m) => { m.conversation.status = 'open' }), 'conversation_open'],
    ['a resolved conversation', () => message((m) => { m.conversation.status = 'resolved' }), 'conversation_resolved'],
    ['a snoozed conversation', () => message((m) => { m.conversation.status = 'snoozed' }), 'conversation_snoozed'],
    ['message_updated without an answer', () => message((m) => { m.event = 'message_updated' }), 'update_without_answer'],
    ['message_updated with empty submitted_values', () => answered([]), 'update_without_answer'],
    ['an answer in a conversation a human took', () => {
      const m = answered([{ title: 'x' }])
      m.conversation.status = 'open'
      return m
    }, 'conversation_open'],
    ['conversation_updated without a status change', () => conversation('conversation_updated.custom_attributes_by_bot'), 'no_status_change'],
    ['conversation_updated with changed_attributes null', () => conversation('conversation_updated.custom_attributes_by_bot', (c) => { c.changed_attributes = null }), 'no_status_change'],
    ['a widget bubble opening', () => fixtureJson<{ event: string }>('webwidget_triggered.first_open'), 'widget_opened'],
  ])('%s → ignored: %s', (_label, body, reason) => {
    const c = classify(body())
    expect(c.outcome).toBe('ignored')
    expect(c.outcome === 'ignored' ? c.reason : undefined).toBe(reason)
  })

  it('another account than CHATWOOT_ACCOUNT_ID → ignored other_account (messages and conversations)', () => {
    for (const body of [message(), conversation('conversation_status_changed.pending_to_open_handoff')]) {
      const c = classify(body, { accountId: 99 })
      expect(c).toMatchObject({ outcome: 'ignored', reason: 'other_account', ref: { accountId: 3, conversationId: 1487 } })
    }
    expect(classify(message(), { accountId: 3 }).outcome).toBe('act')
  })

  it('ignored events still name their conversation (for the log line)', () => {
    const c = classify(message(undefined, 'message_created.outgoing.agent_bot_self'))
    expect(c).toMatchObject({ outcome: 'ignored', ref: { accountId: 3, conversationId: 1487 } })
  })
})

describe('classifyEvent: invalid payloads', () => {
  it.each<[string, (m: MessageFixture) => void]>([
    ['no conversation', (m) => { delete (m as Partial<MessageFixture>).conversation }],
    ['a string id', (m) => { (m as Record<string, unknown>)['id'] = '90211' }],
    ['an unknown message_type', (m) => { m.message_type = 'robot' }],
    ['an unknown conversation status', (m) => { m.conversation.status = 'archived' }],
    ['no account', (m) => { delete (m as Partial<MessageFixture>).account }],
  ])('a message with %s → invalid with a message naming the problem', (_label, mutate) => {
    const c = classify(message(mutate))
    expect(c.outcome).toBe('invalid')
    expect(c.outcome === 'invalid' ? c.message : '').toMatch(/^invalid message_created payload: /)
  })

  it('a conversation event without status → invalid', () => {
    const c = classify(conversation('conversation_status_changed.pending_to_open_handoff', (c) => { delete (c as Partial<ConversationFixture>).status }))
    expect(c.outcome).toBe('invalid')
  })
})

describe('dedupe keys', () => {
  const keysOf = (c: Classification): readonly string[] => (c.outcome === 'invalid' ? [] : c.dedupeKeys)

  it('include the delivery id, the body event_id and (event, message id), all under one hash tag', () => {
    const keys = keysOf(classify(message((m) => { m.event_id = 'evt-1' }), { deliveryId: DELIVERY }))
    expect([...keys].sort()).toEqual([
      `${TAG}:dedupe:delivery:${DELIVERY}`,
      `${TAG}:dedupe:event:message_created:90211`,
      `${TAG}:dedupe:event_id:evt-1`,
    ])
    expect(conversationTag({ accountId: 3, conversationId: 1487 })).toBe(TAG)
    // Redis Cluster hashes only the part inside the first {...}: every key lands in one slot.
    for (const key of keys) expect(key.match(/\{[^}]*\}/)?.[0]).toBe(TAG)
  })

  it('bound a long delivery id or event_id by hashing it, and keep distinct ids distinct', () => {
    const long = 'x'.repeat(10_000)
    const keys = keysOf(classify(message((m) => { m.event_id = `${long}a` }), { deliveryId: long }))
    expect(Math.max(...keys.map((k) => k.length))).toBeLessThan(120)
    const other = keysOf(classify(message((m) => { m.event_id = `${long}b` }), { deliveryId: long }))
    expect(keys.find((k) => k.includes(':event_id:'))).not.toBe(other.find((k) => k.includes(':event_id:')))
    // A UUID stays readable.
    expect(keysOf(classify(message(), { deliveryId: DELIVERY }))).toContain(`${TAG}:dedupe:delivery:${DELIVERY}`)
  })

  it('always include (event, message id), with or without delivery id', () => {
    expect(keysOf(classify(message()))).toEqual([`${TAG}:dedupe:event:message_created:90211`])
  })

  it('the same message under two deliveries shares the (event, message id) key', () => {
    const a = keysOf(classify(message(), { deliveryId: 'delivery-a' }))
    const b = keysOf(classify(message(), { deliveryId: 'delivery-b' }))
    expect(a.filter((k) => b.includes(k))).toEqual([`${TAG}:dedupe:event:message_created:90211`])
  })

  it('ignored events get keys too (so a duplicate is answered as such)', () => {
    expect(keysOf(classify(message(undefined, 'message_created.outgoing.agent_bot_self'), { deliveryId: DELIVERY })))
      .toContain(`${TAG}:dedupe:delivery:${DELIVERY}`)
  })

  it('two different answers to the same quick reply are different events; the same answer twice is one', () => {
    const first = keysOf(classify(answered([{ title: 'A' }])))
    const again = keysOf(classify(answered([{ title: 'A' }])))
    const other = keysOf(classify(answered([{ title: 'B' }])))
    expect(first).toEqual(again)
    expect(first.some((k) => other.includes(k))).toBe(false)
    expect(first[0]).toMatch(/^\{3:1487\}:dedupe:event:message_updated:90212:[0-9a-f]{16}$/)
  })

  it('message_created and message_updated of the same message do not collide', () => {
    const created = keysOf(classify(message()))
    const updated = keysOf(classify(message((m) => {
      m.event = 'message_updated'
      m.content_attributes = { submitted_values: [{ title: 'A' }] }
    })))
    expect(created.some((k) => updated.includes(k))).toBe(false)
  })

  it('conversation events are keyed by status and update time, under the conversation tag', () => {
    const keys = keysOf(classify(conversation('conversation_status_changed.pending_to_open_handoff'), { deliveryId: DELIVERY }))
    expect(keys).toContain(`${TAG}:dedupe:event:conversation_status_changed:1487:open:1787062000.48812`)
    expect(keys).toContain(`${TAG}:dedupe:delivery:${DELIVERY}`)
    const reopened = keysOf(classify(conversation('conversation_status_changed.pending_to_open_handoff', (c) => {
      c.status = 'pending'
      c['updated_at'] = 1787062100.1
    })))
    expect(keys.some((k) => reopened.includes(k))).toBe(false)
  })
})
