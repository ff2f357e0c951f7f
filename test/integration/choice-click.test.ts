// Issue 19 §5: a quick-reply click reaches the bot as the button's title ("R$ 1.000 a 5.000"), and a
// model may echo that title, or the number of the list, as the field's answer. Whatever it gives,
// Chatwoot's custom attributes and n8n get the choice's value ("1000_5000"), and the model is told
// the choices as an enum. The real app and worker run on loopback with the OpenAI brain against the
// stand-in, which plays a model answering from the lead's last message.
import { afterEach, describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import type { ChatRequestBody } from '../helpers/fake-openai.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'

const playbook = await loadPlaybook()
const choicesOf = (key: string) => playbook.qualification.fields.find((f) => f.key === key)?.choices ?? []
const BUDGET_TITLE = choicesOf('budget').find((c) => c.value === '1000_5000')?.title['pt-BR'] ?? '∅'
const TIMELINE_TITLE = choicesOf('timeline').find((c) => c.value === 'este_mes')?.title['pt-BR'] ?? '∅'

let p: Pipeline | undefined
afterEach(async () => {
  await p?.close()
  p = undefined
})

let nextConversation = 9900
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

const EMPTY_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }

// Everything but budget and timeline in one message: the bot's next question is the budget's.
const OPENING = 'Oi, sou a Maria Souza, da Acme Ltda. Sou gerente de operações e preciso automatizar o atendimento no WhatsApp. Meu e-mail é maria@acme.com.br'
const OPENING_FIELDS = { name: 'Maria Souza', company: 'Acme Ltda', role: 'gerente de operações', need: 'automatizar o atendimento no WhatsApp', email: 'maria@acme.com.br' }

/** The lead's newest message as the model received it, without its <lead_message> tags. */
function leadSaid (body: ChatRequestBody): string {
  const last = (body.messages ?? []).filter((m) => m.role === 'user').at(-1)
  return String(last?.content ?? '').replace(/^<lead_message>\n/, '').replace(/\n<\/lead_message>$/, '')
}

/**
 * A model that answers the field just asked with what the lead wrote, as it was written: the
 * button's title or the bare number, never the value (what §5 is about).
 */
function echoingModel (body: ChatRequestBody): unknown {
  const said = leadSaid(body)
  const asked = /The bot asked last for: (\w+)\./.exec(String(body.messages?.at(-1)?.content ?? ''))?.[1]
  const fields = said === OPENING ? OPENING_FIELDS : asked !== undefined ? { [asked]: said } : {}
  return { reply: '', fields: { ...EMPTY_FIELDS, ...fields }, intent: 'gives_info', language: 'pt-BR', confidence: 0.9 }
}

async function turn (pipeline: Pipeline, ref: FakeRef, text: string): Promise<void> {
  const before = pipeline.replies(ref).length
  expect((await pipeline.say(ref, text)).body).toEqual({ status: 'accepted' })
  await pipeline.waitForReplies(ref, before + 1)
  await settle(pipeline)
}

async function n8nQualified (pipeline: Pipeline, timeoutMs = 5000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs
  while (pipeline.n8n.received('/webhook/lead-qualified').length === 0) {
    if (Date.now() > deadline) throw new Error('n8n got no lead_qualified')
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return pipeline.n8n.received('/webhook/lead-qualified')[0]?.body as Record<string, unknown>
}

/** Each turn was read by the model (a fallback to the scripted brain would read titles too). */
async function expectEveryTurnFromTheModel (pipeline: Pipeline, turns: number): Promise<void> {
  const metrics = await pipeline.metrics()
  expect(metrics).toContain(`sdr_brain_calls_total{adapter="openai",outcome="ok"} ${turns}`)
  expect(metrics).not.toMatch(/sdr_brain_calls_total\{adapter="openai",outcome="(?:invalid_output|error|timeout)"\}/)
  expect(metrics).not.toMatch(/sdr_brain_calls_total\{adapter="scripted",outcome="fallback"\}/)
}

/** The opening turn: every field but budget and timeline; the bot asks the budget with its buttons. */
async function upToTheBudgetQuestion (pipeline: Pipeline, ref: FakeRef): Promise<void> {
  await turn(pipeline, ref, OPENING)
  const question = pipeline.replies(ref).at(-1)
  expect(question?.content).toMatch(/orçamento mensal/)
  expect(question?.contentType).toBe('input_select')
  expect(question?.contentAttributes).toMatchObject({ items: expect.arrayContaining([{ title: BUDGET_TITLE, value: '1000_5000' }]) })
}

describe('a choice answered by the model as a title or a number reaches Chatwoot and n8n as its value', () => {
  it('premise: the playbook\'s budget button reads "R$ 1.000 a 5.000" for 1000_5000', () => {
    expect(BUDGET_TITLE).toBe('R$ 1.000 a 5.000')
    expect(TIMELINE_TITLE).toBe('Este mês')
  })

  it('a click on a budget button (its title), echoed by the model, is kept as 1000_5000', async () => {
    p = await startPipeline({ openai: echoingModel })
    const ref = newRef()
    await upToTheBudgetQuestion(p, ref)

    await turn(p, ref, BUDGET_TITLE)
    const calls = p.openai!.completions()
    expect(calls).toHaveLength(2)
    // The model was asked with the budget as the field asked last, and it echoed the title.
    expect(String(calls[1]?.body.messages?.at(-1)?.content)).toContain('The bot asked last for: budget.')
    expect(leadSaid(calls[1]!.body)).toBe(BUDGET_TITLE)
    expect(p.chatwoot.conversation(ref).customAttributes['lead_budget']).toBe('1000_5000')
    expect(p.replies(ref).at(-1)?.content).toMatch(/Para quando/)

    // The timeline's button too; the lead is then qualified and n8n gets the values.
    await turn(p, ref, TIMELINE_TITLE)
    const attrs = p.chatwoot.conversation(ref).customAttributes
    expect(attrs).toMatchObject({ lead_budget: '1000_5000', lead_timeline: 'este_mes', sdr_stage: 'qualified' })
    const payload = await n8nQualified(p)
    expect(payload).toMatchObject({ event: 'lead_qualified', fields: { budget: '1000_5000', timeline: 'este_mes', name: 'Maria Souza' } })
    await expectEveryTurnFromTheModel(p, 3)
  })

  it('a bare "2" right after the budget question, echoed by the model, is kept as 1000_5000', async () => {
    p = await startPipeline({ openai: echoingModel })
    const ref = newRef()
    await upToTheBudgetQuestion(p, ref)

    await turn(p, ref, '2')
    expect(leadSaid(p.openai!.completions()[1]!.body)).toBe('2')
    expect(p.chatwoot.conversation(ref).customAttributes['lead_budget']).toBe('1000_5000')

    await turn(p, ref, '1')
    expect(p.chatwoot.conversation(ref).customAttributes).toMatchObject({ lead_budget: '1000_5000', lead_timeline: 'este_mes' })
    const payload = await n8nQualified(p)
    expect(payload).toMatchObject({ event: 'lead_qualified', fields: { budget: '1000_5000', timeline: 'este_mes' } })
    await expectEveryTurnFromTheModel(p, 3)
  })

  it('the JSON schema sent to the model makes each choice field an enum of its values (or null)', async () => {
    p = await startPipeline({ openai: echoingModel })
    const ref = newRef()
    await turn(p, ref, OPENING)
    const format = p.openai!.completions()[0]?.body.response_format
    expect(format?.type).toBe('json_schema')
    expect(format?.json_schema?.strict).toBe(true)
    const fields = (format?.json_schema?.schema as { properties: { fields: { properties: Record<string, unknown> } } }).properties.fields.properties
    expect(enumOf(fields['budget'])).toEqual(['ate_1000', '1000_5000', 'acima_5000'])
    expect(enumOf(fields['timeline'])).toEqual(['este_mes', 'ate_3_meses', 'pesquisando'])
    expect(JSON.stringify(fields['budget'])).toContain('null')
    expect(enumOf(fields['company'])).toBeUndefined()
  })
})

/** The `enum` of a JSON schema node, wherever a nullable wrapper put it (anyOf, or the node itself). */
function enumOf (node: unknown): unknown[] | undefined {
  if (typeof node !== 'object' || node === null) return undefined
  const n = node as { enum?: unknown[], anyOf?: unknown[] }
  if (Array.isArray(n.enum)) return n.enum.filter((v) => v !== null)
  for (const branch of n.anyOf ?? []) {
    const found = enumOf(branch)
    if (found !== undefined) return found
  }
  return undefined
}
