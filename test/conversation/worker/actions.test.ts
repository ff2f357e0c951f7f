import { describe, expect, it } from 'vitest'
import type { Action, ConversationState } from '../../../src/conversation/types.js'
import { fireWorkflow, handOff, runActions } from '../../../src/conversation/worker/actions.js'
import { fakeWorld, playbook, settle, state } from './fakes.js'

const QUALIFIED: ConversationState = state({
  stage: 'qualified',
  owner: 'human',
  handoffReason: 'qualified',
  fields: { name: 'Ana Lima', email: 'ana@example.test', company: 'Acme' },
  workflowsFired: ['lead_qualified', 'handoff'],
})
const QUALIFIED_ACTIONS: Action[] = [
  { type: 'reply', text: 'Perfeito, Ana! Vou chamar o time.' },
  { type: 'record_qualification' },
  { type: 'add_labels', labels: ['sdr-qualified'] },
  { type: 'update_contact' },
  { type: 'trigger_workflow', workflow: 'lead_qualified', reason: 'qualified' },
  { type: 'handoff', reason: 'qualified' },
  { type: 'trigger_workflow', workflow: 'handoff', reason: 'qualified' },
]

describe('runActions', () => {
  it('replies first, records the lead in Chatwoot, hands off, then fires each workflow once', async () => {
    const w = fakeWorld()
    const order: string[] = []
    w.chatwoot.afterSend = (m) => order.push(m.private === true ? 'note' : 'reply')
    const next = await runActions(w.ctx, { next: QUALIFIED, actions: QUALIFIED_ACTIONS }, '42', playbook, { fence: undefined })
    await settle(w.ctx)
    expect(order).toEqual(['reply', 'note'])
    expect(w.chatwoot.attributes[0]).toMatchObject({ sdr_stage: 'qualified', lead_name: 'Ana Lima' })
    expect(w.chatwoot.labels).toEqual([['sdr-qualified']])
    expect(w.chatwoot.contactUpdates).toEqual([{ contactId: 501, patch: { name: 'Ana Lima', email: 'ana@example.test' } }])
    expect(w.chatwoot.statusChanges).toEqual(['open'])
    expect(w.workflows.names()).toEqual(['lead_qualified', 'handoff'])
    expect(w.workflows.calls.map((c) => c.key)).toEqual(['{3:77}:lead_qualified:42', '{3:77}:handoff:42'])
    expect(w.workflows.calls[0]?.payload).toMatchObject({ event: 'lead_qualified', conversation_url: 'https://chat.example.test/app/accounts/3/conversations/77', contact_id: 501 })
    expect(w.workflows.calls[1]?.payload).toHaveProperty('out_of_hours')
    expect(w.workflows.calls[0]?.payload).not.toHaveProperty('out_of_hours')
    expect(w.observe.count('qualified')).toBe(1)
    expect(w.observe.count('handoff', 'qualified', true)).toBe(1)
    expect(next.handoffPending).toBe(false)
  })

  it('an undelivered reply with nothing else settling the turn hands the lead to a person instead', async () => {
    const w = fakeWorld()
    w.chatwoot.failSend = (m) => m.private !== true
    const asking = state({ stage: 'qualifying', askedField: 'company' })
    const next = await runActions(w.ctx, { next: asking, actions: [{ type: 'reply', text: 'De qual empresa?' }, { type: 'record_qualification' }] }, '42', playbook, { fence: undefined })
    await settle(w.ctx)
    expect(next).toMatchObject({ stage: 'handoff', owner: 'human', handoffReason: 'delivery_failed', handoffPending: false })
    expect(w.chatwoot.notes()[0]).toContain('(delivery_failed)')
    expect(w.workflows.names()).toEqual(['handoff'])
    expect(w.observe.count('transition', 'qualifying', 'handoff')).toBe(1)
    expect(w.observe.count('reply', 'failed')).toBe(1)
  })

  it('an undelivered reply of a handoff turn: the handoff and its workflows still run', async () => {
    const w = fakeWorld()
    w.chatwoot.failSend = (m) => m.private !== true
    const next = await runActions(w.ctx, { next: QUALIFIED, actions: QUALIFIED_ACTIONS }, '42', playbook, { fence: undefined })
    await settle(w.ctx)
    expect(next.handoffReason).toBe('qualified')
    expect(w.chatwoot.statusChanges).toEqual(['open'])
    expect(w.workflows.names()).toEqual(['lead_qualified', 'handoff'])
  })

  it('a handoff Chatwoot refused stays pending, to be tried again', async () => {
    const w = fakeWorld()
    w.chatwoot.failToggle = true
    const next = await runActions(w.ctx, { next: QUALIFIED, actions: QUALIFIED_ACTIONS.slice(1) }, '42', playbook, { fence: undefined })
    expect(next.handoffPending).toBe(true)
    expect(w.observe.count('handoff', 'qualified', false)).toBe(1)
    expect(w.log.has('Handoff failed: the conversation may stay with the bot')).toBe(true)
  })

  it('a failing side call (labels) costs nothing else', async () => {
    const w = fakeWorld()
    w.chatwoot.addLabels = async () => { throw new Error('422') }
    await runActions(w.ctx, { next: QUALIFIED, actions: QUALIFIED_ACTIONS }, '42', playbook, { fence: undefined })
    expect(w.chatwoot.publicTexts()).toHaveLength(1)
    expect(w.chatwoot.statusChanges).toEqual(['open'])
  })
})

describe('handOff', () => {
  it('a private note in the team\'s language with the reason, then Chatwoot\'s open', async () => {
    const w = fakeWorld()
    expect(await handOff(w.ctx, state({ updatedAt: 123 }), 'wants_human', playbook)).toBe(true)
    expect(w.chatwoot.posted[0]).toMatchObject({ private: true, echoId: 'sdr-note:{3:77}:123' })
    expect(w.chatwoot.notes()[0]).toContain('(wants_human)')
    expect(w.chatwoot.status).toBe('open')
  })

  it('a failed note alone does not stop the handoff', async () => {
    const w = fakeWorld()
    w.chatwoot.failSend = () => true
    expect(await handOff(w.ctx, state(), 'wants_human', playbook)).toBe(true)
    expect(w.chatwoot.status).toBe('open')
  })
})

describe('fireWorkflow', () => {
  it('in the background, counted by outcome, and a failure logged with ids only', async () => {
    const w = fakeWorld()
    fireWorkflow(w.ctx, state(), 'handoff', 'wants_human', '42', playbook)
    expect(w.ctx.background.size).toBe(1)
    await settle(w.ctx)
    expect(w.observe.count('workflow', 'handoff', 'sent')).toBe(1)
    w.workflows.fail = true
    fireWorkflow(w.ctx, state(), 'handoff', 'wants_human', '43', playbook)
    await settle(w.ctx)
    expect(w.observe.count('workflow', 'handoff', 'failed')).toBe(1)
    expect(w.log.lines.find((l) => l.msg === 'Workflow trigger failed')?.obj).toMatchObject({ accountId: 3, conversationId: 77, workflow: 'handoff' })
  })

  it('reports what the port says: not configured, or queued in the outbox', async () => {
    const w = fakeWorld()
    w.workflows.trigger = async () => 'queued'
    fireWorkflow(w.ctx, state(), 'lead_qualified', 'qualified', '1', playbook)
    w.workflows.trigger = async () => 'not_configured'
    fireWorkflow(w.ctx, state(), 'handoff', 'qualified', '1', playbook)
    await settle(w.ctx)
    expect(w.observe.seen).toEqual([['workflow', 'lead_qualified', 'queued'], ['workflow', 'handoff', 'not_configured']])
  })

  it('data_erased carries ids only', async () => {
    const w = fakeWorld()
    fireWorkflow(w.ctx, state({ fields: { name: 'Ana' } }), 'data_erased', 'admin_request', 'admin:1', playbook)
    await settle(w.ctx)
    expect(w.workflows.calls[0]?.payload).toEqual(expect.objectContaining({ event: 'data_erased', reason: 'admin_request', contact_id: 501, conversation_id: 77 }))
    expect(JSON.stringify(w.workflows.calls[0]?.payload)).not.toContain('Ana')
  })
})
