import Fastify from 'fastify'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import { errorBody, httpReason, sendError } from '../../src/lib/errors.js'

describe('errorBody: the one error shape', () => {
  it.each([
    [400, 'Bad Request'],
    [401, 'Unauthorized'],
    [404, 'Not Found'],
    [413, 'Payload Too Large'],
    [415, 'Unsupported Media Type'],
    [429, 'Too Many Requests'],
    [500, 'Internal Server Error'],
    [503, 'Service Unavailable'],
    // Unlisted: the class's phrase, never a bare "Error".
    [422, 'Bad Request'],
    [599, 'Internal Server Error'],
  ])('%i reads %s', (status, reason) => {
    expect(httpReason(status)).toBe(reason)
    expect(errorBody(status, 'SOME_CODE', 'what was wrong')).toEqual({ statusCode: status, code: 'SOME_CODE', error: reason, message: 'what was wrong' })
  })
})

describe('sendError: answers the shape and logs why', () => {
  async function refuseWith (log?: Parameters<typeof sendError>[4]) {
    const lines: Array<Record<string, unknown>> = []
    const app = Fastify({ loggerInstance: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } }) })
    app.get('/x', (_request, reply) => sendError(reply, 422, 'INVALID_THING', 'thing must be a positive integer', log))
    const res = await app.inject({ method: 'GET', url: '/x' })
    await app.close()
    return { res, lines }
  }

  it('a 4xx with code, reason phrase and message, and a warn line with code and message', async () => {
    const { res, lines } = await refuseWith()
    expect(res.statusCode).toBe(422)
    expect(res.json()).toEqual({ statusCode: 422, code: 'INVALID_THING', error: 'Bad Request', message: 'thing must be a positive integer' })
    expect(lines.find((l) => l['msg'] === 'Request refused')).toMatchObject({ level: 40, statusCode: 422, code: 'INVALID_THING', reason: 'thing must be a positive integer' })
  })

  it('a named log line carries the fields worth acting on', async () => {
    const { lines } = await refuseWith({ msg: 'Thing refused', ip: '203.0.113.9', reason: 'too_big' })
    expect(lines.find((l) => l['msg'] === 'Thing refused')).toMatchObject({ level: 40, code: 'INVALID_THING', ip: '203.0.113.9', reason: 'too_big' })
    expect(lines.some((l) => l['msg'] === 'Request refused')).toBe(false)
  })
})
