import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { ConversationJob } from '../conversation/inbound.js'
import { sendError } from '../lib/errors.js'
import { safeEqual } from '../lib/hmac.js'
import type { Clock } from '../lib/clock.js'
import type { ContactStore } from '../stores/contacts.js'
import type { WorkQueue } from '../stores/queue.js'
import type { RateLimitStore } from '../stores/types.js'

export interface AdminRouteOptions {
  readonly token: string
  readonly contacts: ContactStore
  readonly queue: WorkQueue<ConversationJob>
  readonly limits: RateLimitStore
  readonly ipRequests: number
  readonly ipWindowSeconds: number
  readonly clock: Clock
  /** A contact with no conversation left to erase: n8n is told here (each erase job tells it otherwise). */
  readonly notifyErased: (contact: { accountId: number, contactId: number }) => void
}

const params = z.object({
  accountId: z.coerce.number().int().positive(),
  contactId: z.coerce.number().int().positive(),
})

/**
 * Operator endpoints, behind ADMIN_API_TOKEN (the routes do not exist without it). Erasure runs in
 * each conversation's lane, in order with its messages, so nothing saved mid-turn brings data back.
 */
const adminRoutes: FastifyPluginAsync<AdminRouteOptions> = async (app, opts) => {
  const authorized = async (request: FastifyRequest, reply: FastifyReply): Promise<boolean> => {
    const header = request.headers.authorization ?? ''
    const token = header.startsWith('Bearer ') ? header.slice(7) : ''
    if (token !== '' && safeEqual(token, opts.token)) return true
    const { count } = await opts.limits.hit(`admin-ip:${request.ip}`, opts.ipWindowSeconds)
    const log = { msg: 'Admin request refused: missing or wrong bearer token', ip: request.ip }
    if (count > opts.ipRequests) {
      await sendError(reply, 429, 'RATE_LIMITED', 'Too many refused admin requests', log)
    } else {
      await sendError(reply.header('www-authenticate', 'Bearer'), 401, 'UNAUTHORIZED', 'A valid ADMIN_API_TOKEN bearer token is required', log)
    }
    return false
  }

  app.delete('/api/v1/admin/accounts/:accountId/contacts/:contactId', async (request, reply) => {
    if (!await authorized(request, reply)) return reply
    const parsed = params.safeParse(request.params)
    if (!parsed.success) {
      return sendError(reply, 400, 'INVALID_CONTACT', 'accountId and contactId must be positive integers')
    }
    const contact = parsed.data
    const conversations = await opts.contacts.conversations(contact)
    const receivedAt = opts.clock.now()
    for (const tag of conversations) {
      const [accountId, conversationId] = tag.slice(1, -1).split(':').map(Number)
      if (accountId === undefined || conversationId === undefined || Number.isNaN(conversationId)) continue
      await opts.queue.enqueue(tag, { kind: 'erase', ref: { accountId, conversationId }, contactId: contact.contactId, receivedAt })
    }
    await opts.contacts.forget(contact)
    if (conversations.length === 0) opts.notifyErased(contact)
    request.log.info({ accountId: contact.accountId, contactId: contact.contactId, conversations: conversations.length }, 'Contact erasure accepted')
    return reply.code(202).send({ status: 'accepted', conversations: conversations.length })
  })
}

export default adminRoutes
