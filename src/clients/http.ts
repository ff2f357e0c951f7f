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

interface Failure { status?: number, reason: FailureReason, code?: string | undefined, retryAfterMs?: number | undefined }

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
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers }
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body)
  if (body !== undefined && headers['content-type'] === undefined) headers['content-type'] = 'application/json'

  const fail = (failure: Failure, attempt: number, retryable: boolean, detail?: string): UpstreamError =>
    new UpstreamError({
      target,
      operation,
      status: failure.status,
      reason: failure.reason,
      retryable,
      attempts: attempt,
      path: opts.pathTemplate,
      code: failure.code,
      detail,
    })

  for (let attempt = 1; ; attempt++) {
    const started = performance.now()
    const elapsed = (): number => Math.round(performance.now() - started)
    const deadline = startDeadline(opts.timeoutMs, opts.signal)
    const signal = deadline.signal
    let failure: Failure | undefined
    let answer: { status: number, text: string } | undefined
    let status: number | undefined
    try {
      const res = await request(opts.url, {
        method: opts.method,
        headers,
        body,
        signal,
        dispatcher: opts.dispatcher,
        headersTimeout: opts.timeoutMs,
        bodyTimeout: opts.timeoutMs,
      })
      status = res.statusCode
      if (res.statusCode >= 200 && res.statusCode < 300) {
        if (opts.schema === undefined) {
          await res.body.dump()
          report(onCall, { target, operation, outcome: 'ok', durationMs: elapsed(), status: res.statusCode })
          return undefined
        }
        answer = { status: res.statusCode, text: await res.body.text() }
      } else {
        await res.body.dump().catch(() => undefined)
        failure = { status: res.statusCode, reason: 'status', retryAfterMs: parseRetryAfter(res.headers['retry-after']) }
      }
    } catch (err) {
      const code = errorCode(err)
      let reason: FailureReason = 'network'
      if (opts.signal?.aborted === true) reason = 'aborted'
      else if (deadline.passed() || (err instanceof Error && err.name === 'TimeoutError') || (code !== undefined && TIMEOUT_CODES.has(code))) reason = 'timeout'
      // A 2xx whose body broke off counts as a failed attempt too; keep its status for the record.
      failure = status !== undefined ? { status, reason, code } : { reason, code }
    } finally {
      deadline.clear()
    }

    if (answer !== undefined && opts.schema !== undefined) {
      // A 2xx we cannot read is not retried: the server did act, and a second call could act twice.
      const invalid: Failure = { status: answer.status, reason: 'invalid_response' }
      let json: unknown
      try {
        json = answer.text === '' ? undefined : JSON.parse(answer.text)
      } catch {
        report(onCall, { target, operation, outcome: 'error', durationMs: elapsed(), status: answer.status })
        throw fail(invalid, attempt, false, 'answer is not JSON')
      }
      const parsed = opts.schema.safeParse(json)
      if (!parsed.success) {
        report(onCall, { target, operation, outcome: 'error', durationMs: elapsed(), status: answer.status })
        const where = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.code}`).join(', ')
        throw fail(invalid, attempt, false, `unexpected answer shape (${where})`)
      }
      report(onCall, { target, operation, outcome: 'ok', durationMs: elapsed(), status: answer.status })
      return parsed.data
    }
    failure ??= { reason: 'invalid_response' }

    const retryable = failure.reason === 'timeout' || failure.reason === 'network' ||
      (failure.reason === 'status' && failure.status !== undefined && RETRY_STATUS(failure.status))
    const statusField = failure.status !== undefined ? { status: failure.status } : {}
    if (!retryable || attempt >= attempts) {
      const clientError = failure.reason === 'status' && !retryable
      report(onCall, { target, operation, outcome: clientError ? 'client_error' : 'error', durationMs: elapsed(), ...statusField })
      throw fail(failure, attempt, retryable)
    }
    report(onCall, { target, operation, outcome: 'retry', durationMs: elapsed(), ...statusField })

    const delay = failure.retryAfterMs !== undefined
      ? Math.min(failure.retryAfterMs, retry.maxDelayMs)
      : backoffDelay(attempt, retry, random)
    await sleep(delay)
    if (opts.beforeRetry !== undefined) {
      const decision = await opts.beforeRetry({ attempt, status: failure.status, reason: failure.reason, code: failure.code })
      if (decision === 'stop') return undefined
    }
  }
}
