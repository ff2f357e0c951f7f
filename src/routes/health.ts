import type { FastifyPluginAsync } from 'fastify'
import type { Stores } from '../stores/types.js'
import type { QueueStats } from '../stores/queue.js'
import type { LlmHealth } from '../clients/openai.js'

export interface HealthRouteOptions {
  readonly stores: Stores
  readonly isShuttingDown: () => boolean
  readonly queueStats: () => QueueStats
  /** The model path as its last call saw it; undefined without a key. */
  readonly llmHealth?: () => LlmHealth | undefined
}

const healthRoutes: FastifyPluginAsync<HealthRouteOptions> = async (app, opts) => {
  // Liveness ignores Redis on purpose: a Redis outage must not get healthy replicas restarted.
  app.get('/api/v1/health', async () => ({ status: 'ok' }))

  app.get('/api/v1/readiness', async (_request, reply) => {
    const queue = opts.queueStats()
    if (opts.isShuttingDown()) {
      return reply.code(503).send({ status: 'not_ready', reason: 'shutting down', components: { queue } })
    }
    const store = opts.stores.health
    try {
      await store.check()
    } catch (err) {
      const detail = err instanceof Error ? err.message : 'unknown error'
      return reply.code(503).send({
        status: 'not_ready',
        reason: `${store.kind} unreachable: ${detail}`,
        components: { store: { kind: store.kind, status: 'down' }, queue },
      })
    }
    // A failing model does not make the replica unready: the scripted brain still answers every lead.
    const llm = opts.llmHealth?.()
    return { status: 'ready', components: { store: { kind: store.kind, status: 'up' }, queue, ...(llm !== undefined ? { llm } : {}) } }
  })
}

export default healthRoutes
