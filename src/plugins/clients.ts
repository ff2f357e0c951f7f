import fp from 'fastify-plugin'
import { createChatwootClient } from '../clients/chatwoot.js'
import type { OnCall, RetryPolicy } from '../clients/http.js'
import { createN8nClient, type N8nWorkflow } from '../clients/n8n.js'
import type { Config } from '../config.js'
import type { ChatwootPort, WorkflowPort } from '../conversation/worker.js'
import type { Metrics } from '../lib/metrics.js'
import { createModelPath, type ModelPath } from '../model-path.js'

/** What the bot talks to outside: Chatwoot, n8n (through the durable outbox with Redis) and the model. */
export interface Clients {
  readonly chatwoot: ChatwootPort
  readonly workflows: WorkflowPort
  /** The OpenAI model path; undefined without OPENAI_API_KEY. */
  readonly model: ModelPath | undefined
}

declare module 'fastify' {
  interface FastifyInstance {
    clients: Clients
  }
}

export interface ClientsPluginOptions {
  /** Replaces the Chatwoot client built from config (the terminal sandbox uses its own). */
  readonly chatwoot?: ChatwootPort | undefined
}

export default fp<ClientsPluginOptions>(async (app, opts) => {
  const { config, metrics } = app
  const onCall = countCalls(metrics)
  const retry: RetryPolicy = { attempts: config.outbound.retryAttempts, baseDelayMs: 200, maxDelayMs: 5000 }
  const n8n = createN8nClient({
    baseUrl: config.n8n.baseUrl,
    apiKey: config.n8n.apiKey,
    webhooks: config.n8n.webhooks,
    timeoutMs: config.outbound.n8nTimeoutMs,
    retry,
    onCall,
  })
  const outbox = app.backend.outbox((item) => n8n.trigger(item.workflow as N8nWorkflow, item.payload, item.key))
  const workflows: WorkflowPort = outbox === undefined
    ? n8n
    : { trigger: async (workflow, payload, key) => { await outbox.add({ workflow, payload, key }); return 'queued' } }
  if (outbox !== undefined) {
    // Registered before the bot's hook, so it runs after the bot drained (onClose runs in reverse).
    app.addHook('onClose', async () => outbox.close(Math.max(1000, config.http.shutdownTimeoutMs / 2)))
  }
  const model = createModelPath(config, app.log, onCall, { metrics: app.metrics, playbook: () => app.playbook })
  // What the first turn needs is loaded before the app is ready (the OpenAI SDK, when a key is set).
  await model?.ready
  app.decorate('clients', { chatwoot: opts.chatwoot ?? chatwootFromConfig(config, retry, onCall), workflows, model })
}, { name: 'clients', dependencies: ['stores', 'metrics', 'playbooks'], decorators: { fastify: ['config', 'backend', 'metrics', 'playbook'] } })

/** Every outbound call is counted and timed by target and operation. */
function countCalls (metrics: Metrics): OnCall {
  return (c) => {
    metrics.outboundRequests.inc({ target: c.target, operation: c.operation, outcome: c.outcome })
    metrics.outboundDuration.observe({ target: c.target, operation: c.operation }, c.durationMs / 1000)
  }
}

function chatwootFromConfig (config: Config, retry: RetryPolicy, onCall: OnCall): ChatwootPort {
  const { baseUrl, accessToken, userAccessToken } = config.chatwoot
  if (baseUrl === undefined || accessToken === undefined) return unconfiguredChatwoot()
  return createChatwootClient({ baseUrl, botToken: accessToken, userToken: userAccessToken, timeoutMs: config.outbound.chatwootTimeoutMs, retry, onCall })
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
