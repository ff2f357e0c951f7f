// The Chatwoot admin endpoints `npm run setup:chatwoot` calls, with an administrator's user access
// token (docs/chatwoot.md#set-up-the-agentbot). Built on the service's own requestJson (undici, a deadline per attempt,
// zod-validated answers). Reads are retried on 5xx/429/timeouts; writes are tried once, since a
// create whose answer was lost may have happened, and running the command again is the safe retry.
import type { Dispatcher } from 'undici'
import { z } from 'zod'
import { requestJson, UpstreamError, type HttpMethod } from '../../src/clients/http.js'

/** The agent-bot JSON (app/views/api/v1/models/_agent_bot.json.jbuilder); admins also see the token and secret. */
const agentBotSchema = z.looseObject({
  id: z.number().int().positive(),
  name: z.string().nullish(),
  description: z.string().nullish(),
  outgoing_url: z.string().nullish(),
  account_id: z.number().nullish(),
  // AgentBotPresenter turns the AccessToken record into its token string; accept the record too.
  access_token: z.union([z.string(), z.looseObject({ token: z.string() })]).nullish(),
  secret: z.string().nullish(),
  system_bot: z.boolean().nullish(),
})

/** index.json.jbuilder is a bare array; some forks wrap it in `payload`. */
const agentBotListSchema = z.union([z.array(agentBotSchema), z.looseObject({ payload: z.array(agentBotSchema) })])
  .transform((v) => (Array.isArray(v) ? v : v.payload))

/** inboxes/agent_bot.json.jbuilder: `{"agent_bot": {...}}`, an empty object or null when none is connected. */
const inboxAgentBotSchema = z.looseObject({
  agent_bot: z.looseObject({ id: z.number().int().positive().optional(), name: z.string().nullish() }).nullish(),
})

export interface AgentBot {
  id: number
  name: string
  description: string | undefined
  outgoingUrl: string | undefined
  accountId: number | undefined
  accessToken: string | undefined
  secret: string | undefined
  systemBot: boolean
}

const toBot = (b: z.infer<typeof agentBotSchema>): AgentBot => ({
  id: b.id,
  name: b.name ?? '',
  description: b.description ?? undefined,
  outgoingUrl: b.outgoing_url ?? undefined,
  accountId: b.account_id ?? undefined,
  accessToken: typeof b.access_token === 'string' ? b.access_token : b.access_token?.token,
  secret: b.secret ?? undefined,
  systemBot: b.system_bot ?? false,
})

/** A failure told to the operator in one sentence; its message never holds a token or secret. */
export class SetupError extends Error {
  override readonly name = 'SetupError'
}

export interface AdminClientOptions {
  baseUrl: string
  adminToken: string
  accountId: number
  timeoutMs: number
  dispatcher?: Dispatcher | undefined
}

export interface AdminClient {
  listAgentBots (): Promise<AgentBot[]>
  getAgentBot (id: number): Promise<AgentBot>
  createAgentBot (body: { name: string, description: string, outgoing_url: string, bot_type: 'webhook' }): Promise<AgentBot>
  updateAgentBot (id: number, patch: { outgoing_url?: string, description?: string }): Promise<AgentBot>
  resetSecret (id: number): Promise<AgentBot>
  /** The id of the bot connected to the inbox, or undefined. */
  inboxAgentBot (inboxId: number): Promise<{ id: number, name: string | undefined } | undefined>
  setInboxAgentBot (inboxId: number, botId: number): Promise<void>
}

const READ_RETRY = { attempts: 3, baseDelayMs: 300, maxDelayMs: 3000 }
const WRITE_ONCE = { attempts: 1, baseDelayMs: 0, maxDelayMs: 0 }

export function createAdminClient (options: AdminClientOptions): AdminClient {
  const base = options.baseUrl.replace(/\/+$/, '')
  const account = `/api/v1/accounts/${options.accountId}`

  /** What a 404 means for this call. */
  type Subject = { kind: 'account' } | { kind: 'inbox', id: number } | { kind: 'bot', id: number }

  const explain = (err: unknown, operation: string, subject: Subject): never => {
    if (!(err instanceof UpstreamError)) throw err
    if (err.status === 401) {
      throw new SetupError(`Chatwoot answered 401 to ${operation}: the admin token is wrong or not an administrator's ` +
        `(of account ${options.accountId}). Use the access token of an administrator of that account (Profile settings → Access Token).`)
    }
    if (err.status === 404) {
      if (subject.kind === 'inbox') throw new SetupError(`inbox ${subject.id} was not found in account ${options.accountId} (Chatwoot answered 404 to ${operation}); check --inboxes`)
      if (subject.kind === 'bot') throw new SetupError(`agent bot ${subject.id} was not found in account ${options.accountId} (Chatwoot answered 404 to ${operation}); was it deleted meanwhile? Run again`)
      throw new SetupError(`account ${options.accountId} was not found at ${base} (Chatwoot answered 404 to ${operation}); check --account and --url`)
    }
    if (err.reason === 'invalid_response') {
      throw new SetupError(`Chatwoot's answer to ${operation} is not what this command expects (${err.detail ?? 'unreadable'}); is ${base} a Chatwoot?`)
    }
    if (err.status !== undefined) throw new SetupError(`Chatwoot answered ${err.status} to ${operation}`)
    throw new SetupError(`could not reach Chatwoot at ${base} for ${operation} (${err.reason}${err.code !== undefined ? ` ${err.code}` : ''})`)
  }

  async function call<T> (req: { operation: string, method: HttpMethod, path: string, template: string, subject: Subject, body?: unknown, schema: z.ZodType<T> }): Promise<T>
  async function call (req: { operation: string, method: HttpMethod, path: string, template: string, subject: Subject, body?: unknown }): Promise<undefined>
  async function call<T> (req: { operation: string, method: HttpMethod, path: string, template: string, subject: Subject, body?: unknown, schema?: z.ZodType<T> }): Promise<T | undefined> {
    const common = {
      target: 'chatwoot' as const,
      operation: req.operation,
      method: req.method,
      url: base + req.path,
      pathTemplate: req.template,
      headers: { api_access_token: options.adminToken },
      body: req.body,
      timeoutMs: options.timeoutMs,
      retry: req.method === 'GET' ? READ_RETRY : WRITE_ONCE,
      dispatcher: options.dispatcher,
    }
    try {
      if (req.schema === undefined) return await requestJson({ ...common, schema: undefined })
      return await requestJson({ ...common, schema: req.schema })
    } catch (err) {
      return explain(err, req.operation, req.subject)
    }
  }

  const ACCOUNT = '/api/v1/accounts/:account_id'
  return {
    async listAgentBots () {
      const bots = await call({ operation: 'GET agent_bots', method: 'GET', path: `${account}/agent_bots`, template: `${ACCOUNT}/agent_bots`, subject: { kind: 'account' }, schema: agentBotListSchema })
      return bots.map(toBot)
    },
    async getAgentBot (id) {
      return toBot(await call({ operation: 'GET agent_bots/:id', method: 'GET', path: `${account}/agent_bots/${id}`, template: `${ACCOUNT}/agent_bots/:id`, subject: { kind: 'bot', id }, schema: agentBotSchema }))
    },
    async createAgentBot (body) {
      return toBot(await call({ operation: 'POST agent_bots', method: 'POST', path: `${account}/agent_bots`, template: `${ACCOUNT}/agent_bots`, subject: { kind: 'account' }, body, schema: agentBotSchema }))
    },
    async updateAgentBot (id, patch) {
      return toBot(await call({ operation: 'PATCH agent_bots/:id', method: 'PATCH', path: `${account}/agent_bots/${id}`, template: `${ACCOUNT}/agent_bots/:id`, subject: { kind: 'bot', id }, body: patch, schema: agentBotSchema }))
    },
    async resetSecret (id) {
      return toBot(await call({ operation: 'POST agent_bots/:id/reset_secret', method: 'POST', path: `${account}/agent_bots/${id}/reset_secret`, template: `${ACCOUNT}/agent_bots/:id/reset_secret`, subject: { kind: 'bot', id }, schema: agentBotSchema }))
    },
    async inboxAgentBot (inboxId) {
      const answer = await call({ operation: 'GET inboxes/:id/agent_bot', method: 'GET', path: `${account}/inboxes/${inboxId}/agent_bot`, template: `${ACCOUNT}/inboxes/:inbox_id/agent_bot`, subject: { kind: 'inbox', id: inboxId }, schema: inboxAgentBotSchema })
      const id = answer.agent_bot?.id
      return id === undefined ? undefined : { id, name: answer.agent_bot?.name ?? undefined }
    },
    async setInboxAgentBot (inboxId, botId) {
      await call({ operation: 'POST inboxes/:id/set_agent_bot', method: 'POST', path: `${account}/inboxes/${inboxId}/set_agent_bot`, template: `${ACCOUNT}/inboxes/:inbox_id/set_agent_bot`, subject: { kind: 'inbox', id: inboxId }, body: { agent_bot: botId } })
    },
  }
}
