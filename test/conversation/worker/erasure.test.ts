import { describe, expect, it } from 'vitest'
import { eraseConversationData, notifyContactErased } from '../../../src/conversation/worker/erasure.js'
import { fakeWorld, REF, settle, state } from './fakes.js'

describe('erasure', () => {
  it('an admin\'s erasure: the conversation\'s keys, timers and the contact\'s marks go; n8n is told with ids only', async () => {
    const w = fakeWorld()
    await w.states.save(state({ fields: { name: 'Ana' } }))
    w.contacts.optedOut.add('3:501')
    await eraseConversationData(w.ctx, state({ fields: { name: 'Ana' } }), 'admin', 501)
    await settle(w.ctx)
    expect(w.erased).toEqual([REF])
    expect(w.states.get()).toBeUndefined()
    expect(w.timers.cleared).toEqual(['{3:77}:follow_up', '{3:77}:watchdog'])
    expect(w.contacts.forgotten).toEqual([{ accountId: 3, contactId: 501 }])
    expect(w.contacts.optedOut.size).toBe(0)
    expect(w.observe.count('erasure', 'admin')).toBe(1)
    expect(w.workflows.calls).toHaveLength(1)
    expect(w.workflows.calls[0]?.payload).toMatchObject({ event: 'data_erased', reason: 'admin_request', contact_id: 501 })
    expect(w.workflows.calls[0]?.key).toMatch(/^\{3:77\}:data_erased:admin:\d+$/)
    expect(JSON.stringify(w.workflows.calls)).not.toContain('Ana')
  })

  it('the lead\'s own request: erased, without a second data_erased (the turn fired it)', async () => {
    const w = fakeWorld()
    await eraseConversationData(w.ctx, state(), 'lead', 501)
    await settle(w.ctx)
    expect(w.erased).toEqual([REF])
    expect(w.workflows.calls).toEqual([])
    expect(w.observe.count('erasure', 'lead')).toBe(1)
  })

  it('without a contact nothing of a contact is forgotten', async () => {
    const w = fakeWorld()
    await eraseConversationData(w.ctx, state({ contactId: undefined }), 'lead', undefined)
    expect(w.contacts.forgotten).toEqual([])
  })

  it('notifyContactErased: n8n hears of a contact with no conversation left', async () => {
    const w = fakeWorld()
    notifyContactErased(w.ctx, { accountId: 3, contactId: 501 })
    await settle(w.ctx)
    expect(w.workflows.calls[0]?.payload).toMatchObject({ event: 'data_erased', conversation_id: null, contact_id: 501, account_id: 3 })
    expect(w.workflows.calls[0]?.key).toMatch(/^\{c:3:501\}:data_erased:\d+$/)
  })
})
