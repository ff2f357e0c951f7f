// Wires the SDR worker from config: playbook, brains, clients, conversation state, metrics.
import type { FastifyBaseLogger } from 'fastify'
import type { Redis } from 'ioredis'
import { createChatwootClient } from './clients/chatwoot.js'
import type { OnCall, RetryPolicy } from './clients/http.js'
import { createN8nClient, type N8nWorkflow } from './clients/n8n.js'
import type { Config } from './config.js'
import { createFallbackBrain, type Brain } from './conversation/brain.js'
import { conversationTag, type ConversationRef } from './conversation/ref.js'
import { createGuardedBrain } from './conversation/guarded-brain.js'
import { createOpenAiBrain } from './conversation/openai-brain.js'
import type { Playbook } from './conversation/playbook.js'
import { createScriptedBrain } from './conversation/scripted-brain.js'
import type { ConversationState } from './conversation/types.js'
import { createConversationWorker, type ChatwootPort, type ConversationStatePort, type ConversationWorker, type WorkflowPort } from './conversation/worker.js'
import type { Clock } from './lib/clock.js'
import type { Metrics } from './lib/metrics.js'
import type { LlmHealth } from './clients/openai.js'
import { createModelPath, observeModel } from './model-path.js'
import { createRedisOutbox, type Outbox } from './stores/outbox.js'
import type { ContactStore } from './stores/contacts.js'
import type { TimerPort } from './conversation/scheduled.js'
import { createMemoryStateStore, createRedisStateStore, type StateStore } from './stores/state.js'

export interface BotDeps {
  readonly config: Config
  /** The playbook of an inbox (the default for an unknown one), as of now: it may be reloaded. */
  readonly playbook: (inboxId: number | undefined) => Playbook
  readonly metrics: Metrics
  readonly clock: Clock
  readonly log: FastifyBaseLogger
  readonly redis: Redis | undefined
  /** Opt-out marks and the contact → conversations index (stores/contacts.ts). */
  readonly contacts: ContactStore
  /** Where the bot's follow-ups and watchdogs wait (stores/timers.ts). */
  readonly timers: TimerPort
  /** Stores.eraseConversation: every store key of a conversation (by its tag). */
  readonly eraseConversation: (conversationTag: string) => Promise<number>
  /** Replaces the Chatwoot client built from config (the terminal sandbox uses its own). */
  readonly chatwoot?: ChatwootPort
  /** A lead's message waits in the conversation's lane (the queue): the rest of a long reply is dropped. */
  readonly hasNewLeadMessage?: (ref: ConversationRef) => Promise<boolean>
}

/** Without CHATWOOT_BASE_URL and a token nothing can be posted: every call says so plainly. */
function unconfiguredChatwoot (): ChatwootPort {
  const fail = async (): Promise<never> => {
    throw new Error('Chatwoot is not configured: set CHATWOOT_BASE_URL and CHATWOOT_ACCESS_TOKEN')
  }
  return {
    sendMessage: fail,
    toggleStatus: fail,
    setTyping: async () => {},
    getConversation: fail,
    mergeCustomAttributes: fail,
    addLabels: fail,
    updateContact: fail,
  }
}

function statePort (store: StateStore, ttlSeconds: number): ConversationStatePort {
  const key = (ref: ConversationRef) => `${conversationTag(ref)}:state`
  return {
    async load (ref) {
      const doc = await store.load(key(ref))
      // A document from another schema version, or missing what the worker reads, is not guessed at: the conversation starts over.
      return isStateDocument(doc) ? doc : undefined
    },
    save: (state, fence) => store.save(key(state.ref), state, ttlSeconds, fence),
  }
}

function isStateDocument (doc: unknown): doc is ConversationState {
  if (doc === null || typeof doc !== 'object') return false
  const d = doc as Partial<Record<keyof ConversationState, unknown>>
  return d.schemaVersion === 1 && typeof d.stage === 'string' && typeof d.owner === 'string' &&
    Array.isArray(d.answeredMessageIds) && Array.isArray(d.history) && Array.isArray(d.workflowsFired) &&
    d.fields !== null && typeof d.fields === 'object' && d.askedCounts !== null && typeof d.askedCounts === 'object'
}

export interface Bot extends ConversationWorker {
  /** Resolves once what the first turn needs is loaded (the OpenAI SDK, when a key is set). */
  ready (): Promise<void>
  /** The model path as its last call saw it; undefined without OPENAI_API_KEY. */
  llmHealth (): LlmHealth | undefined
}

export function createBot (deps: BotDeps): Bot {
  const { config, metrics, log } = deps
  const retry: RetryPolicy = { attempts: config.outbound.retryAttempts, baseDelayMs: 200, maxDelayMs: 5000 }
  const onCall: OnCall = (c) => {
    metrics.outboundRequests.inc({ target: c.target, operation: c.operation, outcome: c.outcome })
    metrics.outboundDuration.observe({ target: c.target, operation: c.operation }, c.durationMs / 1000)
  }

  const { baseUrl, accessToken, userAccessToken } = config.chatwoot
  const chatwoot = deps.chatwoot ?? (baseUrl !== undefined && accessToken !== undefined
    ? createChatwootClient({ baseUrl, botToken: accessToken, userToken: userAccessToken, timeoutMs: config.outbound.chatwootTimeoutMs, retry, onCall })
    : unconfiguredChatwoot())

  const n8n = createN8nClient({
    baseUrl: config.n8n.baseUrl,
    apiKey: config.n8n.apiKey,
    webhooks: config.n8n.webhooks,
    timeoutMs: config.outbound.n8nTimeoutMs,
    retry,
    onCall,
  })

  // With Redis, workflow triggers go through the durable outbox: sent by any replica, retried for
  // about ten minutes (8 tries, doubling from 2 s) beyond the client's own quick retries.
  const outbox: Outbox | undefined = deps.redis === undefined
    ? undefined
    : createRedisOutbox({
      redis: deps.redis,
      prefix: config.redis.keyPrefix,
      send: (item) => n8n.trigger(item.workflow as N8nWorkflow, item.payload, item.key),
      maxAttempts: 8,
      leaseMs: Math.max(30_000, config.outbound.n8nTimeoutMs * (config.outbound.retryAttempts + 1)),
      now: () => deps.clock.now(),
      onResult: (workflow, outcome) => metrics.workflows.inc({ workflow, outcome }),
      onError: (err) => log.warn({ err }, 'Workflow outbox: a trigger failed'),
    })
  const workflows: WorkflowPort = outbox === undefined
    ? n8n
    : { trigger: async (workflow, payload, key) => { await outbox.add({ workflow, payload, key }); return 'queued' } }

  const model = createModelPath(config, log, onCall)
  const primary: Brain | undefined = model !== undefined ? createOpenAiBrain(model.llm) : undefined
  const scripted = createScriptedBrain()
  // The lead's language, grounded fields and disqualify_when hold whichever brain answers.
  const brain = createGuardedBrain(createFallbackBrain(primary, scripted, observeModel(metrics, log, config.openai.model)), scripted)

  const store = deps.redis !== undefined
    ? createRedisStateStore(deps.redis, config.redis.keyPrefix)
    : createMemoryStateStore(deps.clock)

  const worker = createConversationWorker({
    playbook: deps.playbook,
    brain,
    chatwoot,
    workflows,
    states: statePort(store, config.bot.conversationTtlSeconds),
    now: () => deps.clock.now(),
    log,
    chatwootBaseUrl: baseUrl,
    observe: {
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
    },
    timers: deps.timers,
    contacts: deps.contacts,
    eraseConversation: async (ref) => {
      const erased = await deps.eraseConversation(conversationTag(ref))
      await store.delete(`${conversationTag(ref)}:state`)
      return erased
    },
    conversationTtlSeconds: config.bot.conversationTtlSeconds,
    replyPauses: config.bot.replyPauses,
    ...(deps.hasNewLeadMessage !== undefined ? { hasNewLeadMessage: deps.hasNewLeadMessage } : {}),
  })
  return {
    ...worker,
    async ready () {
      await model?.ready
    },
    llmHealth: () => model?.health(),
    async drain (timeoutMs) {
      await worker.drain(timeoutMs)
      await outbox?.close(timeoutMs)
    },
  }
}
