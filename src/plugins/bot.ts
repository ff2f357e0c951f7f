import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { createFallbackBrain, type Brain } from '../conversation/brain.js'
import { createGuardedBrain } from '../conversation/guarded-brain.js'
import type { ConversationJob } from '../conversation/inbound.js'
import { createOpenAiBrain } from '../conversation/openai-brain.js'
import { conversationTag, type ConversationRef } from '../conversation/ref.js'
import { createScriptedBrain } from '../conversation/scripted-brain.js'
import type { ConversationState } from '../conversation/types.js'
import {
  createConversationWorker,
  FencedOutError,
  type ConversationStatePort,
  type ConversationWorker,
  type TimerPort,
  type WorkerObserver,
} from '../conversation/worker.js'
import type { Metrics } from '../lib/metrics.js'
import { observeModel } from '../model-path.js'
import type { BatchHandler, WorkQueue } from '../stores/queue.js'
import type { StateStore } from '../stores/state.js'
import type { Timers } from '../stores/timers.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The conversations' lanes: the webhook enqueues, the bot runs them. */
    queue: WorkQueue<ConversationJob>
    /** Follow-ups and watchdogs waiting for their time. */
    timers: Timers<ConversationJob>
    /** The SDR worker. */
    bot: ConversationWorker
  }
}

export interface BotPluginOptions {
  /** Runs the lanes' batches instead of the SDR worker (route tests record jobs with it). */
  readonly handler?: BatchHandler<ConversationJob> | undefined
  /** Replaces the backend's queue. */
  readonly queue?: WorkQueue<ConversationJob> | undefined
}

/** The SDR bot: its brain, its worker, and the lanes and timers that feed it. */
export default fp<BotPluginOptions>(async (app, opts) => {
  const { queue, timers, bot } = conversations(app, opts)
  app.decorate('queue', queue)
  app.decorate('timers', timers)
  app.decorate('bot', bot)
  app.addHook('onClose', async () => {
    app.lifecycle.shuttingDown = true
    const drained = await queue.drain(app.config.http.shutdownTimeoutMs)
    if (!drained) app.log.error({ queue: queue.stats() }, 'Shutdown timed out with conversation work still queued')
    await bot.drain(Math.max(1000, app.config.http.shutdownTimeoutMs / 2))
    timers.close()
  })
}, {
  name: 'bot',
  dependencies: ['stores', 'clients', 'playbooks', 'metrics'],
  decorators: { fastify: ['config', 'clock', 'lifecycle', 'backend', 'stores', 'clients', 'playbooks', 'metrics'] },
})

/**
 * The queue runs the worker, and the worker looks into the queue (has the lead written again?) and
 * sets its timers, which feed the queue: a loop, tied here and nowhere else. The queue's handler
 * names `bot`, built two lines further down; a queue calls its handler only from its own loop,
 * which starts on a timer, so never before this function has returned.
 */
function conversations (app: FastifyInstance, opts: BotPluginOptions) {
  const onError = (lane: string, err: unknown): void => laneFailed(app, lane, err)
  const queue = opts.queue ?? app.backend.queue<ConversationJob>({
    handler: opts.handler ?? ((lane, jobs, ctx) => runBatch(bot, app.metrics, lane, jobs, ctx.fence)),
    onError,
    // A test's handler stands in for the worker: nobody to hand a failed batch to.
    onExhausted: async (lane, jobs) => { if (opts.handler === undefined) await bot.giveUp(lane, jobs) },
  })
  const timers = app.backend.timers(queue, onError)
  const bot = createSdrWorker(app, timers, (ref) => queue.hasWaiting(conversationTag(ref), (job) => job.kind === 'message'))
  return { queue, timers, bot }
}

async function runBatch (bot: ConversationWorker, metrics: Metrics, lane: string, jobs: readonly ConversationJob[], fence: number | undefined): Promise<void> {
  await bot.handle(lane, jobs, fence)
  for (const job of jobs) metrics.jobsProcessed.inc({ kind: job.kind, outcome: 'done' })
}

function laneFailed (app: FastifyInstance, lane: string, err: unknown): void {
  if (err instanceof FencedOutError) {
    app.metrics.queueEvents.inc({ event: 'fenced_out' })
    app.log.warn({ lane }, 'Conversation taken over by another replica; this run stopped')
    return
  }
  app.metrics.jobsProcessed.inc({ kind: 'batch', outcome: 'failed' })
  app.log.error({ err, lane }, 'Conversation job failed')
}

function createSdrWorker (app: FastifyInstance, timers: TimerPort, hasNewLeadMessage: (ref: ConversationRef) => Promise<boolean>): ConversationWorker {
  const { config, clients, backend } = app
  return createConversationWorker({
    playbook: (inboxId) => app.playbooks.forInbox(inboxId),
    brain: createBrain(app),
    chatwoot: clients.chatwoot,
    workflows: clients.workflows,
    states: statePort(backend.states, config.bot.conversationTtlSeconds),
    now: () => app.clock.now(),
    log: app.log,
    chatwootBaseUrl: config.chatwoot.baseUrl,
    observe: workerObserver(app.metrics),
    timers,
    contacts: backend.contacts,
    eraseConversation: async (ref) => {
      const erased = await backend.stores.eraseConversation(conversationTag(ref))
      await backend.states.delete(stateKey(ref))
      return erased
    },
    conversationTtlSeconds: config.bot.conversationTtlSeconds,
    replyPauses: config.bot.replyPauses,
    hasNewLeadMessage,
  })
}

/** The model when a key is set, the scripted brain otherwise and whenever the model fails. */
function createBrain (app: FastifyInstance): Brain {
  const model = app.clients.model
  const primary: Brain | undefined = model !== undefined ? createOpenAiBrain(model.llm) : undefined
  const scripted = createScriptedBrain()
  // The lead's language, grounded fields and disqualify_when hold whichever brain answers.
  return createGuardedBrain(createFallbackBrain(primary, scripted, observeModel(app.metrics, app.log, app.config.openai.model)), scripted)
}

/** A conversation's state document sits under its hash tag, beside its fence. */
const stateKey = (ref: ConversationRef): string => `${conversationTag(ref)}:state`

function statePort (store: StateStore, ttlSeconds: number): ConversationStatePort {
  return {
    async load (ref) {
      const doc = await store.load(stateKey(ref))
      // A document from another schema version, or missing what the worker reads, is not guessed at: the conversation starts over.
      return isStateDocument(doc) ? doc : undefined
    },
    save: (state, fence) => store.save(stateKey(state.ref), state, ttlSeconds, fence),
  }
}

function isStateDocument (doc: unknown): doc is ConversationState {
  if (doc === null || typeof doc !== 'object') return false
  const d = doc as Partial<Record<keyof ConversationState, unknown>>
  return d.schemaVersion === 1 && typeof d.stage === 'string' && typeof d.owner === 'string' &&
    Array.isArray(d.answeredMessageIds) && Array.isArray(d.history) && Array.isArray(d.workflowsFired) &&
    d.fields !== null && typeof d.fields === 'object' && d.askedCounts !== null && typeof d.askedCounts === 'object'
}

function workerObserver (metrics: Metrics): WorkerObserver {
  return {
    transition: (from, to) => metrics.transitions.inc({ from, to }),
    qualified: () => metrics.leadsQualified.inc(),
    handoff: (reason, ok) => metrics.handoffs.inc({ reason, outcome: ok ? 'ok' : 'failed' }),
    reply: (outcome) => metrics.replies.inc({ outcome }),
    workflow: (workflow, outcome) => metrics.workflows.inc({ workflow, outcome }),
    turn: (ms) => metrics.turnDuration.observe(ms / 1000),
    llmCost: (model, currency, amount) => metrics.llmCost.inc({ model, currency }, amount),
    conversationCost: (currency, amount) => metrics.conversationCost.observe({ currency }, amount),
    followUp: (outcome) => metrics.followUps.inc({ outcome }),
    watchdog: (outcome) => metrics.handoffWatchdog.inc({ outcome }),
    erasure: (requestedBy) => metrics.erasures.inc({ requested_by: requestedBy }),
  }
}
