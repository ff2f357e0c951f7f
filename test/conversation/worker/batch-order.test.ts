import { describe, expect, it } from 'vitest'
import type { ConversationJob, MessageJob } from '../../../src/conversation/inbound.js'
import type { ConversationState } from '../../../src/conversation/types.js'
import { sortBatch, type BatchNote } from '../../../src/conversation/worker/batch-order.js'
import { playbook, REF, state, T0 } from './fakes.js'

const msg = (messageId: number, conversationUpdatedAt?: number): MessageJob => ({
  kind: 'message',
  ref: REF,
  messageId,
  inboxId: 9,
  text: `m${messageId}`,
  attachments: [],
  channel: undefined,
  canReply: true,
  contact: { id: 501, name: undefined, email: undefined, phone: undefined },
  receivedAt: T0 + messageId,
  conversationUpdatedAt,
})
const status = (s: 'open' | 'pending' | 'resolved' | 'snoozed', changedAt?: number): ConversationJob =>
  ({ kind: 'status', ref: REF, status: s, receivedAt: T0 + 1, changedAt })
const agentReply: ConversationJob = { kind: 'agent_reply', ref: REF, messageId: 900, receivedAt: T0 + 2 }
const timer = (t: 'follow_up' | 'watchdog'): ConversationJob => ({ kind: 'timer', ref: REF, timer: t, dueAt: T0, step: 0, receivedAt: T0 })
const erase = (contactId: number): ConversationJob => ({ kind: 'erase', ref: REF, contactId, receivedAt: T0 })

const human = (overrides: Partial<ConversationState> = {}): ConversationState =>
  state({ stage: 'handoff', owner: 'human', handoffReason: 'wants_human', statusAt: 100, ...overrides })

interface Row {
  readonly name: string
  readonly from: ConversationState
  readonly jobs: readonly ConversationJob[]
  readonly fresh: readonly number[]
  readonly owner: 'bot' | 'human'
  readonly stage: ConversationState['stage']
  readonly notes: readonly BatchNote['type'][]
  readonly due?: number
  readonly erase?: number
  readonly statusAt?: number | undefined
}

const ROWS: readonly Row[] = [
  { name: 'an empty batch changes nothing', from: state(), jobs: [], fresh: [], owner: 'bot', stage: 'new', notes: [] },
  { name: 'the lead\'s messages keep their order', from: state(), jobs: [msg(3), msg(1), msg(2)], fresh: [3, 1, 2], owner: 'bot', stage: 'new', notes: [] },
  { name: 'a redelivered message is not answered twice', from: state({ answeredMessageIds: [1] }), jobs: [msg(1), msg(2)], fresh: [2], owner: 'bot', stage: 'new', notes: [] },
  { name: '"open" gives the conversation to a human', from: state({ stage: 'qualifying' }), jobs: [status('open', 50)], fresh: [], owner: 'human', stage: 'qualifying', notes: [], statusAt: 50 },
  {
    name: 'a handback ("pending") returns it to the bot, handoff becoming qualifying',
    from: human(),
    jobs: [status('pending', 200)],
    fresh: [],
    owner: 'bot',
    stage: 'qualifying',
    notes: ['transition'],
    statusAt: 200,
  },
  { name: 'a status older than the newest applied is ignored', from: human(), jobs: [status('pending', 99)], fresh: [], owner: 'human', stage: 'handoff', notes: ['late_status'], statusAt: 100 },
  {
    name: 'statuses apply in order: open then pending ends with the bot',
    from: state({ stage: 'qualifying' }),
    jobs: [status('open', 10), status('pending', 20)],
    fresh: [],
    owner: 'bot',
    stage: 'qualifying',
    notes: [],
    statusAt: 20,
  },
  {
    name: 'a lead message sent after the handback shows it when its status event is lost',
    from: human(),
    jobs: [msg(5, 150)],
    fresh: [5],
    owner: 'bot',
    stage: 'qualifying',
    notes: ['handed_back', 'transition'],
    statusAt: 150,
  },
  { name: 'a lead message from before our status is not a handback', from: human(), jobs: [msg(5, 90)], fresh: [5], owner: 'human', stage: 'handoff', notes: [], statusAt: 100 },
  { name: 'a handoff Chatwoot never opened is not handed back by a message', from: human({ handoffPending: true }), jobs: [msg(5, 150)], fresh: [5], owner: 'human', stage: 'handoff', notes: [] },
  { name: 'an agent\'s reply answers the watchdog', from: human({ watchdog: { since: T0, dueAt: T0 + 1 } }), jobs: [agentReply], fresh: [], owner: 'human', stage: 'handoff', notes: ['watchdog_answered'] },
  { name: 'an agent\'s reply without a watchdog notes nothing', from: human(), jobs: [agentReply], fresh: [], owner: 'human', stage: 'handoff', notes: [] },
  { name: 'timers are due in their order', from: state(), jobs: [timer('follow_up'), msg(7), timer('watchdog')], fresh: [7], owner: 'bot', stage: 'new', notes: [], due: 2 },
  { name: 'the last erasure is the one kept', from: state(), jobs: [erase(1), msg(8), erase(2)], fresh: [8], owner: 'bot', stage: 'new', notes: [], erase: 2 },
]

describe('sortBatch', () => {
  it.each(ROWS)('$name', (row) => {
    const sorted = sortBatch(row.from, row.jobs, playbook)
    expect(sorted.fresh.map((j) => j.messageId)).toEqual(row.fresh)
    expect(sorted.state.owner).toBe(row.owner)
    expect(sorted.state.stage).toBe(row.stage)
    expect(sorted.notes.map((n) => n.type)).toEqual(row.notes)
    expect(sorted.due).toHaveLength(row.due ?? 0)
    expect(sorted.erase?.contactId).toBe(row.erase)
    if ('statusAt' in row) expect(sorted.state.statusAt).toBe(row.statusAt)
  })

  it('names the transition it noted', () => {
    const sorted = sortBatch(human(), [status('pending', 200)], playbook)
    expect(sorted.notes).toEqual([{ type: 'transition', from: 'handoff', to: 'qualifying' }])
  })

  it('a resolved conversation waits for nobody: follow-up and watchdog dropped', () => {
    const from = human({ followUp: { step: 1, dueAt: T0 + 10 } as ConversationState['followUp'], watchdog: { since: T0, dueAt: T0 + 5 } })
    const sorted = sortBatch(from, [status('resolved', 300)], playbook)
    expect(sorted.state.followUp).toBeUndefined()
    expect(sorted.state.watchdog).toBeUndefined()
  })

  it('leaves its input alone (pure)', () => {
    const from = human()
    const copy = structuredClone(from)
    const jobs = [status('pending', 200), msg(9, 250)]
    sortBatch(from, jobs, playbook)
    expect(from).toEqual(copy)
    expect(sortBatch(from, jobs, playbook)).toEqual(sortBatch(from, jobs, playbook))
  })
})
