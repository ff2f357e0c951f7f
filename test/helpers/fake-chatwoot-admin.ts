import { randomInt } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { sendJson, startStandIn, type RecordedRequest, type StandIn } from './fake-http.js'

// A loopback stand-in for the Chatwoot admin endpoints `npm run setup:chatwoot` calls (docs/chatwoot.md#set-up-the-agentbot and #signatures,
// and #the-rest-api-we-call): agent bots (index, show, create, update, reset_secret) and an inbox's bot (show, set). Shapes
// follow Chatwoot's jbuilder views: the index is a bare array that includes the global system bots;
// `access_token` (a string, via AgentBotPresenter) and `secret` are shown to administrators only;
// set_agent_bot answers `head :ok`; GET inboxes/:id/agent_bot is `{"agent_bot": {...}}` or
// `{"agent_bot": {}}`. Authentication is the `api_access_token` header: the admin token may do
// everything, an agent's token may only read (without token or secret), anything else gets 401.
// Bodies are checked strictly: a key Chatwoot would not permit, or a wrong type, gets 422 and is
// listed in `problems`.

export interface FakeBot {
  id: number
  name: string
  description: string
  outgoingUrl: string | null
  botType: string
  /** null for a global system bot. */
  accountId: number | null
  accessToken: string
  secret: string
}

export interface FakeChatwootAdminOptions {
  accountId?: number
  adminToken?: string
  agentToken?: string
  inboxIds?: readonly number[]
}

export interface FakeChatwootAdmin extends StandIn {
  readonly accountId: number
  readonly adminToken: string
  readonly agentToken: string
  /** Every bot, the account's and the global ones. */
  readonly bots: FakeBot[]
  /** Inbox id → the id of its agent bot (undefined: none). */
  readonly inboxBots: Map<number, number | undefined>
  addBot (init: Partial<Omit<FakeBot, 'id'>> & { name: string }): FakeBot
  bot (id: number): FakeBot | undefined
  /** Requests that used the wrong method or path (each answered 404). */
  readonly unexpected: RecordedRequest[]
  /** Why bodies were refused (each answered 422). */
  readonly problems: string[]
  /** Requests other than GET, in order. */
  writes (): RecordedRequest[]
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'
/** Like Rails' has_secure_token: 24 base58 characters. */
export const secureToken = (): string => Array.from({ length: 24 }, () => BASE58[randomInt(BASE58.length)]).join('')

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const PERMITTED = new Set(['name', 'description', 'outgoing_url', 'avatar', 'avatar_url', 'bot_type', 'bot_config'])

const ROUTE = /^\/api\/v1\/accounts\/(\d+)\/(?:agent_bots(?:\/(\d+)(?:\/(reset_secret|reset_access_token))?)?|inboxes\/(\d+)\/(agent_bot|set_agent_bot))$/

export async function startFakeChatwootAdmin (options: FakeChatwootAdminOptions = {}): Promise<FakeChatwootAdmin> {
  const accountId = options.accountId ?? 1
  const adminToken = options.adminToken ?? 'admin-token-' + secureToken()
  const agentToken = options.agentToken ?? 'agent-token-' + secureToken()
  const bots: FakeBot[] = []
  const inboxBots = new Map<number, number | undefined>((options.inboxIds ?? [1, 2]).map((id) => [id, undefined]))
  const unexpected: RecordedRequest[] = []
  const problems: string[] = []
  let nextId = 1

  const addBot: FakeChatwootAdmin['addBot'] = (init) => {
    const bot: FakeBot = {
      id: nextId++,
      name: init.name,
      description: init.description ?? '',
      outgoingUrl: init.outgoingUrl ?? null,
      botType: init.botType ?? 'webhook',
      accountId: init.accountId === undefined ? accountId : init.accountId,
      accessToken: init.accessToken ?? secureToken(),
      secret: init.secret ?? secureToken(),
    }
    bots.push(bot)
    return bot
  }
  // Chatwoot installs ship global bots; the index lists them to every account.
  addBot({ name: 'Global helper', accountId: null })

  const render = (bot: FakeBot, admin: boolean): Record<string, unknown> => {
    const system = bot.accountId === null
    return {
      id: bot.id,
      name: bot.name,
      description: bot.description,
      thumbnail: '',
      ...(system ? {} : { outgoing_url: bot.outgoingUrl }),
      bot_type: bot.botType,
      bot_config: {},
      account_id: bot.accountId,
      ...(admin && !system ? { access_token: bot.accessToken, secret: bot.secret } : {}),
      system_bot: system,
    }
  }

  const refuse = (res: ServerResponse, problem: string): void => {
    problems.push(problem)
    sendJson(res, 422, { message: problem })
  }

  const checkBotBody = (body: unknown, required: boolean): string | undefined => {
    if (!isRecord(body)) return 'the body is not a JSON object'
    const unknown = Object.keys(body).filter((k) => !PERMITTED.has(k))
    if (unknown.length > 0) return `unpermitted keys: ${unknown.join(', ')}`
    if (required && (typeof body['name'] !== 'string' || body['name'] === '')) return 'name is required'
    for (const key of ['name', 'description', 'outgoing_url', 'bot_type']) {
      if (body[key] !== undefined && typeof body[key] !== 'string') return `${key} must be a string`
    }
    if (typeof body['outgoing_url'] === 'string' && !/^https?:\/\/[^/]+/.test(body['outgoing_url'])) return 'outgoing_url is not a URL'
    if (body['bot_type'] !== undefined && body['bot_type'] !== 'webhook') return 'bot_type must be webhook'
    if (required && body['bot_type'] !== 'webhook') return 'bot_type webhook was not given'
    if (!required && Object.keys(body).length === 0) return 'an empty update'
    return undefined
  }

  const standIn = await startStandIn((req, res) => {
    const m = ROUTE.exec(req.path)
    if (m === null) {
      unexpected.push(req)
      sendJson(res, 404, { error: 'Not Found' })
      return
    }
    const token = req.headers['api_access_token']
    const admin = token === adminToken
    if (!admin && token !== agentToken) {
      sendJson(res, 401, { error: 'Invalid Access Token' })
      return
    }
    if (Number(m[1]) !== accountId) {
      sendJson(res, 404, { error: 'Resource could not be found' })
      return
    }
    if (req.method !== 'GET' && !admin) {
      sendJson(res, 401, { error: 'You are not authorized to do this action' })
      return
    }
    if (req.body !== undefined && !String(req.headers['content-type'] ?? '').startsWith('application/json')) {
      refuse(res, `${req.method} ${req.path}: the body is not sent as application/json`)
      return
    }
    if (req.invalidJson) {
      refuse(res, `${req.method} ${req.path}: the body is not JSON`)
      return
    }

    const [, , botIdText, botAction, inboxIdText, inboxAction] = m
    const own = (id: number): FakeBot | undefined => bots.find((b) => b.id === id && b.accountId === accountId)

    // inboxes/:id/agent_bot and inboxes/:id/set_agent_bot
    if (inboxIdText !== undefined) {
      const inboxId = Number(inboxIdText)
      if (!inboxBots.has(inboxId)) {
        sendJson(res, 404, { error: 'Resource could not be found' })
        return
      }
      if (inboxAction === 'agent_bot' && req.method === 'GET') {
        const id = inboxBots.get(inboxId)
        const bot = id === undefined ? undefined : bots.find((b) => b.id === id)
        sendJson(res, 200, { agent_bot: bot === undefined ? {} : render(bot, false) })
        return
      }
      if (inboxAction === 'set_agent_bot' && req.method === 'POST') {
        const body = req.body
        const raw = isRecord(body) ? body['agent_bot'] : undefined
        if (!isRecord(body) || Object.keys(body).some((k) => k !== 'agent_bot') || (typeof raw !== 'number' && raw !== null)) {
          refuse(res, `set_agent_bot: expected {"agent_bot": <id>}, got ${req.raw.slice(0, 100)}`)
          return
        }
        if (raw !== null && bots.find((b) => b.id === raw) === undefined) {
          sendJson(res, 404, { error: 'Resource could not be found' })
          return
        }
        inboxBots.set(inboxId, raw ?? undefined)
        res.writeHead(200)
        res.end()
        return
      }
    }

    // agent_bots
    if (inboxIdText === undefined && botIdText === undefined) {
      if (req.method === 'GET') {
        sendJson(res, 200, bots.filter((b) => b.accountId === null || b.accountId === accountId).map((b) => render(b, admin)))
        return
      }
      if (req.method === 'POST') {
        const problem = checkBotBody(req.body, true)
        if (problem !== undefined) {
          refuse(res, `POST agent_bots: ${problem}`)
          return
        }
        const body = req.body as Record<string, string>
        const bot = addBot({ name: body['name'] ?? '', description: body['description'] ?? '', outgoingUrl: body['outgoing_url'] ?? null, botType: body['bot_type'] ?? 'webhook' })
        sendJson(res, 200, render(bot, true))
        return
      }
    }

    // agent_bots/:id and its actions
    if (botIdText !== undefined) {
      const id = Number(botIdText)
      const bot = req.method === 'GET' && botAction === undefined ? bots.find((b) => b.id === id && (b.accountId === null || b.accountId === accountId)) : own(id)
      if (bot === undefined) {
        sendJson(res, 404, { error: 'Resource could not be found' })
        return
      }
      if (botAction === undefined && req.method === 'GET') {
        sendJson(res, 200, render(bot, admin))
        return
      }
      if (botAction === undefined && req.method === 'PATCH') {
        const problem = checkBotBody(req.body, false)
        if (problem !== undefined) {
          refuse(res, `PATCH agent_bots/${id}: ${problem}`)
          return
        }
        const body = req.body as Record<string, string>
        if (body['name'] !== undefined) bot.name = body['name']
        if (body['description'] !== undefined) bot.description = body['description']
        if (body['outgoing_url'] !== undefined) bot.outgoingUrl = body['outgoing_url']
        sendJson(res, 200, render(bot, true))
        return
      }
      if (botAction === 'reset_secret' && req.method === 'POST') {
        bot.secret = secureToken()
        sendJson(res, 200, render(bot, true))
        return
      }
      if (botAction === 'reset_access_token' && req.method === 'POST') {
        bot.accessToken = secureToken()
        sendJson(res, 200, render(bot, true))
        return
      }
    }

    unexpected.push(req)
    sendJson(res, 404, { error: 'Not Found' })
  })

  return Object.assign(standIn, {
    accountId,
    adminToken,
    agentToken,
    bots,
    inboxBots,
    addBot,
    bot: (id: number) => bots.find((b) => b.id === id),
    unexpected,
    problems,
    writes: () => standIn.requests.filter((r) => r.method !== 'GET'),
  })
}
