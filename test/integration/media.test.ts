import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import type { ChatRequestBody } from '../helpers/fake-openai.js'
import { messageFixture, type FixtureName } from '../helpers/fixtures.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'

// What a lead sends besides plain text (issue #7, part 6), end to end with payloads shaped like
// Chatwoot's (test/fixtures/chatwoot): an audio's transcription is read as text; an image, a file,
// a location or an audio without transcription gets the playbook's polite "please type it"; a web
// widget quick-reply answer (message_updated with submitted_values) is read as the lead's answer.

const MEDIA_ONLY_PT = 'Recebi o que você enviou, mas por aqui só consigo ler mensagens de texto. Pode me escrever?'

let p: Pipeline | undefined
let dir: string | undefined
afterEach(async () => {
  await p?.close()
  p = undefined
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

let nextConversation = 7800
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

async function deliver (pl: Pipeline, ref: FakeRef, fixture: FixtureName): Promise<void> {
  const res = await pl.deliver(ref, messageFixture(fixture))
  expect(res).toEqual({ statusCode: 200, body: { status: 'accepted' } })
}

/** Nothing went wrong: no failed batch, no handoff note, the conversation still with the bot. */
async function expectNoError (pl: Pipeline, ref: FakeRef): Promise<void> {
  await settle(pl)
  expect(await pl.metrics()).not.toMatch(/^sdr_jobs_processed_total\{kind="batch",outcome="failed"\}/m)
  expect(pl.notes(ref)).toEqual([])
  expect(pl.chatwoot.conversation(ref).status).toBe('pending')
}

describe('audio with a transcription', () => {
  it('is read as the lead\'s text: the name it says answers the question asked', async () => {
    p = await startPipeline()
    const ref = newRef()
    await p.say(ref, 'Olá, quero automatizar o atendimento da minha loja')
    expect((await p.waitForReplies(ref, 1))[0]?.content).toMatch(/como posso te chamar/)
    await deliver(p, ref, 'message_created.incoming.audio_transcribed')
    const reply = (await p.waitForReplies(ref, 2))[1]?.content ?? ''
    expect(reply).toMatch(/^Obrigada, Mariana!/)
    expect(reply).toMatch(/de qual empresa/)
    expect(reply).not.toContain(MEDIA_ONLY_PT)
    await expectNoError(p, ref)
  })

  it('several attachments: every transcription reaches the model, in order, and the image adds nothing', async () => {
    const prompts: string[] = []
    p = await startPipeline({
      openai: (body: ChatRequestBody) => {
        const last = body.messages?.filter((m) => m.role === 'user').at(-1)
        prompts.push(typeof last?.content === 'string' ? last.content : '')
        return { reply: '', fields: { name: null, company: 'Acme Importadora', role: 'gerente de compras', need: null, email: null, phone: null, budget: null, timeline: null }, intent: 'gives_info', language: 'pt-BR', confidence: 0.9 }
      },
    })
    const ref = newRef()
    await deliver(p, ref, 'message_created.incoming.audios_and_image')
    const reply = (await p.waitForReplies(ref, 1))[0]?.content ?? ''
    expect(prompts).toEqual(['<lead_message>\nTrabalho na Acme Importadora\nsou gerente de compras\n</lead_message>'])
    expect(reply).not.toContain(MEDIA_ONLY_PT)
    await expectNoError(p, ref)
  })
})

describe('media the bot cannot read', () => {
  it.each([
    ['a location', 'message_created.incoming.location'],
    ['an image and a PDF', 'message_created.incoming.image_and_file'],
    ['an audio whose transcribed_text is empty', 'message_created.incoming.audio_untranscribed'],
  ] as const)('%s without text gets the polite "please type it", never an error', async (_what, fixture) => {
    p = await startPipeline()
    const ref = newRef()
    await deliver(p, ref, fixture)
    const reply = (await p.waitForReplies(ref, 1))[0]?.content ?? ''
    // First contact: the greeting, the ask for text, then the first question.
    expect(reply.split('\n\n')).toEqual([expect.stringMatching(/^Olá! Eu sou a Ana/), MEDIA_ONLY_PT, expect.stringMatching(/como posso te chamar/)])
    await expectNoError(p, ref)
    // The conversation goes on as usual once the lead types.
    await p.say(ref, 'Mariana Souza')
    expect((await p.waitForReplies(ref, 2))[1]?.content).toMatch(/^Obrigada, Mariana!/)
  })

  it('the answer is the playbook\'s texts.media_only, in the lead\'s language', async () => {
    dir = await mkdtemp(join(tmpdir(), 'sdr-media-'))
    const d = parseYaml(await readFile(new URL('../../playbooks/default.yaml', import.meta.url), 'utf8')) as Record<string, any>
    d['texts'].media_only = { 'pt-BR': 'Por aqui eu só leio texto, {name}. Pode digitar?', en: 'Text only here, {name}. Could you type it?' }
    await writeFile(join(dir, 'playbook.yaml'), stringifyYaml(d))
    p = await startPipeline({ env: { PLAYBOOK_PATH: join(dir, 'playbook.yaml') } })
    const ref = newRef()
    await p.say(ref, 'Hi, I am Mariana Souza and I want to automate support')
    await p.waitForReplies(ref, 1)
    await deliver(p, ref, 'message_created.incoming.image_and_file')
    const reply = (await p.waitForReplies(ref, 2))[1]?.content ?? ''
    expect(reply).toMatch(/^Text only here, Mariana\. Could you type it\?/)
    await expectNoError(p, ref)
  })
})

describe('a web widget quick-reply answer', () => {
  it('message_updated with submitted_values on the bot\'s input_select is read as the lead\'s answer', async () => {
    p = await startPipeline()
    const ref = newRef()
    // need (in the opening), name, company, role, e-mail: the next question (budget) has choices.
    const turns = ['Olá, preciso automatizar o atendimento da minha loja', 'Mariana Souza', 'Acme Ltda', 'Sou gerente de operações', 'mariana@acme.com.br']
    for (const [i, text] of turns.entries()) {
      await p.say(ref, text)
      await p.waitForReplies(ref, i + 1)
      await settle(p)
    }
    const question = p.replies(ref).at(-1)
    expect(question?.contentType).toBe('input_select')
    expect(question?.content).toMatch(/orçamento mensal/)

    // The widget writes the pick into the bot's own message; Chatwoot sends message_updated for it.
    const update = messageFixture('message_updated.input_select_submitted')
    update.id = question?.id ?? 0
    expect(await p.deliver(ref, update)).toEqual({ statusCode: 200, body: { status: 'accepted' } })
    const next = (await p.waitForReplies(ref, turns.length + 1)).at(-1)
    expect(next?.content).toMatch(/Para quando/)
    await settle(p)
    expect(p.chatwoot.conversation(ref).customAttributes).toMatchObject({ lead_budget: '1000_5000' })
    // Delivered again (Chatwoot retries, or the same submission twice): answered once.
    expect((await p.deliver(ref, update)).body.status).toBe('duplicate')
    await settle(p)
    expect(p.replies(ref)).toHaveLength(turns.length + 1)
    await expectNoError(p, ref)
  })
})
