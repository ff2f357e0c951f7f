import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { RecordedRequest } from '../helpers/fake-http.js'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'

// What a lead turn does around the reply itself, seen from the Chatwoot stand-in and /metrics:
// the typing indicator, quick replies for a playbook question with choices, and the counters.

let p: Pipeline | undefined
afterEach(async () => {
  await p?.close()
  p = undefined
})

let nextConversation = 7100
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

/** The default playbook's own choices, read from the file the app loads (PLAYBOOK_PATH unset). */
interface PlaybookFile { qualification: { fields: Array<{ key: string, choices?: Array<{ title: Record<string, string>, value: string }> }> } }
const playbook = parse(readFileSync(new URL('../../playbooks/default.yaml', import.meta.url), 'utf8')) as PlaybookFile
const choicesOf = (key: string) => playbook.qualification.fields.find((f) => f.key === key)?.choices

/** The conversation's calls the bot made, in the order the stand-in received them. */
function callsTo (pl: Pipeline, ref: FakeRef): Array<{ what: string, req: RecordedRequest }> {
  const base = `/api/v1/accounts/${ref.accountId}/conversations/${ref.conversationId}`
  return pl.chatwoot.requests
    .filter((r) => r.path === base || r.path.startsWith(`${base}/`))
    .map((req) => {
      const body = req.body as { typing_status?: string, private?: boolean } | undefined
      const tail = req.path.slice(base.length + 1) || 'show'
      const what = tail === 'toggle_typing_status'
        ? `typing_${body?.typing_status ?? '?'}`
        : tail === 'messages' && req.method === 'POST' ? (body?.private === true ? 'note' : 'reply') : `${req.method} ${tail}`
      return { what, req }
    })
}

describe('typing indicator', () => {
  it('turns typing on before the reply is posted and off after it, once per turn', async () => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, 'Olá, quero automatizar o atendimento da minha loja')
    await p.waitForReplies(ref, 1)
    await settle(p)

    const calls = callsTo(p, ref)
    const seq = calls.map((c) => c.what)
    const on = seq.indexOf('typing_on')
    const reply = seq.indexOf('reply')
    const off = seq.indexOf('typing_off')
    expect(on).toBeGreaterThanOrEqual(0)
    expect(reply).toBeGreaterThan(on)
    expect(off).toBeGreaterThan(reply)
    expect(seq.filter((w) => w === 'typing_on')).toHaveLength(1)
    expect(seq.filter((w) => w === 'typing_off')).toHaveLength(1)
    expect(seq.filter((w) => w === 'reply')).toHaveLength(1)
    // As Chatwoot's toggle_typing_status takes it, with the bot's token.
    const typingOn = calls[on]?.req
    expect(typingOn?.method).toBe('POST')
    expect(typingOn?.body).toEqual({ typing_status: 'on', is_private: false })
    expect(typingOn?.headers.api_access_token).toBe(p.chatwoot.botToken)
    expect(calls[off]?.req.body).toEqual({ typing_status: 'off', is_private: false })
    // The stand-in ends the turn with the indicator off.
    expect(p.chatwoot.conversation(ref).typing).toBe('off')

    // A second turn does the same again, after the first turn's calls.
    await p.say(ref, 'Maria Souza')
    await p.waitForReplies(ref, 2)
    await settle(p)
    const second = callsTo(p, ref).map((c) => c.what).slice(seq.length)
    expect(second.indexOf('typing_on')).toBeGreaterThanOrEqual(0)
    expect(second.indexOf('reply')).toBeGreaterThan(second.indexOf('typing_on'))
    expect(second.indexOf('typing_off')).toBeGreaterThan(second.indexOf('reply'))
  })
})

describe('quick replies', () => {
  it('the playbook asks budget and timeline with choices', () => {
    // The premise of the next test: if the playbook drops these choices, this says so first.
    expect(choicesOf('budget')?.length).toBeGreaterThan(0)
    expect(choicesOf('timeline')?.length).toBeGreaterThan(0)
  })

  it('posts the question of a field with choices as input_select with {title, value} items', async () => {
    p = await startPipeline()
    const ref = newRef()
    // need (in the opening), name, company, role, e-mail: the next field in playbook order is budget.
    const turns = [
      'Olá, preciso automatizar o atendimento da minha loja',
      'Maria Souza',
      'Acme Ltda',
      'Sou gerente de operações',
      'maria@acme.com.br',
    ]
    for (const [i, text] of turns.entries()) {
      expect((await p.say(ref, text)).body).toEqual({ status: 'accepted' })
      await p.waitForReplies(ref, i + 1)
      await settle(p)
    }
    const replies = p.replies(ref)
    expect(replies).toHaveLength(turns.length)

    // Questions without choices go out as plain text.
    for (const r of replies.slice(0, -1)) {
      expect(r.contentType).toBe('text')
      expect(r.contentAttributes).toEqual({})
    }

    const budget = replies.at(-1)
    expect(budget?.content).toMatch(/orçamento mensal/)
    expect(budget?.contentType).toBe('input_select')
    expect(budget?.contentAttributes).toEqual({
      items: [
        { title: 'Até R$ 1.000', value: 'ate_1000' },
        { title: 'R$ 1.000 a 5.000', value: '1000_5000' },
        { title: 'Acima de R$ 5.000', value: 'acima_5000' },
      ],
    })
    // On the wire: exactly what Chatwoot's input_select wants, nothing more per item.
    const posted = p.chatwoot.requests.filter((r) => r.method === 'POST' && r.path.endsWith(`/conversations/${ref.conversationId}/messages`)).at(-1)
    expect(posted?.body).toMatchObject({ content_type: 'input_select', message_type: 'outgoing', private: false })
    for (const item of (posted?.body as { content_attributes: { items: Array<Record<string, unknown>> } }).content_attributes.items) {
      expect(Object.keys(item).sort()).toEqual(['title', 'value'])
    }

    // Picking a choice (the lead taps its title) answers the field; the next question has choices too.
    await p.say(ref, 'R$ 1.000 a 5.000')
    const next = (await p.waitForReplies(ref, turns.length + 1)).at(-1)
    expect(next?.content).toMatch(/Para quando/)
    expect(next?.contentType).toBe('input_select')
    // Titled in the lead's language (pt-BR here), the machine value kept.
    expect(next?.contentAttributes).toEqual({ items: choicesOf('timeline')?.map((c) => ({ title: c.title['pt-BR'], value: c.value })) })
  })
})

describe('metrics after a turn', () => {
  it('counts the stage change and the Chatwoot calls, with their durations', async () => {
    p = await startPipeline()
    const before = await p.metrics()
    expect(before).not.toMatch(/^sdr_state_transitions_total\{from="new",to="qualifying"\}/m)
    const ref = newRef()
    await p.say(ref, 'Olá, quero automatizar o atendimento da minha loja')
    await p.waitForReplies(ref, 1)
    await settle(p)
    const text = await p.metrics()

    expect(sample(text, /^sdr_state_transitions_total\{from="new",to="qualifying"\} (\S+)$/m)).toBeGreaterThanOrEqual(1)
    expect(sample(text, /^sdr_outbound_requests_total\{target="chatwoot",operation="sendMessage",outcome="ok"\} (\S+)$/m)).toBeGreaterThanOrEqual(1)
    expect(sample(text, /^sdr_outbound_requests_total\{target="chatwoot",operation="setTyping",outcome="ok"\} (\S+)$/m)).toBeGreaterThanOrEqual(2)
    expect(sample(text, /^sdr_outbound_request_duration_seconds_count\{target="chatwoot",operation="sendMessage"\} (\S+)$/m)).toBeGreaterThanOrEqual(1)
    expect(sample(text, /^sdr_replies_total\{outcome="sent"\} (\S+)$/m)).toBe(1)

    // A second lead, a second transition counted.
    const other = newRef()
    await p.say(other, 'Oi, tudo bem?')
    await p.waitForReplies(other, 1)
    await settle(p)
    expect(sample(await p.metrics(), /^sdr_state_transitions_total\{from="new",to="qualifying"\} (\S+)$/m)).toBe(2)
  })
})

/** The value of the one sample the pattern matches (its first group); fails the test when absent. */
function sample (text: string, pattern: RegExp): number {
  const m = pattern.exec(text)
  expect(m, `no metric line matches ${pattern}`).not.toBeNull()
  return Number(m?.[1])
}
