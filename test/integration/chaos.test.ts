import { rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { loadPlaybook } from '../../src/conversation/playbook.js'
import { handoffNote } from '../../src/conversation/handoff-note.js'
import { initialState } from '../../src/conversation/types.js'
import { analyse, noteReason, type BotMessage, type ConversationOutcome } from '../../scripts/chaos/analyse.js'
import { formatReport, runChaos, type ChaosOptions, type ChaosReport } from '../../scripts/chaos/run.js'
import { REDIS_URL, redisAvailable, warnIfRedisMissing } from '../helpers/redis.js'

// `npm run chaos` in small: 3 replicas of the real server (run from TypeScript with tsx, like
// server-process.test.ts), stand-ins failing on a seeded schedule, duplicate deliveries spread over
// replicas. The attribution itself is checked first, on hand-made outcomes.

const ROOT = fileURLToPath(new URL('../../', import.meta.url))

const small = (over: Partial<ChaosOptions> = {}): ChaosOptions => ({
  seed: 20_261_130,
  conversations: 20,
  messages: 3,
  dupRate: 0.2,
  humanRate: 0.1,
  replicas: 3,
  concurrency: 4,
  gapMs: 250,
  gapJitterMs: 100,
  kill: true,
  killAt: 0.4,
  restartAfterMs: 1500,
  killStallMs: 1200,
  sticky: false,
  faults: true,
  // Every fault, including those that leave the service unsure whether a reply POST was stored
  // (stored then 500; stored, answered after its timeout).
  ambiguousWrites: true,
  blindModel: false,
  deliveryAttempts: 3,
  retryWaitMs: 300,
  deliveryTimeoutMs: 5000,
  quietMs: 1500,
  settleMaxMs: 20_000,
  debounceMs: 100,
  clientTimeoutMs: 1000,
  redisUrl: REDIS_URL,
  command: { args: ['--import', 'tsx', 'src/server.ts'], cwd: ROOT },
  extraEnv: {},
  log: () => {},
  ...over,
})

const expectClean = (report: ChaosReport): void => {
  const printed = formatReport(report)
  expect(report.analysis.acknowledged, printed).toBeGreaterThan(0)
  expect(report.analysis.repliesSent, printed).toBeGreaterThan(0)
  expect({ lost: report.analysis.lost, duplicates: report.analysis.duplicates, outOfOrder: report.analysis.outOfOrder }, printed)
    .toEqual({ lost: 0, duplicates: 0, outOfOrder: 0 })
  // The replicas' logs are kept (path in the printed report) only when the run failed.
  rmSync(report.logDir, { recursive: true, force: true })
}

describe('chaos attribution', () => {
  let nextId = 1
  const reply = (conversationId: number, key: number, at = 1000): BotMessage => ({ id: nextId++, private: false, content: 'oi', echoId: `sdr:{1:${conversationId}}:${key}`, at })
  const conv = (leads: Array<[number, number | undefined]>, botMessages: BotMessage[], status = 'pending'): ConversationOutcome => ({
    accountId: 1,
    conversationId: 7,
    leads: leads.map(([messageId, ackSentAt]) => ({ messageId, ackSentAt })),
    botMessages,
    status,
    openedByChatwoot: false,
  })

  it('a reply covers every earlier uncovered message; one per message is clean', () => {
    const a = analyse([conv([[1, 0], [2, 100], [3, 200]], [reply(7, 1, 300), reply(7, 3, 900)])])
    expect(a).toMatchObject({ acknowledged: 3, repliesSent: 2, lost: 0, duplicates: 0, outOfOrder: 0 })
    expect(a.latency).toMatchObject({ count: 3, p50: 700, max: 800 })
  })

  it('a repeated key is a duplicate; a key below an answered one is a duplicate and out of order', () => {
    const a = analyse([conv([[1, 0], [2, 0], [3, 0]], [reply(7, 2), reply(7, 2), reply(7, 1), reply(7, 3)])])
    expect(a).toMatchObject({ duplicates: 2, duplicatesSameKey: 1, duplicatesBelowAnswered: 1, outOfOrder: 1, lost: 0 })
    expect(a.flagged).toEqual([7])
  })

  it('an acknowledged message without a reply is lost, unless the conversation was handed to a human', async () => {
    const playbook = await loadPlaybook()
    const state = { ...initialState({ accountId: 1, conversationId: 7 }, 'pt-BR', 0), stage: 'handoff' as const, owner: 'human' as const }
    const note: BotMessage = { id: nextId++, private: true, content: handoffNote(state, 'delivery_failed', playbook), echoId: 'sdr-note:x', at: 0 }
    expect(noteReason(note.content)).toBe('delivery_failed')

    const lost = analyse([conv([[1, 0], [2, 0], [3, undefined]], [reply(7, 1)])])
    expect(lost).toMatchObject({ acknowledged: 2, lost: 1, lostSample: [{ conversationId: 7, messageId: 2 }], flagged: [7] })

    const handedOff = analyse([conv([[1, 0], [2, 0]], [reply(7, 1), note], 'open')])
    expect(handedOff).toMatchObject({ lost: 0, handedOffUnanswered: 1, handoffsByReason: { delivery_failed: 1 }, handoffsWithoutNote: 0 })

    // A note whose toggle_status never landed is not a handoff: the lead is still waiting.
    const notOpened = analyse([conv([[1, 0], [2, 0]], [reply(7, 1), note])])
    expect(notOpened).toMatchObject({ lost: 1, handoffNotesNotOpened: 1 })

    const byChatwoot = analyse([{ ...conv([[1, 0]], [], 'open'), openedByChatwoot: true }])
    expect(byChatwoot).toMatchObject({ lost: 0, openedByChatwoot: 1, handoffsByReason: {} })
  })

  it('counts n8n handoffs once per idempotency key', () => {
    const a = analyse([], [
      { conversationId: 1, reason: 'wants_human', idempotencyKey: 'k1' },
      { conversationId: 1, reason: 'wants_human', idempotencyKey: 'k1' },
      { conversationId: 2, reason: 'qualified', idempotencyKey: 'k2' },
    ])
    expect(a.n8nHandoffsByReason).toEqual({ wants_human: 1, qualified: 1 })
  })
})

warnIfRedisMissing('chaos run (3 replicas sharing Redis)')

describe.skipIf(!redisAvailable)('chaos run (3 replicas sharing Redis)', () => {
  it('without a kill, each conversation on one replica: nothing lost, duplicated or out of order', async () => {
    const report = await runChaos(small({ kill: false, sticky: true }))
    expectClean(report)
    expect(report.kill).toBeUndefined()
    expect(report.fronts.find((f) => f.name === 'chatwoot')?.requests).toBeGreaterThan(0)
  }, 60_000)

  // The durable queue's lease is shortened so the killed replica's conversations are taken over
  // well within the test's bound (the default, 30 s, is for production). On the in-process queue
  // (before issue 4) this run loses acknowledged messages and answers some twice or out of order.
  it('with a replica killed mid-run and restarted, deliveries spread: nothing lost, duplicated or out of order', async () => {
    const report = await runChaos(small({ extraEnv: { QUEUE_LEASE_MS: '3000' } }))
    expect(report.kill?.restartedAtMs).toBeDefined()
    expectClean(report)
  }, 60_000)
})
