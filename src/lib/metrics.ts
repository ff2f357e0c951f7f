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
    transitions: new Counter({
      name: 'sdr_state_transitions_total',
      help: 'Conversation stage changes',
      labelNames: ['from', 'to'] as const,
      registers: [registry],
    }),
    leadsQualified: new Counter({
      name: 'sdr_leads_qualified_total',
      help: 'Leads that met the playbook qualification rule',
      registers: [registry],
    }),
    handoffs: new Counter({
      name: 'sdr_handoffs_total',
      help: 'Conversations handed to a human, by reason and whether Chatwoot took the handoff',
      labelNames: ['reason', 'outcome'] as const,
      registers: [registry],
    }),
    replies: new Counter({
      name: 'sdr_replies_total',
      help: 'Bot replies: sent, failed after retries, suppressed because a human took the conversation, cut_short when the lead wrote or a human took over between its messages',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    workflows: new Counter({
      name: 'sdr_workflow_triggers_total',
      help: 'n8n workflow triggers by workflow and outcome (sent, not_configured, failed; with Redis: queued, then sent, retry or gave_up from the outbox)',
      labelNames: ['workflow', 'outcome'] as const,
      registers: [registry],
    }),
    brainCalls: new Counter({
      name: 'sdr_brain_calls_total',
      help: 'Brain calls by adapter (openai, scripted) and outcome (ok, timeout, error, invalid_output, fallback)',
      labelNames: ['adapter', 'outcome'] as const,
      registers: [registry],
    }),
    llmLatency: new Histogram({
      name: 'sdr_llm_latency_seconds',
      help: 'Latency of model calls',
      labelNames: ['outcome'] as const,
      buckets: [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30],
      registers: [registry],
    }),
    llmTokens: new Counter({
      name: 'sdr_llm_tokens_total',
      help: 'Model tokens billed, failed calls included, by kind (prompt, completion; cached_prompt and reasoning are parts of those)',
      labelNames: ['kind'] as const,
      registers: [registry],
    }),
    llmErrors: new Counter({
      name: 'sdr_llm_errors_total',
      help: 'Failed model calls by kind (http, timeout, invalid_output, refusal) and code (the provider\'s, e.g. model_not_found, or ours, e.g. length)',
      labelNames: ['kind', 'code'] as const,
      registers: [registry],
    }),
    llmCost: new Counter({
      name: 'sdr_llm_cost_total',
      help: 'Estimated cost of model calls, by the playbook price table, by model and currency',
      labelNames: ['model', 'currency'] as const,
      registers: [registry],
    }),
    conversationCost: new Histogram({
      name: 'sdr_conversation_llm_cost',
      help: 'Estimated model cost of a conversation, observed when the bot\'s part ends (handoff, qualified, disqualified, opted out)',
      labelNames: ['currency'] as const,
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    }),
    followUps: new Counter({
      name: 'sdr_follow_ups_total',
      help: 'Follow-ups to quiet leads: sent, failed, or not sent (cannot_reply: the channel\'s window closed; not_pending; opted_out)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    handoffWatchdog: new Counter({
      name: 'sdr_handoff_watchdog_total',
      help: 'Handoff watchdogs: fired (no human answered in time) or answered (a human did)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    erasures: new Counter({
      name: 'sdr_erasures_total',
      help: 'Conversations whose data was erased (LGPD/GDPR), by who asked: lead or admin',
      labelNames: ['requested_by'] as const,
      registers: [registry],
    }),
    timersPending: new Gauge({
      name: 'sdr_timers_pending',
      help: 'Follow-ups and handoff watchdogs waiting for their time',
      registers: [registry],
    }),
    playbookReloads: new Counter({
      name: 'sdr_playbook_reloads_total',
      help: 'Playbook reloads after a change on disk: ok, or refused (a bad edit; the last good playbook stays)',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    outboundRequests: new Counter({
      name: 'sdr_outbound_requests_total',
      help: 'Outbound HTTP attempts by target (chatwoot, n8n, openai), operation and outcome (ok, retry, error, client_error)',
      labelNames: ['target', 'operation', 'outcome'] as const,
      registers: [registry],
    }),
    outboundDuration: new Histogram({
      name: 'sdr_outbound_request_duration_seconds',
      help: 'Outbound HTTP attempt latency by target and operation',
      labelNames: ['target', 'operation'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry],
    }),
    turnDuration: new Histogram({
      name: 'sdr_turn_duration_seconds',
      help: 'Time the worker spent on one lead turn (brain, Chatwoot calls), debounce excluded',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32],
      registers: [registry],
    }),
    queueEvents: new Counter({
      name: 'sdr_queue_events_total',
      help: 'Durable queue events: stalled (a lease ran out, its batch taken over), retried, exhausted (handed to a human), buffered (held in memory while Redis was down), fenced_out',
      labelNames: ['event'] as const,
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
