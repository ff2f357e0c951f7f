import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

/** The seed's PromQL uses le="0.3" for its SLA query, so 0.3 must be a bucket boundary. */
export const HTTP_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.3, 0.5, 1, 2.5, 5, 10]

/** One registry per app, so tests that build many apps never collide. Labels stay bounded. */
export function createMetrics () {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration in seconds, by route template',
      labelNames: ['method', 'path', 'status'] as const,
      buckets: HTTP_BUCKETS,
      registers: [registry],
    }),
    httpResponseSize: new Histogram({
      name: 'http_response_size_bytes',
      help: 'HTTP response body size in bytes, by route template',
      labelNames: ['method', 'path'] as const,
      buckets: [64, 256, 1024, 4096, 16_384, 65_536, 262_144, 1_048_576],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: 'sdr_webhook_events_total',
      help: 'Webhook deliveries by Chatwoot event and outcome (accepted, duplicate, ignored, invalid_signature, rate_limited, invalid_payload)',
      labelNames: ['event', 'outcome'] as const,
      registers: [registry],
    }),
    webhookIgnored: new Counter({
      name: 'sdr_webhook_ignored_total',
      help: 'Deliveries answered "ignored", by reason',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
    redisUp: new Gauge({
      name: 'sdr_redis_up',
      help: '1 when the configured Redis answers, 0 when not (absent without REDIS_URL)',
      registers: [registry],
    }),
    redisFallbacks: new Counter({
      name: 'sdr_redis_fallback_total',
      help: 'Operations served from memory because Redis failed',
      labelNames: ['operation'] as const,
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'sdr_queue_depth',
      help: 'Accepted jobs waiting for their conversation worker',
      registers: [registry],
    }),
    queueOldestAge: new Gauge({
      name: 'sdr_queue_oldest_age_seconds',
      help: 'Age of the oldest waiting job',
      registers: [registry],
    }),
    jobsProcessed: new Counter({
      name: 'sdr_jobs_processed_total',
      help: 'Conversation jobs run by the worker, by kind and outcome',
      labelNames: ['kind', 'outcome'] as const,
      registers: [registry],
    }),
  }
}

export type Metrics = ReturnType<typeof createMetrics>
