import { afterEach, describe, expect, it } from 'vitest'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'

let p: Pipeline | undefined
afterEach(async () => {
  await p?.close()
  p = undefined
})

let nextConversation = 5000
const newRef = () => ({ accountId: 3, conversationId: nextConversation++ })

describe('the SDR bot through the real pipeline (scripted brain)', () => {
  it('qualifies a lead over several messages, one answer per turn, then hands off once', async () => {
    p = await startPipeline()
    const ref = newRef()
    const turns = [
      'Olá, preciso automatizar o atendimento da minha loja',
      'Maria Souza',
      'Acme Ltda',
      'Sou gerente de operações',
      'maria@acme.com.br',
      'R$ 3 mil por mês',
      'mês que vem',
    ]
    for (const [i, text] of turns.entries()) {
      const res = await p.say(ref, text)
      expect(res.body).toEqual({ status: 'accepted' })
      await p.waitForReplies(ref, i + 1)
      await settle(p)
    }
    const replies = p.replies(ref)
    expect(replies).toHaveLength(turns.length)
    expect(replies[0]?.content).toMatch(/Ana/)
    expect(replies[1]?.content).toMatch(/empresa/i)
    expect(replies.at(-1)?.content).toMatch(/consultor/)

    const conv = p.chatwoot.conversation(ref)
    expect(conv.status).toBe('open')
    expect(conv.labels).toContain('lead-qualificado')
    expect(conv.customAttributes).toMatchObject({ sdr_stage: 'qualified', lead_name: 'Maria Souza', lead_company: 'Acme Ltda', lead_email: 'maria@acme.com.br' })
    const notes = p.notes(ref)
    expect(notes).toHaveLength(1)
    expect(notes[0]?.content).toMatch(/qualified/)

    // n8n "lead qualified" exactly once, with the fields, the API key and an idempotency key.
    await waitFor(() => p!.n8n.received('/webhook/lead-qualified').length === 1)
    const [call] = p.n8n.received('/webhook/lead-qualified')
    expect(call?.headers['x-n8n-api-key']).toBe('n8n-key')
    expect(call?.headers['idempotency-key']).toBeTruthy()
    expect(call?.body).toMatchObject({ event: 'lead_qualified', conversation_id: ref.conversationId, fields: { name: 'Maria Souza', company: 'Acme Ltda' } })

    // toggle_status open came after the note.
    const paths = p.chatwoot.requests.filter((r) => r.method === 'POST').map((r) => r.path.split('/').pop())
    expect(paths.lastIndexOf('toggle_status')).toBeGreaterThan(paths.lastIndexOf('messages'))

    // The lead's next messages get no bot answer: as Chatwoot delivers them (open), and even if
    // one raced in still marked pending.
    expect((await p.say(ref, 'obrigado!')).body).toEqual({ status: 'ignored', reason: 'conversation_open' })
    expect((await p.say(ref, 'alguém aí?', { status: 'pending' })).body).toEqual({ status: 'accepted' })
    await settle(p)
    expect(p.replies(ref)).toHaveLength(turns.length)
    expect(p.n8n.received('/webhook/lead-qualified')).toHaveLength(1)
    expect(await p.metrics()).toMatch(/sdr_leads_qualified_total 1\b/)
  })

  it('answers three messages sent within the debounce window once', async () => {
    p = await startPipeline({ env: { BOT_DEBOUNCE_MS: '400', BOT_MAX_WAIT_MS: '2000' } })
    const ref = newRef()
    await Promise.all([p.say(ref, 'oi'), p.say(ref, 'tudo bem?'), p.say(ref, 'quero saber do produto')])
    await p.waitForReplies(ref, 1)
    await settle(p)
    await new Promise((resolve) => setTimeout(resolve, 500))
    expect(p.replies(ref)).toHaveLength(1)
  })

  it.each([
    ['quero falar com um humano', /pessoa do nosso time/],
    ['talk to a human please', /someone on our team/],
  ])('hands off when the lead says "%s"', async (text, expected) => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, text)
    const [reply] = await p.waitForReplies(ref, 1)
    expect(reply?.content).toMatch(expected)
    await settle(p)
    expect(p.chatwoot.conversation(ref).status).toBe('open')
    expect(p.notes(ref)[0]?.content).toMatch(/wants_human/)
    await waitFor(() => p!.n8n.received('/webhook/handoff').length === 1)
  })

  it.each([
    ['Olá, quero informações', 'pare', /não vamos mais enviar/],
    ['Hi, I would like some information', 'stop', /won't message you again/],
  ])('confirms an opt-out once, then stays silent (%s → %s)', async (opening, text, expected) => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, opening)
    await p.waitForReplies(ref, 1)
    await settle(p)
    await p.say(ref, text)
    const replies = await p.waitForReplies(ref, 2)
    expect(replies[1]?.content).toMatch(expected)
    await settle(p)
    expect(p.chatwoot.conversation(ref).labels).toContain('do-not-contact')
    await p.say(ref, 'na verdade, quanto custa?')
    await settle(p)
    await new Promise((resolve) => setTimeout(resolve, 150))
    expect(p.replies(ref)).toHaveLength(2)
  })

  it('sends nothing in a conversation a human already has', async () => {
    p = await startPipeline()
    const ref = newRef()
    p.chatwoot.addConversation(ref, { status: 'open' })
    expect((await p.say(ref, 'oi')).body).toEqual({ status: 'ignored', reason: 'conversation_open' })
    expect(await p.statusEvent(ref, 'open')).toBe(200)
    // Even a delivery still marked pending (a race) gets no answer once we know a human has it.
    await p.say(ref, 'oi de novo', { status: 'pending' })
    await settle(p)
    expect(p.chatwoot.messages(ref)).toHaveLength(0)
  })

  it('resumes after Chatwoot hands the conversation back', async () => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, 'quero falar com um atendente')
    await p.waitForReplies(ref, 1)
    await settle(p)
    expect(await p.statusEvent(ref, 'pending')).toBe(200)
    await settle(p)
    await p.say(ref, 'Voltei. Meu nome é João Lima')
    const replies = await p.waitForReplies(ref, 2)
    expect(replies[1]?.content).toMatch(/empresa/i)
  })

  it('ignores a status event that arrives after a newer one (a late "open" does not silence a handback)', async () => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, 'Olá, quero saber mais')
    await p.waitForReplies(ref, 1)
    await settle(p)
    const t = Date.now() / 1000
    expect(await p.statusEvent(ref, 'open', { updatedAt: t })).toBe(200)
    expect(await p.statusEvent(ref, 'pending', { updatedAt: t + 20 })).toBe(200)
    // An "open" stamped between the two, delivered last (Chatwoot sends events concurrently).
    expect(await p.statusEvent(ref, 'open', { updatedAt: t + 10, late: true })).toBe(200)
    await settle(p)
    await p.say(ref, 'Meu nome é João Lima', { updatedAt: t + 20 })
    const replies = await p.waitForReplies(ref, 2)
    expect(replies[1]?.content).toMatch(/empresa/i)
  })

  it('resumes when a lead message shows the conversation was handed back, even if that status event was lost', async () => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, 'quero falar com um atendente')
    await p.waitForReplies(ref, 1)
    await settle(p)
    const t = Date.now() / 1000
    expect(await p.statusEvent(ref, 'open', { updatedAt: t })).toBe(200)
    await settle(p)
    // A message sent before the handoff but delivered now still shows the old, pending conversation: no answer.
    expect((await p.say(ref, 'oi?', { status: 'pending', updatedAt: t - 30 })).body).toEqual({ status: 'accepted' })
    await settle(p)
    expect(p.replies(ref)).toHaveLength(1)
    // The agent hands it back in Chatwoot; that event never reaches the bot. The lead's next message shows it.
    p.chatwoot.setStatus(ref, 'pending')
    await p.say(ref, 'Voltei. Meu nome é João Lima', { updatedAt: t + 60 })
    const replies = await p.waitForReplies(ref, 2)
    expect(replies[1]?.content).toMatch(/empresa/i)
  })

  it('delivers a reply once when Chatwoot fails twice with 500', async () => {
    p = await startPipeline()
    const ref = newRef()
    p.chatwoot.failNext(2, 500, { match: { method: 'POST', path: /\/messages$/ } })
    await p.say(ref, 'Olá!')
    await p.waitForReplies(ref, 1)
    await settle(p)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(p.replies(ref)).toHaveLength(1)
  })

  it('re-sends a failed reply when only its own previous reply came after the lead\'s message (no needless handoff)', async () => {
    p = await startPipeline()
    const ref = newRef()
    // The lead writes twice; the second message is stored before the bot answers the first.
    const second = p.chatwoot.addIncoming(ref, 'Maria Souza')
    await p.say(ref, 'Olá, quero saber mais')
    await p.waitForReplies(ref, 1)
    await settle(p)
    // Its reply's first POST fails without being stored: the newest message is the bot's own first reply.
    p.chatwoot.failNext(1, 503, { match: { method: 'POST', path: /\/messages$/ } })
    await p.say(ref, 'Maria Souza', { messageId: second.id })
    const replies = await p.waitForReplies(ref, 2)
    await settle(p)
    expect(replies[1]?.content).toMatch(/empresa/i)
    expect(p.notes(ref)).toHaveLength(0)
    expect(p.chatwoot.conversation(ref).status).toBe('pending')
  })

  it('does not post twice when Chatwoot stored the reply but answered 500', async () => {
    p = await startPipeline()
    const ref = newRef()
    p.chatwoot.failAfterWrite(1)
    await p.say(ref, 'Olá!')
    await p.waitForReplies(ref, 1)
    await settle(p)
    await new Promise((resolve) => setTimeout(resolve, 200))
    expect(p.replies(ref)).toHaveLength(1)
  })

  it('still answers the lead while n8n is down', async () => {
    p = await startPipeline()
    await p.n8n.close()
    const ref = newRef()
    await p.say(ref, 'quero falar com um humano')
    const [reply] = await p.waitForReplies(ref, 1)
    expect(reply?.content).toMatch(/pessoa/)
    await settle(p)
    expect(p.chatwoot.conversation(ref).status).toBe('open')
    await waitFor(async () => /sdr_workflow_triggers_total\{workflow="handoff",outcome="failed"\} 1/.test(await p!.metrics()))
  })

  it('hands off with a note when a reply cannot be delivered', async () => {
    p = await startPipeline({ env: { OUTBOUND_RETRY_ATTEMPTS: '2' } })
    const ref = newRef()
    p.chatwoot.failNext(2, 503, { match: { method: 'POST', path: /\/messages$/ } })
    await p.say(ref, 'Olá!')
    await waitFor(() => p!.chatwoot.conversation(ref).status === 'open')
    await settle(p)
    expect(p.replies(ref)).toHaveLength(0)
    expect(p.notes(ref)[0]?.content).toMatch(/delivery_failed/)
    expect(await p.metrics()).toMatch(/sdr_replies_total\{outcome="failed"\} 1/)
  })

  it('still hands off, with its note, when the handoff reply itself cannot be delivered', async () => {
    p = await startPipeline({ env: { OUTBOUND_RETRY_ATTEMPTS: '2' } })
    const ref = newRef()
    p.chatwoot.failNext(2, 503, { match: { method: 'POST', path: /\/messages$/ } })
    await p.say(ref, 'quero falar com um humano')
    await waitFor(() => p!.chatwoot.conversation(ref).status === 'open')
    await settle(p)
    expect(p.replies(ref)).toHaveLength(0)
    expect(p.notes(ref)).toHaveLength(1)
    expect(p.chatwoot.conversation(ref).labels).toContain('bot-handoff')
    await waitFor(() => p!.n8n.received('/webhook/handoff').length === 1)
  })

  it('opts out (label, silence) even when the confirmation cannot be delivered', async () => {
    p = await startPipeline({ env: { OUTBOUND_RETRY_ATTEMPTS: '2' } })
    const ref = newRef()
    p.chatwoot.failNext(2, 503, { match: { method: 'POST', path: /\/messages$/ } })
    await p.say(ref, 'pare')
    await waitFor(() => p!.chatwoot.conversation(ref).labels.includes('do-not-contact'))
    await settle(p)
    await p.say(ref, 'oi?')
    await settle(p)
    // Never another bot message; what the lead wrote goes to a person, with a note saying why.
    expect(p.replies(ref)).toHaveLength(0)
    expect(p.notes(ref)).toHaveLength(1)
    expect(p.notes(ref)[0]?.content).toMatch(/do-not-contact/)
    expect(p.chatwoot.conversation(ref).status).toBe('open')
  })

  it('retries a handoff that could not open the conversation when the lead writes again, without answering', async () => {
    p = await startPipeline({ env: { OUTBOUND_RETRY_ATTEMPTS: '2' } })
    const ref = newRef()
    p.chatwoot.failNext(2, 503, { match: { method: 'POST', path: /\/toggle_status$/ } })
    await p.say(ref, 'quero falar com um humano')
    await p.waitForReplies(ref, 1)
    await settle(p)
    expect(p.chatwoot.conversation(ref).status).toBe('pending')
    expect(await p.metrics()).toMatch(/sdr_handoffs_total\{reason="wants_human",outcome="failed"\} 1/)

    // Chatwoot still shows it to the bot, so the lead's next message arrives as pending.
    await p.say(ref, 'alô?')
    await waitFor(() => p!.chatwoot.conversation(ref).status === 'open')
    await settle(p)
    expect(p.replies(ref)).toHaveLength(1)
    expect(await p.metrics()).toMatch(/sdr_handoffs_total\{reason="wants_human",outcome="ok"\} 1/)
  })

  it('answers 50 conversations in parallel, each in order', async () => {
    p = await startPipeline({ env: { BOT_DEBOUNCE_MS: '0', BOT_MAX_WAIT_MS: '0' } })
    const refs = Array.from({ length: 50 }, newRef)
    const texts = ['Olá, quero automatizar o atendimento', 'Beatriz Ramos', 'Globex']
    for (const text of texts) {
      await Promise.all(refs.map((ref) => p!.say(ref, text)))
      await settle(p, 15_000)
    }
    for (const ref of refs) {
      const replies = await p.waitForReplies(ref, 3)
      expect(replies).toHaveLength(3)
      expect(replies[0]?.content).toMatch(/Ana/)
      expect(replies[1]?.content).toMatch(/Beatriz, de qual empresa/)
      expect(replies[2]?.content).toMatch(/cargo/)
    }
  }, 30_000)
})

async function waitFor (check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}
