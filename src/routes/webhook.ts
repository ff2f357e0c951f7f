import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import type { Config } from '../config.js'
import { classifyEvent, type Classification, type ConversationJob } from '../conversation/inbound.js'
import { conversationTag } from '../conversation/ref.js'
import { envelopeSchema, isKnownEvent } from '../conversation/payloads.js'
import type { Clock } from '../lib/clock.js'
import { sendError, type RefusalLog } from '../lib/errors.js'
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
type AuthFailure = SignatureFailure | 'bad_path_token'

const HINTS: Record<AuthFailure, string> = {
  missing_signature: 'No X-Chatwoot-Signature header: Chatwoot < 4.13 signs nothing (see WEBHOOK_PATH_TOKEN), or the proxy drops the header',
  malformed_signature: 'X-Chatwoot-Signature is neither "sha256=<hex>" nor "<hex>"',
  missing_timestamp: 'A sha256= signature needs X-Chatwoot-Timestamp: check the proxy forwards it',
  stale_timestamp: 'X-Chatwoot-Timestamp is older than WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: a replay, or this host clock is off',
  future_timestamp: 'X-Chatwoot-Timestamp is in the future beyond the tolerance: check NTP on both hosts',
  no_secret_configured: 'CHATWOOT_WEBHOOK_SECRET is empty: set it to the agent bot secret',
  signature_mismatch: 'Signature does not match any CHATWOOT_WEBHOOK_SECRET: copy the bot secret again (it changes on reset_secret)',
  bad_path_token: 'The token in the webhook path is wrong',
}

/** A delivery turned away: its status, code and message, and how it counts (event, outcome). */
interface Refusal {
  readonly statusCode: number
  readonly code: string
  readonly message: string
  readonly event: string
  readonly outcome: string
}

/**
 * The AgentBot webhook: verify, parse, classify, admit, enqueue. It answers within a few
 * milliseconds: nothing slow runs before the answer, because Chatwoot gives up after 5 s and hands
 * the conversation to humans.
 */
const webhookRoutes: FastifyPluginAsync<WebhookRouteOptions> = async (app, opts) => {
  const { bodyLimitBytes, pathToken } = opts.config.webhook
  keepRawJson(app, bodyLimitBytes)
  app.post(WEBHOOK_PATH, { bodyLimit: bodyLimitBytes }, (request, reply) => receive(opts, request, reply, false))
  if (pathToken === undefined) return
  // Chatwoot < 4.13 signs nothing: the unguessable path is the only proof the caller knows the secret.
  app.post<{ Params: { token: string } }>(`${WEBHOOK_PATH}/:token`, { bodyLimit: bodyLimitBytes }, async (request, reply) => {
    if (!safeEqual(request.params.token, pathToken)) return refuseUnauthenticated(opts, request, reply, 'bad_path_token')
    logTo(request, { scheme: 'path_token' })
    return receive(opts, request, reply, true)
  })
}

/** Scoped to this plugin: keep the exact bytes for the HMAC, parse JSON only after it verifies. */
function keepRawJson (app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => {
    done(null, body)
  })
}

/** One delivery, from its raw bytes to the conversation's lane. */
async function receive (opts: WebhookRouteOptions, request: FastifyRequest, reply: FastifyReply, authenticated: boolean): Promise<FastifyReply> {
  const raw = request.body
  if (!Buffer.isBuffer(raw)) {
    return refuse(opts, reply, { statusCode: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: 'Content-Type must be application/json', event: 'unverified', outcome: 'invalid_payload' })
  }
  // The signature over the raw bytes, before anything reads the body.
  if (!authenticated) {
    const failure = checkSignature(opts, request, raw)
    if (failure !== undefined) return refuseUnauthenticated(opts, request, reply, failure)
  }
  // Logged only once authenticated: before that it is whatever text a stranger chose to send.
  const deliveryId = headerValue(request.headers['x-chatwoot-delivery'])
  logTo(request, { deliveryId })

  const read = readEnvelope(raw)
  if ('refusal' in read) return refuse(opts, reply, read.refusal)
  const { event, body } = read
  if (!isKnownEvent(event)) return answer(opts, reply, 'unknown', 'ignored', 'unknown_event')
  logTo(request, { event })

  const c = classifyEvent(event, body, { deliveryId, accountId: opts.config.chatwoot.accountId, now: opts.clock.now() })
  if (c.outcome === 'invalid') {
    return refuse(opts, reply, { statusCode: 400, code: 'INVALID_PAYLOAD', message: c.message, event, outcome: 'invalid_payload' })
  }
  const ref = c.outcome === 'act' ? c.job.ref : c.ref
  logTo(request, { accountId: ref?.accountId, conversationId: ref?.conversationId })
  return admit(opts, reply, event, c)
}

/** Undefined when the delivery is signed by a secret we hold; else why not. */
function checkSignature (opts: WebhookRouteOptions, request: FastifyRequest, raw: Buffer): SignatureFailure | undefined {
  const { webhook } = opts.config
  const sig = verifySignature({
    rawBody: raw,
    signature: headerValue(request.headers['x-chatwoot-signature']),
    timestamp: headerValue(request.headers['x-chatwoot-timestamp']),
    secrets: webhook.secrets,
    nowSeconds: Math.floor(opts.clock.now() / 1000),
    toleranceSeconds: webhook.timestampToleranceSeconds,
  })
  if (!sig.ok) return sig.reason
  logTo(request, { scheme: sig.scheme })
  return undefined
}

/** The body as JSON with a string `event`, or the 400 that says which of the two it is not. */
function readEnvelope (raw: Buffer): { event: string, body: unknown } | { refusal: Refusal } {
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch {
    return { refusal: { statusCode: 400, code: 'INVALID_JSON', message: 'Body is not valid JSON', event: 'unknown', outcome: 'invalid_payload' } }
  }
  const envelope = envelopeSchema.safeParse(body)
  if (!envelope.success) {
    return { refusal: { statusCode: 400, code: 'INVALID_ENVELOPE', message: 'Body must be a JSON object with a string "event"', event: 'unknown', outcome: 'invalid_payload' } }
  }
  return { event: envelope.data.event, body }
}

/**
 * Dedupe on every key that names this event, and for a lead message its conversation's window, in
 * one step (one round trip with Redis); then only what the bot must act on goes into its lane.
 */
async function admit (opts: WebhookRouteOptions, reply: FastifyReply, event: string, c: Exclude<Classification, { outcome: 'invalid' }>): Promise<FastifyReply> {
  const { limits } = opts.config
  const window = c.outcome === 'act' && c.job.kind === 'message'
    ? { key: `conv:${conversationTag(c.job.ref)}`, windowSeconds: limits.conversationWindowSeconds, max: limits.conversationRequests }
    : undefined
  const admission = await opts.stores.admit(c.dedupeKeys, limits.dedupeTtlSeconds, window)
  if (admission.outcome === 'duplicate') return answer(opts, reply, event, 'duplicate')
  if (c.outcome === 'ignored') return answer(opts, reply, event, 'ignored', c.reason)

  const { job } = c
  if (admission.outcome === 'limited') {
    // Not remembered as seen: Chatwoot retries a 429, and hands the conversation to humans if it stays limited.
    reply.header('retry-after', secondsUntil(admission.resetAt, opts.clock))
    return refuse(opts, reply, { statusCode: 429, code: 'CONVERSATION_RATE_LIMITED', message: 'Too many messages in this conversation', event, outcome: 'rate_limited' }, {
      msg: 'Conversation rate limit reached',
      accountId: job.ref.accountId,
      conversationId: job.ref.conversationId,
    })
  }
  try {
    await opts.queue.enqueue(conversationTag(job.ref), job)
  } catch (err) {
    // Forgotten again, so Chatwoot's retry of this delivery is not taken for a duplicate.
    await opts.stores.dedupe.release(c.dedupeKeys)
    throw err
  }
  return answer(opts, reply, event, 'accepted')
}

/** Failed authentication counts against the sender's IP; past the limit it is told to slow down. */
async function refuseUnauthenticated (opts: WebhookRouteOptions, request: FastifyRequest, reply: FastifyReply, failure: AuthFailure): Promise<FastifyReply> {
  const { limits } = opts.config
  const { count, resetAt } = await opts.stores.limits.hit(`ip:${request.ip}`, limits.ipWindowSeconds)
  const log = { msg: 'Webhook signature rejected', reason: failure, hint: HINTS[failure], ip: request.ip }
  if (count > limits.ipRequests) {
    reply.header('retry-after', secondsUntil(resetAt, opts.clock))
    return refuse(opts, reply, { statusCode: 429, code: 'RATE_LIMITED', message: 'Too many unauthenticated requests', event: 'unverified', outcome: 'rate_limited' }, log)
  }
  return refuse(opts, reply, { statusCode: 401, code: 'INVALID_SIGNATURE', message: `Webhook not authenticated: ${failure}`, event: 'unverified', outcome: 'invalid_signature' }, log)
}

function answer (opts: WebhookRouteOptions, reply: FastifyReply, event: string, outcome: Outcome, reason?: string): FastifyReply {
  opts.metrics.webhookEvents.inc({ event, outcome })
  if (reason !== undefined) opts.metrics.webhookIgnored.inc({ reason })
  logTo(reply.request, { outcome, reason })
  return reply.code(200).send(reason === undefined ? { status: outcome } : { status: outcome, reason })
}

function refuse (opts: WebhookRouteOptions, reply: FastifyReply, r: Refusal, log?: RefusalLog): FastifyReply {
  opts.metrics.webhookEvents.inc({ event: r.event, outcome: r.outcome })
  logTo(reply.request, { outcome: r.outcome, reason: r.code })
  return sendError(reply, r.statusCode, r.code, r.message, log)
}

const secondsUntil = (at: number, clock: Clock): number => Math.max(1, Math.ceil((at - clock.now()) / 1000))

function logTo (request: FastifyRequest, fields: Record<string, string | number | undefined>): void {
  request.logContext = request.logContext === null ? fields : Object.assign(request.logContext, fields)
}

function headerValue (value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

export default webhookRoutes
