import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import type { ConversationState } from '../../src/conversation/types.js'
import type { FakeRef } from '../helpers/fake-chatwoot.js'
import { startTestApp } from '../helpers/app.js'
import { settle, startPipeline, type Pipeline } from '../helpers/pipeline.js'
import { REDIS_URL, redisAvailable, redisSuite } from '../helpers/redis.js'
import { until } from '../helpers/wait.js'

// Per-inbox playbooks and hot reload through the whole pipeline (issue #7, part 1): the real app
// reads PLAYBOOK_PATH (a folder here), watches it, and every reply says which playbook wrote it.

const ROOT = new URL('../../playbooks/', import.meta.url)
const DEFAULT_TEXT = await readFile(new URL('default.yaml', ROOT), 'utf8')
type Data = Record<string, any>

/** The default playbook with another persona name, written the way an editor saves (temp + rename). */
async function saveDefault (dir: string, change: (d: Data) => void): Promise<void> {
  const d = parseYaml(DEFAULT_TEXT) as Data
  change(d)
  const temp = join(dir, '.default.yaml.tmp')
  await writeFile(temp, stringifyYaml(d))
  await rename(temp, join(dir, 'default.yaml'))
}

const FLEET_INBOX = 7
const WHATSAPP_INBOX = 12

let dir: string
let p: Pipeline | undefined
let nextConversation = 7700
const newRef = (): FakeRef => ({ accountId: 3, conversationId: nextConversation++ })

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sdr-playbooks-'))
  await writeFile(join(dir, 'default.yaml'), DEFAULT_TEXT)
  // The English example, claimed by one inbox.
  const en = (await readFile(new URL('example-en.yaml', ROOT), 'utf8')).replace('# inboxes: [7]', `inboxes: [${FLEET_INBOX}]`)
  await writeFile(join(dir, 'fleet.yaml'), en)
})
afterEach(async () => {
  await p?.close()
  p = undefined
  await rm(dir, { recursive: true, force: true })
})

async function firstReply (pl: Pipeline, text: string, inboxId: number): Promise<string> {
  const ref = newRef()
  expect((await pl.say(ref, text, { inboxId })).body).toEqual({ status: 'accepted' })
  const [reply] = await pl.waitForReplies(ref, 1)
  return reply?.content ?? ''
}

const sample = (metrics: string, re: RegExp): number => Number(re.exec(metrics)?.[1] ?? 0)

describe('per-inbox playbooks', () => {
  it('inbox 7 gets the English fleet persona, any other inbox the default pt-BR one', async () => {
    p = await startPipeline({ env: { PLAYBOOK_PATH: dir }, captureLogs: true })
    expect(await firstReply(p, 'Hi, I need to track my trucks', FLEET_INBOX)).toMatch(/^Hi! I'm Sam, from Trackwise\./)
    expect(await firstReply(p, 'Olá, quero automatizar meu atendimento', WHATSAPP_INBOX)).toMatch(/^Olá! Eu sou a Ana, da MrDom\./)
    await settle(p)
    // Each turn's log line names the playbook version that answered it, and the inbox.
    const fleet = p.app.app.playbooks.forInbox(FLEET_INBOX).version
    const base = p.app.app.playbooks.forInbox(WHATSAPP_INBOX).version
    expect(fleet).not.toBe(base)
    const turns = p.app.parsedLogs().filter((l) => l.msg === 'Lead turn decided')
    expect(turns.map((l) => [l['inboxId'], l['playbookVersion']])).toEqual([[FLEET_INBOX, fleet], [WHATSAPP_INBOX, base]])
  })
})

describe('hot reload', () => {
  it('an edit changes the next reply, without a restart, and a conversation in progress goes on', async () => {
    p = await startPipeline({ env: { PLAYBOOK_PATH: dir } })
    const ongoing = newRef()
    await p.say(ongoing, 'Olá, quero automatizar o atendimento da minha loja', { inboxId: WHATSAPP_INBOX })
    expect((await p.waitForReplies(ongoing, 1))[0]?.content).toMatch(/Ana/)
    const before = p.app.app.playbooks.forInbox(WHATSAPP_INBOX).version

    await saveDefault(dir, (d) => {
      d['persona'].name = 'Bia'
      d['texts'].acknowledge['pt-BR'] = 'Valeu, {name}!'
    })
    const app = p.app.app
    await until(() => app.playbooks.forInbox(WHATSAPP_INBOX).version !== before, 5000, 20)

    expect(await firstReply(p, 'Olá, quero automatizar meu atendimento', WHATSAPP_INBOX)).toMatch(/^Olá! Eu sou a Bia, da MrDom\./)
    // The conversation begun under the old script keeps its place: the name it asked is taken, the next question follows.
    await p.say(ongoing, 'Maria Souza', { inboxId: WHATSAPP_INBOX })
    const second = (await p.waitForReplies(ongoing, 2))[1]?.content ?? ''
    expect(second).toMatch(/^Valeu, Maria!/)
    expect(second).toMatch(/de qual empresa/)
    // The other inbox's playbook was not touched.
    expect(await firstReply(p, 'Hello', FLEET_INBOX)).toMatch(/Sam/)
    await settle(p)
    expect(sample(await p.metrics(), /^sdr_playbook_reloads_total\{outcome="ok"\} (\S+)$/m)).toBeGreaterThanOrEqual(1)
  })

  it('a broken edit is refused with an error log line listing the problems, and the old playbook keeps answering', async () => {
    p = await startPipeline({ env: { PLAYBOOK_PATH: dir }, captureLogs: true })
    const good = p.app.app.playbooks.forInbox(WHATSAPP_INBOX).version
    // A typo the sales team could make: a limit out of range, and a text with no pt-BR.
    await saveDefault(dir, (d) => {
      d['persona'].name = 'Bia'
      d['limits'].max_bot_turns = 0
      d['texts'].greeting = { en: 'Hi!' }
    })
    const app = p.app
    await until(() => app.parsedLogs().some((l) => l.msg === 'Playbook edit refused: the last good version stays in force'), 5000, 20)
    const refused = p.app.parsedLogs().find((l) => l.msg === 'Playbook edit refused: the last good version stays in force')
    expect(refused?.level).toBe(50)
    expect(refused?.['file']).toBe('default.yaml')
    expect(refused?.['kept']).toBe(good)
    expect(refused?.['problems']).toEqual([
      expect.stringMatching(/^limits\.max_bot_turns: /),
      'texts.greeting: missing the playbook language "pt-BR"',
    ])

    expect(p.app.app.playbooks.forInbox(WHATSAPP_INBOX).version).toBe(good)
    expect(await firstReply(p, 'Olá, quero automatizar meu atendimento', WHATSAPP_INBOX)).toMatch(/^Olá! Eu sou a Ana, da MrDom\./)
    await settle(p)
    expect(sample(await p.metrics(), /^sdr_playbook_reloads_total\{outcome="refused"\} (\S+)$/m)).toBe(1)

    // Fixed: the next save is taken.
    await saveDefault(dir, (d) => { d['persona'].name = 'Bia' })
    await until(() => app.app.playbooks.forInbox(WHATSAPP_INBOX).persona.name === 'Bia', 5000, 20)
    expect(await firstReply(p, 'Olá de novo', WHATSAPP_INBOX)).toMatch(/Bia/)
  })

  it('a start with a broken playbook fails, naming the file and the problem', async () => {
    await writeFile(join(dir, 'fleet.yaml'), (await readFile(join(dir, 'fleet.yaml'), 'utf8')).replace('language: en', 'language: e'))
    await expect(startTestApp({ PLAYBOOK_PATH: dir })).rejects.toThrow(/fleet\.yaml: language: /)
  })
})

describe.skipIf(!redisAvailable)('the playbook version in the conversation state (real Redis)', () => {
  const suite = redisSuite()
  const { prefix } = suite

  it('every bot reply records the version of the playbook that wrote it, before and after a reload', async () => {
    p = await startPipeline({ env: { PLAYBOOK_PATH: dir, REDIS_URL, REDIS_KEY_PREFIX: prefix } })
    const ref = newRef()
    const load = async (): Promise<ConversationState> => JSON.parse(await suite.redis.get(`${prefix}{${ref.accountId}:${ref.conversationId}}:state`) ?? 'null') as ConversationState
    const v1 = p.app.app.playbooks.forInbox(WHATSAPP_INBOX).version
    await p.say(ref, 'Olá, quero automatizar o atendimento', { inboxId: WHATSAPP_INBOX })
    await p.waitForReplies(ref, 1)
    await settle(p)
    expect((await load()).playbookVersion).toBe(v1)

    await saveDefault(dir, (d) => { d['persona'].name = 'Bia' })
    const app = p.app.app
    await until(() => app.playbooks.forInbox(WHATSAPP_INBOX).version !== v1, 5000, 20)
    const v2 = app.playbooks.forInbox(WHATSAPP_INBOX).version
    await p.say(ref, 'Maria Souza', { inboxId: WHATSAPP_INBOX })
    await p.waitForReplies(ref, 2)
    await settle(p)
    const state = await load()
    expect(state.playbookVersion).toBe(v2)
    expect(state.history.map((h) => [h.role, h.playbookVersion])).toEqual([['lead', undefined], ['bot', v1], ['lead', undefined], ['bot', v2]])
  })
})
