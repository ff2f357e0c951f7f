import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { until } from '../helpers/wait.js'

// Cost per conversation (issue #7, part 7) through the whole pipeline: the OpenAI stand-in answers
// with `usage` (its token counts: a quarter of the characters, rounded up), the playbook's price
// table turns them into money, and the per-conversation budget ends in a handoff.

const EMPTY_FIELDS = { name: null, company: null, role: null, need: null, email: null, phone: null, budget: null, timeline: null }
// The stand-in counts completion tokens as ceil(length of the answer's JSON / 4): a fixed answer costs the same every turn.
const ANSWER = { reply: '', fields: EMPTY_FIELDS, intent: 'gives_info', language: 'pt-BR', confidence: 0.9 }
const COMPLETION_TOKENS = Math.ceil(JSON.stringify(ANSWER).length / 4)
const HANDOFF_PT = 'Claro! Vou passar a conversa para uma pessoa do nosso time, que responde por aqui em breve.'

let p: Pipeline | undefined
let dir: string | undefined
afterEach(async () => {
  await p?.close()
  p = undefined
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

/**
 * The default playbook priced so that one turn costs exactly COMPLETION_TOKENS BRL: prompt tokens
 * free, one BRL per completion token of gpt-5-mini (OPENAI_MODEL's default), which overrides a
 * default price that would make the test fail.
 */
async function pricedPlaybook (budget: number | undefined): Promise<string> {
  dir = await mkdtemp(join(tmpdir(), 'sdr-cost-'))
  const d = parseYaml(await readFile(new URL('../../playbooks/default.yaml', import.meta.url), 'utf8')) as Record<string, any>
  d['costs'] = {
    currency: 'BRL',
    per_million_tokens: { input: 7_000_000, output: 7_000_000 },
    models: { 'gpt-5-mini': { input: 0, output: 1_000_000 } },
    ...(budget !== undefined ? { budget_per_conversation: budget } : {}),
  }
  await writeFile(join(dir, 'playbook.yaml'), stringifyYaml(d))
  return join(dir, 'playbook.yaml')
}

const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? undefined : Number(line.slice(series.length + 1))
}

let nextConversation = 7900
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

describe('cost per conversation', () => {
  it('counts tokens and estimated cost per model and currency, and logs them on the turn line', async () => {
    p = await startPipeline({ env: { PLAYBOOK_PATH: await pricedPlaybook(undefined) }, openai: () => ANSWER, captureLogs: true })
    const ref = newRef()
    await p.say(ref, 'Olá, quero automatizar o atendimento')
    await p.waitForReplies(ref, 1)
    await p.say(ref, 'Somos uma loja de roupas')
    await p.waitForReplies(ref, 2)
    await settle(p)

    const metrics = await p.metrics()
    expect(sample(metrics, 'sdr_llm_cost_total{model="gpt-5-mini",currency="BRL"}')).toBe(2 * COMPLETION_TOKENS)
    expect(sample(metrics, 'sdr_llm_tokens_total{kind="completion"}')).toBe(2 * COMPLETION_TOKENS)
    const turns = p.app.parsedLogs().filter((l) => l.msg === 'Lead turn decided')
    expect(turns).toHaveLength(2)
    for (const t of turns) {
      expect(t['cost']).toBe(COMPLETION_TOKENS)
      expect(t['currency']).toBe('BRL')
      expect(t['tokens']).toEqual({ prompt: expect.any(Number), completion: COMPLETION_TOKENS })
    }
    // Still with the bot: no cost-per-conversation observation yet.
    expect(sample(metrics, 'sdr_conversation_llm_cost_count{currency="BRL"}')).toBeUndefined()
  })

  it('a spent budget hands the conversation to a human: handoff text, note with the cost, metrics', async () => {
    // Two turns spend 2 × COMPLETION_TOKENS: past a budget of 1.5 turns, under one of 2.5.
    p = await startPipeline({ env: { PLAYBOOK_PATH: await pricedPlaybook(1.5 * COMPLETION_TOKENS) }, openai: () => ANSWER })
    const ref = newRef()
    await p.say(ref, 'Olá, quero automatizar o atendimento')
    const first = (await p.waitForReplies(ref, 1))[0]?.content ?? ''
    expect(first).not.toBe(HANDOFF_PT)
    await p.say(ref, 'Somos uma loja de roupas')
    expect((await p.waitForReplies(ref, 2))[1]?.content).toBe(HANDOFF_PT)
    const pl = p
    await until(() => pl.chatwoot.conversation(ref).status === 'open', 5000, 20)
    await settle(p)

    const note = p.notes(ref).at(-1)?.content ?? ''
    expect(note).toMatch(/^🤖 SDR bot → humano: orçamento de IA da conversa esgotado \(budget_exhausted\)/)
    expect(note).toContain(`Custo estimado de IA: ${2 * COMPLETION_TOKENS} BRL · tokens `)
    expect(p.chatwoot.conversation(ref).labels).toContain('bot-handoff')

    const metrics = await p.metrics()
    expect(sample(metrics, 'sdr_handoffs_total{reason="budget_exhausted",outcome="ok"}')).toBe(1)
    expect(sample(metrics, 'sdr_conversation_llm_cost_count{currency="BRL"}')).toBe(1)
    expect(sample(metrics, 'sdr_conversation_llm_cost_sum{currency="BRL"}')).toBe(2 * COMPLETION_TOKENS)

    await until(() => pl.n8n.received('/webhook/handoff').length > 0, 5000, 20)
    expect(p.n8n.received('/webhook/handoff')[0]?.body).toMatchObject({ event: 'handoff', reason: 'budget_exhausted' })

    // The human has it now: the lead's next message costs nothing more.
    await p.say(ref, 'Alô?')
    await settle(p)
    expect(p.openai?.completions()).toHaveLength(2)
    expect(p.replies(ref)).toHaveLength(2)
  })
})
