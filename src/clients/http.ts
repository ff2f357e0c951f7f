import { request, type Dispatcher } from 'undici'
import type { z } from 'zod'

export type OutboundTarget = 'chatwoot' | 'n8n' | 'openai'
export type OutboundOutcome = 'ok' | 'retry' | 'error' | 'client_error'

/** One attempt of an outbound call, for metrics. `retry` = failed, another attempt follows. */
export interface OutboundCall {
  target: OutboundTarget
  operation: string
  outcome: OutboundOutcome
  durationMs: number
  status?: number
}
export type OnCall = (call: OutboundCall) => void

export interface RetryPolicy {
  /** Attempts in total, the first one included (1 = no retry). */
  attempts: number
  baseDelayMs: number
  /** Cap of one backoff delay, and of a Retry-After wait. */
  maxDelayMs: number
}

export type Sleep = (ms: number) => Promise<void>
export interface Deadline {
  /** Aborts when the deadline passes or `callerSignal` aborts. */
  readonly signal: AbortSignal
  /** The deadline itself passed (not the caller's abort). */
  passed (): boolean
  /** The call ended: its timer goes now. */
  clear (): void
}

/**
 * A call's deadline. Not AbortSignal.timeout: its timer, signal and finalization record outlive a
 * call answered in a millisecond by the whole deadline (and a client that hangs a listener on the
 * signal keeps the call's objects with it), so under load each call left them for the old generation.
 */
export function startDeadline (timeoutMs: number, callerSignal?: AbortSignal): Deadline {
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new DOMException(`deadline of ${timeoutMs} ms passed`, 'TimeoutError')), timeoutMs)
  timer.unref()
  return {
    signal: callerSignal === undefined ? controller.signal : AbortSignal.any([controller.signal, callerSignal]),
    passed: () => controller.signal.aborted,
    clear: () => clearTimeout(timer),
  }
}

export const defaultSleep: Sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms) })

/** Why an attempt failed: an HTTP status, the deadline, the network, a 2xx we could not read, or the caller's abort. */
export type FailureReason = 'status' | 'timeout' | 'network' | 'invalid_response' | 'aborted'

export interface UpstreamErrorInit {
  target: OutboundTarget
  operation: string
  status?: number | undefined
  reason: FailureReason
  retryable: boolean
  attempts: number
  /** Path template such as `/api/v1/accounts/:account_id/conversations/:conversation_id/messages`; never the URL. */
  path?: string | undefined
  /** A network error code (ECONNREFUSED, UND_ERR_SOCKET…), never the error text. */
  code?: string | undefined
  detail?: string | undefined
}

/** An outbound call that failed for good. Carries no URL, body or token, so it is safe to log as it is. */
export class UpstreamError extends Error {
  readonly target: OutboundTarget
  readonly operation: string
  readonly status: number | undefined
  readonly reason: FailureReason
  /** The failure was transient (5xx, 429, timeout, network): a later try may succeed. */
  readonly retryable: boolean
  readonly attempts: number
  readonly path: string | undefined
  readonly code: string | undefined
  /** A short safe note (never content), e.g. which part of an answer did not validate. */
  readonly detail: string | undefined

  constructor (init: UpstreamErrorInit) {
    const what = init.status !== undefined ? `status ${init.status}` : init.code !== undefined ? `${init.reason} ${init.code}` : init.reason
    const where = init.path !== undefined ? ` (${init.path})` : ''
    const detail = init.detail !== undefined ? `: ${init.detail}` : ''
    super(`${init.target} ${init.operation} failed with ${what} after ${init.attempts} attempt(s)${where}${detail}`)
    this.name = 'UpstreamError'
    this.target = init.target
    this.operation = init.operation
    this.status = init.status
    this.reason = init.reason
    this.retryable = init.retryable
    this.attempts = init.attempts
    this.path = init.path
    this.code = init.code
    this.detail = init.detail
  }
}

/** What the failed attempt looked like, given to `beforeRetry`. */
export interface RetryContext {
  /** The attempt that just failed, 1-based. */
  attempt: number
  status?: number | undefined
  reason: FailureReason
  code?: string | undefined
}
/** Runs after the backoff and before the next attempt; 'stop' ends the call as a success with `undefined`. */
export type BeforeRetry = (ctx: RetryContext) => Promise<'stop' | 'retry' | undefined>

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'

export interface RequestJsonOptions<T> {
  target: OutboundTarget
  operation: string
  method: HttpMethod
  url: string
  /** Path template for errors; defaults to none (the URL is never put in an error). */
  pathTemplate?: string | undefined
  headers?: Record<string, string> | undefined
  /** Serialised as JSON when defined. */
  body?: unknown
  /** Deadline of one attempt: connect, headers and body together. */
  timeoutMs: number
  retry: RetryPolicy
  /** Validates a 2xx body. Without a schema the body is drained unread and the call resolves `undefined`. */
  schema?: z.ZodType<T> | undefined
  beforeRetry?: BeforeRetry | undefined
  sleep?: Sleep | undefined
  onCall?: OnCall | undefined
  dispatcher?: Dispatcher | undefined
  /** The caller's cancellation (shutdown): ends the call without retrying. */
  signal?: AbortSignal | undefined
  /** For tests of the jitter; defaults to Math.random. */
  random?: (() => number) | undefined
}

const RETRY_STATUS = (status: number): boolean => status === 429 || status >= 500

/** Codes meaning the request never left this host, so it cannot have reached the server. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH'])

/** True when a failed attempt may have been processed by the server (so a retry of a non-idempotent call needs a check first). */
export function mayHaveReachedServer (ctx: RetryContext): boolean {
  if (ctx.reason === 'status') return ctx.status !== 429
  if (ctx.reason === 'network' && ctx.code !== undefined && NOT_SENT_CODES.has(ctx.code)) return false
  return true
}

/** Retry-After in seconds or as an HTTP date, in ms; undefined when absent or unreadable. */
export function parseRetryAfter (value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const raw = Array.isArray(value) ? value[0] : value
  if (raw === undefined || raw.trim() === '') return undefined
  const trimmed = raw.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000)
  const at = Date.parse(trimmed)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

/** Exponential backoff with "equal jitter": half the step is fixed, half random. */
export function backoffDelay (failedAttempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failedAttempt - 1))
  return Math.round(step / 2 + random() * (step / 2))
}

const errorCode = (err: unknown): string | undefined => {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  if (typeof code === 'string') return code
  return errorCode((err as { cause?: unknown }).cause)
}

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_CONNECT_TIMEOUT', 'ETIMEDOUT'])

/** Why one attempt failed, and what the server asked for (Retry-After). */
export interface Failure { status?: number, reason: FailureReason, code?: string | undefined, retryAfterMs?: number | undefined }

const report = (onCall: OnCall | undefined, call: OutboundCall): void => {
  if (onCall === undefined) return
  try {
    onCall(call)
  } catch {
    // A broken observer must not break the call it observes.
  }
}

/**
 * One JSON call with a deadline per attempt, retries with backoff on 5xx, 429 (Retry-After, capped),
 * timeouts and network errors, never on other statuses. Every body is consumed.
 */
export async function requestJson<T> (opts: RequestJsonOptions<T> & { beforeRetry: BeforeRetry }): Promise<T | undefined>
export async function requestJson<T> (opts: RequestJsonOptions<T> & { schema: z.ZodType<T>, beforeRetry?: undefined }): Promise<T>
export async function requestJson (opts: RequestJsonOptions<unknown> & { schema?: undefined, beforeRetry?: undefined }): Promise<undefined>
export async function requestJson<T> (opts: RequestJsonOptions<T>): Promise<T | undefined> {
  const { target, operation, retry, onCall } = opts
  const sleep = opts.sleep ?? defaultSleep
  const random = opts.random ?? Math.random
  const attempts = Math.max(1, Math.floor(retry.attempts))
  const sent = requestOf(opts)
  for (let attempt = 1; ; attempt++) {
    const started = performance.now()
    const record = (outcome: OutboundOutcome, status: number | undefined): void => {
      const statusField = status !== undefined ? { status } : {}
      report(onCall, { target, operation, outcome, durationMs: Math.round(performance.now() - started), ...statusField })
    }
    const result = await attemptOnce(opts, sent)
    if (result.kind === 'empty') {
      record('ok', result.status)
      return undefined
    }
    if (result.kind === 'answer' && opts.schema !== undefined) {
      return readAnswer(opts, opts.schema, result, attempt, (outcome) => record(outcome, result.status))
    }
    const failure: Failure = result.kind === 'failure' ? result.failure : { reason: 'invalid_response' }
    const retryable = isRetryable(failure)
    if (!retryable || attempt >= attempts) {
      const clientError = failure.reason === 'status' && !retryable
      record(clientError ? 'client_error' : 'error', failure.status)
      throw upstreamError(opts, failure, attempt, retryable)
    }
    record('retry', failure.status)
    await sleep(retryDelay(failure, attempt, retry, random))
    if (opts.beforeRetry !== undefined) {
      const decision = await opts.beforeRetry({ attempt, status: failure.status, reason: failure.reason, code: failure.code })
      if (decision === 'stop') return undefined
    }
  }
}

interface Sent { readonly headers: Record<string, string>, readonly body: string | undefined }

/** The headers and body every attempt sends: JSON both ways unless the caller says otherwise. */
function requestOf<T> (opts: RequestJsonOptions<T>): Sent {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'
  return { headers, body }
}

/** One attempt's result: a 2xx drained unread (no schema), a 2xx's text to validate, or why it failed. */
type Attempt =
  | { readonly kind: 'empty', readonly status: number }
  | { readonly kind: 'answer', readonly status: number, readonly text: string }
  | { readonly kind: 'failure', readonly failure: Failure }

async function attemptOnce<T> (opts: RequestJsonOptions<T>, sent: Sent): Promise<Attempt> {
  const deadline = startDeadline(opts.timeoutMs, opts.signal)
  let status: number | undefined
  try {
    const res = await request(opts.url, {
      method: opts.method,
      headers: sent.headers,
      body: sent.body,
      signal: deadline.signal,
      dispatcher: opts.dispatcher,
      headersTimeout: opts.timeoutMs,
      bodyTimeout: opts.timeoutMs,
    })
    status = res.statusCode
    if (res.statusCode >= 200 && res.statusCode < 300) {
      if (opts.schema === undefined) {
        await res.body.dump()
        return { kind: 'empty', status: res.statusCode }
      }
      return { kind: 'answer', status: res.statusCode, text: await res.body.text() }
    }
    await res.body.dump().catch(() => undefined)
    return { kind: 'failure', failure: { status: res.statusCode, reason: 'status', retryAfterMs: parseRetryAfter(res.headers['retry-after']) } }
  } catch (err) {
    return { kind: 'failure', failure: thrownFailure(err, status, opts.signal?.aborted === true, deadline.passed()) }
  } finally {
    deadline.clear()
  }
}

/**
 * Why an attempt that threw failed: the caller's abort, the deadline (ours or undici's own
 * timeouts), else the network. A 2xx whose body broke off counts as a failed attempt too; its
 * status is kept for the record.
 */
export function thrownFailure (err: unknown, status: number | undefined, callerAborted: boolean, deadlinePassed: boolean): Failure {
  const code = errorCode(err)
  let reason: FailureReason = 'network'
  if (callerAborted) reason = 'aborted'
  else if (deadlinePassed || (err instanceof Error && err.name === 'TimeoutError') || (code !== undefined && TIMEOUT_CODES.has(code))) reason = 'timeout'
  return status !== undefined ? { status, reason, code } : { reason, code }
}

/** Transient failures (timeout, network, 5xx, 429) may succeed on another try; other statuses will not. */
export function isRetryable (failure: Failure): boolean {
  return failure.reason === 'timeout' || failure.reason === 'network' ||
    (failure.reason === 'status' && failure.status !== undefined && RETRY_STATUS(failure.status))
}

/** The server's Retry-After when it gave one (capped), else the backoff. */
export function retryDelay (failure: Failure, attempt: number, retry: RetryPolicy, random: () => number): number {
  return failure.retryAfterMs !== undefined
    ? Math.min(failure.retryAfterMs, retry.maxDelayMs)
    : backoffDelay(attempt, retry, random)
}

/**
 * The 2xx body, validated. A 2xx we cannot read is not retried: the server did act, and a second
 * call could act twice.
 */
function readAnswer<T> (opts: RequestJsonOptions<T>, schema: z.ZodType<T>, answer: { status: number, text: string }, attempt: number, record: (outcome: 'ok' | 'error') => void): T {
  const invalid: Failure = { status: answer.status, reason: 'invalid_response' }
  let json: unknown
  try {
    json = answer.text === '' ? undefined : JSON.parse(answer.text)
  } catch {
    record('error')
    throw upstreamError(opts, invalid, attempt, false, 'answer is not JSON')
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) {
    record('error')
    const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.code}`).join(', ')
    throw upstreamError(opts, invalid, attempt, false, `unexpected answer shape (${where})`)
  }
  record('ok')
  return parsed.data
}

function upstreamError<T> (opts: RequestJsonOptions<T>, failure: Failure, attempt: number, retryable: boolean, detail?: string): UpstreamError {
  return new UpstreamError({
    target: opts.target,
    operation: opts.operation,
    status: failure.status,
    reason: failure.reason,
    retryable,
    attempts: attempt,
    path: opts.pathTemplate,
    code: failure.code,
    detail,
  })
}
