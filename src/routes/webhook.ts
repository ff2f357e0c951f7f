import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { classifyEvent, type ConversationJob } from '../conversation/inbound.js'
import { conversationTag } from '../conversation/ref.js'
import { envelopeSchema, isKnownEvent } from '../conversation/payloads.js'
import type { Clock } from '../lib/clock.js'
import { safeEqual, verifySignature, type SignatureFailure } from '../lib/hmac.js'
import type { Metrics } from '../lib/metrics.js'
import type { WorkQueue } from '../stores/queue.js'
import type { Stores } from '../stores/types.js'

export interface WebhookRouteOptions {
  readonly config: Config
  readonly clock: Clock
  readonly stores: Stores
  readonly queue: WorkQueue<ConversationJob>
  readonly metrics: Metrics
}

export const WEBHOOK_PATH = '/api/v1/webhooks/agentbot'

type Outcome = 'accepted' | 'duplicate' | 'ignored'

const HINTS: Record<SignatureFailure | 'bad_path_token', string> = {
  missing_signature: 'No X-Chatwoot-Signature header: Chatwoot < 4.13 signs nothing (see WEBHOOK_PATH_TOKEN), or the proxy drops the header',
  malformed_signature: 'X-Chatwoot-Signature is neither "sha256=<hex>" nor "<hex>"',
  missing_timestamp: 'A sha256= signature needs X-Chatwoot-Timestamp: check the proxy forwards it',
  stale_timestamp: 'X-Chatwoot-Timestamp is older than WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: a replay, or this host clock is off',
  future_timestamp: 'X-Chatwoot-Timestamp is in the future beyond the tolerance: check NTP on both hosts',
  no_secret_configured: 'CHATWOOT_WEBHOOK_SECRET is empty: set it to the agent bot secret',
  signature_mismatch: 'Signature does not match any CHATWOOT_WEBHOOK_SECRET: copy the bot secret again (it changes on reset_secret)',
  bad_path_token: 'The token in the webhook path is wrong',
}

/**
 * The AgentBot webhook, steps 1–6 of DESIGN.md. It answers within a few milliseconds: nothing slow
 * runs before the answer, because Chatwoot gives up after 5 s and hands the conversation to humans.
 */
const webhookRoutes: FastifyPluginAsync<WebhookRouteOptions> = async (app, opts) => {
  const { config, clock, stores, queue, metrics } = opts
  const { limits, webhook } = config

  // Scoped to this plugin: keep the exact bytes for the HMAC, parse JSON only after it verifies.
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: webhook.bodyLimitBytes }, (_req, body, done) => {
    done(null, body)
  })

  const answer = (reply: FastifyReply, event: string, outcome: Outcome, reason?: string) => {
    metrics.webhookEvents.inc({ event, outcome })
    if (reason !== undefined) metrics.webhookIgnored.inc({ reason })
    logTo(reply.request, { outcome, reason })
    return reply.code(200).send(reason === undefined ? { status: outcome } : { status: outcome, reason })
  }

  const refuse = (reply: FastifyReply, statusCode: number, code: string, message: string, event: string, outcome: string) => {
    metrics.webhookEvents.inc({ event, outcome })
    logTo(reply.request, { outcome, reason: code })
    const error = { 400: 'Bad Request', 401: 'Unauthorized', 429: 'Too Many Requests' }[statusCode] ?? 'Error'
    return reply.code(statusCode).send({ statusCode, code, error, message })
  }

  /** Failed authentication counts against the sender's IP; past the limit it is told to slow down. */
  const refuseUnauthenticated = async (request: FastifyRequest, reply: FastifyReply, failure: SignatureFailure | 'bad_path_token') => {
    const { count, resetAt } = await stores.limits.hit(`ip:${request.ip}`, limits.ipWindowSeconds)
    request.log.warn({ reason: failure, hint: HINTS[failure], ip: request.ip }, 'Webhook signature rejected')
    if (count > limits.ipRequests) {
      reply.header('retry-after', Math.max(1, Math.ceil((resetAt - clock.now()) / 1000)))
      return refuse(reply, 429, 'RATE_LIMITED', 'Too many unauthenticated requests', 'unverified', 'rate_limited')
    }
    return refuse(reply, 401, 'INVALID_SIGNATURE', `Webhook not authenticated: ${failure}`, 'unverified', 'invalid_signature')
  }

  const handle = async (request: FastifyRequest, reply: FastifyReply, authenticated: boolean) => {
    const raw = request.body
    if (!Buffer.isBuffer(raw)) {
      return refuse(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Content-Type must be application/json', 'unverified', 'invalid_payload')
    }
    // 2. Signature over the raw bytes, before anything reads the body.
    if (!authenticated) {
      const sig = verifySignature({
        rawBody: raw,
        signature: headerValue(request.headers['x-chatwoot-signature']),
        timestamp: headerValue(request.headers['x-chatwoot-timestamp']),
        secrets: webhook.secrets,
        nowSeconds: Math.floor(clock.now() / 1000),
        toleranceSeconds: webhook.timestampToleranceSeconds,
      })
      if (!sig.ok) return refuseUnauthenticated(request, reply, sig.reason)
      logTo(request, { scheme: sig.scheme })
    }
    // Logged only once authenticated: before that it is whatever text a stranger chose to send.
    const deliveryId = headerValue(request.headers['x-chatwoot-delivery'])
    logTo(request, { deliveryId })

    // 3. Parse and validate the envelope.
    let body: unknown
    try {
      body = JSON.parse(raw.toString('utf8'))
    } catch {
      return refuse(reply, 400, 'INVALID_JSON', 'Body is not valid JSON', 'unknown', 'invalid_payload')
    }
    const envelope = envelopeSchema.safeParse(body)
    if (!envelope.success) {
      return refuse(reply, 400, 'INVALID_ENVELOPE', 'Body must be a JSON object with a string "event"', 'unknown', 'invalid_payload')
    }
    const event = envelope.data.event
    if (!isKnownEvent(event)) return answer(reply, 'unknown', 'ignored', 'unknown_event')
    logTo(request, { event })

    const c = classifyEvent(event, body, { deliveryId, accountId: config.chatwoot.accountId, now: clock.now() })
    if (c.outcome === 'invalid') return refuse(reply, 400, 'INVALID_PAYLOAD', c.message, event, 'invalid_payload')
    const ref = c.outcome === 'act' ? c.job.ref : c.ref
    logTo(request, { accountId: ref?.accountId, conversationId: ref?.conversationId })

    // 4. Dedupe on every key that names this event, and for a lead message its conversation's
    // window, in one step (one round trip with Redis).
    const window = c.outcome === 'act' && c.job.kind === 'message'
      ? { key: `conv:${conversationTag(c.job.ref)}`, windowSeconds: limits.conversationWindowSeconds, max: limits.conversationRequests }
      : undefined
    const admission = await stores.admit(c.dedupeKeys, limits.dedupeTtlSeconds, window)
    if (admission.outcome === 'duplicate') return answer(reply, event, 'duplicate')

    // 5. Filter: only what the bot must act on.
    if (c.outcome === 'ignored') return answer(reply, event, 'ignored', c.reason)

    const job = c.job
    if (admission.outcome === 'limited') {
      // Not remembered as seen: Chatwoot retries a 429, and hands the conversation to humans if it stays limited.
      reply.header('retry-after', Math.max(1, Math.ceil((admission.resetAt - clock.now()) / 1000)))
      request.log.warn({ accountId: job.ref.accountId, conversationId: job.ref.conversationId }, 'Conversation rate limit reached')
      return refuse(reply, 429, 'CONVERSATION_RATE_LIMITED', 'Too many messages in this conversation', event, 'rate_limited')
    }

    // 6. Enqueue for the conversation's worker.
    try {
      await queue.enqueue(conversationTag(job.ref), job)
    } catch (err) {
      await stores.dedupe.release(c.dedupeKeys)
      throw err
    }
    return answer(reply, event, 'accepted')
  }

  app.post(WEBHOOK_PATH, { bodyLimit: webhook.bodyLimitBytes }, (request, reply) => handle(request, reply, false))

  const pathToken = webhook.pathToken
  if (pathToken !== undefined) {
    // Chatwoot < 4.13 signs nothing: the unguessable path is the only proof the caller knows the secret.
    app.post<{ Params: { token: string } }>(`${WEBHOOK_PATH}/:token`, { bodyLimit: webhook.bodyLimitBytes }, async (request, reply) => {
      if (!safeEqual(request.params.token, pathToken)) return refuseUnauthenticated(request, reply, 'bad_path_token')
      logTo(request, { scheme: 'path_token' })
      return handle(request, reply, true)
    })
  }
}

function logTo (request: FastifyRequest, fields: Record<string, string | number | undefined>): void {
  request.logContext = request.logContext === null ? fields : Object.assign(request.logContext, fields)
}

function headerValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export default webhookRoutes
