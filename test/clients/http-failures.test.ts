import { describe, expect, it } from 'vitest'
import { isRetryable, retryDelay, thrownFailure, type Failure } from '../../src/clients/http.js'

const withCode = (code: string, name = 'Error'): Error => Object.assign(new Error('x'), { name, code })

describe('thrownFailure (an attempt that threw)', () => {
  // [name, error, status, callerAborted, deadlinePassed, expected]
  const cases: Array<[string, unknown, number | undefined, boolean, boolean, Failure]> = [
    ['a refused connection', withCode('ECONNREFUSED'), undefined, false, false, { reason: 'network', code: 'ECONNREFUSED' }],
    ['a code found on the cause', Object.assign(new Error('fetch failed'), { cause: withCode('UND_ERR_SOCKET') }), undefined, false, false, { reason: 'network', code: 'UND_ERR_SOCKET' }],
    ['our deadline', new Error('aborted'), undefined, false, true, { reason: 'timeout', code: undefined }],
    ['a TimeoutError', new DOMException('late', 'TimeoutError'), undefined, false, false, { reason: 'timeout', code: undefined }],
    ['undici headers timeout', withCode('UND_ERR_HEADERS_TIMEOUT'), undefined, false, false, { reason: 'timeout', code: 'UND_ERR_HEADERS_TIMEOUT' }],
    ['the caller abort wins over the deadline', new Error('aborted'), undefined, true, true, { reason: 'aborted', code: undefined }],
    ['a 2xx whose body broke off keeps its status', withCode('UND_ERR_SOCKET'), 200, false, false, { status: 200, reason: 'network', code: 'UND_ERR_SOCKET' }],
    ['a thrown string', 'boom', undefined, false, false, { reason: 'network', code: undefined }],
  ]
  it.each(cases)('%s', (_name, err, status, callerAborted, deadlinePassed, expected) => {
    expect(thrownFailure(err, status, callerAborted, deadlinePassed)).toStrictEqual(expected)
  })
})

describe('isRetryable', () => {
  const cases: Array<[Failure, boolean]> = [
    [{ reason: 'timeout' }, true],
    [{ reason: 'network', code: 'ECONNRESET' }, true],
    [{ reason: 'status', status: 500 }, true],
    [{ reason: 'status', status: 503 }, true],
    [{ reason: 'status', status: 429 }, true],
    [{ reason: 'status', status: 400 }, false],
    [{ reason: 'status', status: 404 }, false],
    [{ reason: 'status' }, false],
    [{ reason: 'invalid_response', status: 200 }, false],
    [{ reason: 'aborted' }, false],
  ]
  it.each(cases)('%j → %s', (failure, expected) => {
    expect(isRetryable(failure)).toBe(expected)
  })
})

describe('retryDelay', () => {
  const policy = { attempts: 5, baseDelayMs: 100, maxDelayMs: 2000 }
  const cases: Array<[string, Failure, number, number]> = [
    ['backoff without Retry-After', { reason: 'status', status: 503 }, 1, 100],
    ['backoff doubles', { reason: 'timeout' }, 3, 400],
    ['Retry-After when given', { reason: 'status', status: 429, retryAfterMs: 700 }, 1, 700],
    ['Retry-After capped', { reason: 'status', status: 429, retryAfterMs: 60_000 }, 1, 2000],
    ['Retry-After of zero', { reason: 'status', status: 429, retryAfterMs: 0 }, 4, 0],
  ]
  it.each(cases)('%s', (_name, failure, attempt, expected) => {
    expect(retryDelay(failure, attempt, policy, () => 1)).toBe(expected)
  })
})
