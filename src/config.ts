import { z } from 'zod'
import { REASONING_EFFORTS, type ReasoningEffort, type ResponseFormatMode, type TokenParam } from './clients/openai-params.js'

// One schema for the whole environment. Names and defaults follow the seed README's contract.
// Each setting's description is its documentation: `npm run docs:config` writes
// docs/configuration.md from it, and test/docs/configuration.test.ts keeps the two equal.

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'))

const orDefault = (fallback: number) => (v: string | undefined): string =>
  (v === undefined || v.trim() === '' ? String(fallback) : v.trim())

const int = (fallback: number, min = 0) =>
  z.string().optional().transform(orDefault(fallback)).pipe(z.coerce.number<string>().int().min(min))

/** A TCP port: a bad one is refused here with its value, not later by listen() with a stack trace. */
const port = (fallback: number) =>
  z.string().optional().transform(orDefault(fallback))
    .refine((v) => /^\d{1,5}$/.test(v) && Number(v) >= 1 && Number(v) <= 65535, {
      error: (issue) => `must be a whole number from 1 to 65535, got "${String(issue.input).slice(0, 20)}"`,
    })
    .transform(Number)

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

/** How a URL is shown in an error: scheme and host only, credentials masked, never the path or query. */
const showUrl = (u: URL): string => (u.host === ''
  ? `"${u.protocol}…"` // no authority ("user:pass@host" parses so): the rest may be a secret
  : `"${u.protocol}//${u.username !== '' || u.password !== '' ? '***@' : ''}${u.host}"`)

/** Why `value` is not a URL with one of `schemes` (undefined: it is one). Never echoes a secret. */
export function urlProblem (value: string, schemes: readonly string[], accepts: string): string | undefined {
  let u: URL
  try {
    u = new URL(value)
  } catch {
    return `must be ${accepts}, got something that is not a URL`
  }
  if (!schemes.includes(u.protocol.replace(/:$/, '').toLowerCase())) return `must be ${accepts}, got ${showUrl(u)}`
  if (u.hostname === '') return `must be ${accepts} with a host name, got ${showUrl(u)}`
  return undefined
}

const HTTP = { schemes: ['http', 'https'], accepts: 'an http:// or https:// URL' } as const
const REDIS = { schemes: ['redis', 'rediss'], accepts: 'a redis:// or rediss:// URL' } as const

const optionalUrl = ({ schemes, accepts }: { schemes: readonly string[], accepts: string }) =>
  optionalString.superRefine((v, ctx) => {
    const problem = v === undefined ? undefined : urlProblem(v, schemes, accepts)
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
  })

/** An n8n workflow: a path under N8N_BASE_URL, or a full http(s) URL. */
const workflowUrl = optionalString.superRefine((v, ctx) => {
  if (v === undefined || !/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) return
  const problem = urlProblem(v, HTTP.schemes, `a path under N8N_BASE_URL or ${HTTP.accepts}`)
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem })
})

const list = (fallback: string) =>
  z
    .string()
    .optional()
    .transform((v) =>
      (v === undefined || v.trim() === '' ? fallback : v)
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0)
    )

/** The interface to listen on when APP_HOST is unset: loopback in dev, every interface in the image. */
export const defaultHost = (nodeEnv: string | undefined): string => (nodeEnv === 'production' ? '0.0.0.0' : '127.0.0.1')

const serviceSettings = {
  APP_ENV: z.enum(['dev', 'prod', 'test']).default('dev').describe(
    '`dev`, `prod` or `test`. `dev` starts with whatever is set and logs a warning for each value that is missing. ' +
    '`prod` refuses to start (exit code 1, one message listing every missing or invalid value) without the values marked "required in prod". ' +
    '`test` is for the test suite.'),
  APP_HOST: optionalString.meta({
    default: '127.0.0.1, or 0.0.0.0 when NODE_ENV=production',
    description: 'Interface to listen on. Unset: 127.0.0.1 (this machine only) unless `NODE_ENV=production`, then 0.0.0.0 (every interface). ' +
      'The image sets `NODE_ENV=production` and `APP_HOST=0.0.0.0`. Set `0.0.0.0` to reach a dev instance from another machine or container.',
  }),
  APP_PORT: port(8000).describe('HTTP port, a whole number from 1 to 65535.'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')
    .describe('Log level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`. Health, readiness and metrics probes log at `debug`.'),
  ALLOWED_ORIGINS: list('http://localhost:3000').describe(
    'Comma-separated CORS origins. CORS applies to the health, readiness and metrics routes (a status page may call them); the webhook has none.'),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100).describe(
    'How long SIGTERM waits for in-flight work before exiting, in ms (min 100). Compose gives the container 20 s to stop.'),
  HTTP_REQUEST_TIMEOUT_MS: int(10_000, 100).describe(
    'Deadline for receiving a whole request, headers and body, in ms (min 100): past it 408 and the connection is closed, however slowly the client keeps sending (slowloris). ' +
    'Chatwoot gives up after 5 s anyway and a 1 MiB webhook arrives well within it; checked every quarter of it, at most every second.'),
  HTTP_CONNECTION_TIMEOUT_MS: int(20_000, 100).describe(
    'A socket silent in both directions this long while a request is open (a stalled client, one that does not read the answer) is destroyed without an answer, in ms (min 100). ' +
    'Keep it above the request deadline, so a slow sender gets its 408 first.'),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(72_000, 1000).describe(
    'Idle keep-alive connections are closed after this long, in ms (min 1000; advertised as `Keep-Alive: timeout=…`, and Node waits one more second). ' +
    'Keep it above the idle timeout of the proxy in front (nginx upstream `keepalive_timeout` and AWS ALB: 60 s), so the proxy closes first and never reuses a socket we are closing (a 502).'),
  HTTP_MAX_HEADER_BYTES: int(16_384, 1024).describe(
    'Largest request line plus headers, in bytes (min 1024): 431 above. A Chatwoot delivery\'s headers take a few hundred bytes. The default is Node\'s own.'),
  TRUST_PROXY: optionalString.pipe(z.union([
    z.enum(['true', 'false']).transform((v) => v === 'true'),
    z.string().regex(/^\d{1,2}$/).transform(Number),
    z.string().regex(/^[0-9a-fA-F.:/,\s]+$/, 'must be true, false, a hop count or comma-separated addresses/CIDRs').transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== '')),
  ]).optional()).describe(
    'Which proxies may set `X-Forwarded-For` (the client address the per-IP limit on failed signatures counts): `true`, a hop count (`1` = the proxy in front), or comma-separated addresses/CIDRs. ' +
    'Unset: none, the peer\'s own address. Compose sets `1`. Never `true` where clients reach the app directly: anyone could pick their own address.'),
}

const chatwootSettings = {
  CHATWOOT_BASE_URL: optionalUrl(HTTP).describe('Chatwoot base URL, e.g. `https://app.chatwoot.com` (http or https).'),
  CHATWOOT_WEBHOOK_SECRET: list('').describe(
    'The AgentBot\'s webhook secret (HMAC-SHA256 over the raw body). Comma-separated for rotation: `new,old` verifies deliveries signed with either. ' +
    '`npm run setup:chatwoot` writes it.'),
  CHATWOOT_ACCESS_TOKEN: optionalString.describe('The AgentBot\'s access token, used to reply through the Chatwoot REST API. `npm run setup:chatwoot` writes it.'),
  CHATWOOT_ACCOUNT_ID: optionalString.pipe(z.coerce.number<string | undefined>().int().positive().optional()).describe(
    'Only act on this Chatwoot account id (a positive integer). Unset: any account.'),
  CHATWOOT_USER_ACCESS_TOKEN: optionalString.describe(
    'An agent\'s or administrator\'s access token. It enables contact updates (name, e-mail, phone), which a bot token cannot make. Unset: the contact is not updated.'),
  WEBHOOK_PATH_TOKEN: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (unguessable)').optional()).describe(
    'Chatwoot < 4.13 only, which signs nothing: accept UNSIGNED deliveries on `/api/v1/webhooks/agentbot/<token>`. At least 32 unguessable characters (`openssl rand -hex 24`); ' +
    'a loud warning is logged at start-up ([Chatwoot](chatwoot.md#by-hand), step 5). Leave it unset on Chatwoot >= 4.13.'),
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: int(300, 1).describe(
    'Replay window for `X-Chatwoot-Timestamp`, in seconds, both directions (401 `stale_timestamp` / `future_timestamp` outside it).'),
  WEBHOOK_BODY_LIMIT_BYTES: int(1_048_576, 1024).describe('Largest webhook body accepted, in bytes (min 1024): 413 above.'),
}

const openaiSettings = {
  OPENAI_API_KEY: optionalString.describe('OpenAI API key. Without it the scripted brain answers.'),
  OPENAI_MODEL: z.string().default('gpt-5-mini').describe(
    'Chat completions model that reads each turn. Reasoning models (o-series, `gpt-5*`) are asked as they require ([OpenAI](openai.md)).'),
  OPENAI_BASE_URL: optionalUrl(HTTP).describe('An OpenAI-compatible endpoint (http or https). Unset: the official API.'),
  OPENAI_TIMEOUT_MS: int(15_000, 100).describe(
    'Deadline of one model call, its one retry included, in ms (min 100). Past it the scripted brain answers that turn.'),
  OPENAI_MAX_TOKENS: int(500, 50).describe(
    'Largest answer the model may write, in tokens (min 50; cost control). A reasoning model gets room to think on top.'),
  OPENAI_TOKEN_PARAM: z.enum(['auto', 'max_completion_tokens', 'max_tokens']).default('auto').describe(
    '`auto`, `max_completion_tokens` or `max_tokens`. `auto`: `max_completion_tokens` on OpenAI, Azure OpenAI and for reasoning models, `max_tokens` on other providers; ' +
    'a 400 naming the other one switches by itself.'),
  OPENAI_REASONING_EFFORT: z.enum(REASONING_EFFORTS).optional().meta({
    default: 'minimal for gpt-5, gpt-5-mini and gpt-5-nano; low for the others',
    description: '`none`, `minimal`, `low`, `medium`, `high` or `xhigh`, sent to reasoning models only.',
  }),
  OPENAI_RESPONSE_FORMAT: z.enum(['json_schema', 'json_object', 'none']).default('json_schema').describe(
    '`json_schema`, `json_object` or `none`. Change it only for a provider without structured outputs: ' +
    'a 400 naming `response_format` falls back to `json_object` (then `none`) by itself, and is logged once.'),
  OPENAI_STARTUP_CHECK: bool(false).describe(
    '`true`: one tiny completion at start-up. A wrong key, model or parameter is logged at error level and shown in `/api/v1/readiness` before leads arrive.'),
}

const botSettings = {
  PLAYBOOK_PATH: optionalString.meta({
    default: '`playbooks/default.yaml`',
    description: 'The bot\'s script (YAML or JSON), or a folder of them: one per Chatwoot inbox and one default ([Playbook](playbook.md)). ' +
      'Reloaded when it changes, without a restart; a broken edit is refused with an error log line and the last good playbook stays.',
  }),
  BOT_DEBOUNCE_MS: int(1500, 0).describe('Quiet time after a lead\'s message before the bot answers, in ms, so a burst of messages gets one answer.'),
  BOT_MAX_WAIT_MS: int(6000, 0).describe('Longest a message waits for that quiet time, in ms.'),
  BOT_REPLY_PAUSES: bool(true).describe(
    '`false`: the messages of a long reply go out one right after the other, without the playbook\'s `pacing` pauses (tests and evals set it; the reply is still split).'),
  CONVERSATION_TTL_SECONDS: int(2_592_000, 60).describe('Idle conversations are forgotten after this many seconds (min 60). The default is 30 days.'),
}

const outboundSettings = {
  CHATWOOT_TIMEOUT_MS: int(5000, 100).describe('Deadline of one Chatwoot API call, in ms (min 100).'),
  N8N_TIMEOUT_MS: int(5000, 100).describe('Deadline of one n8n workflow call, in ms (min 100).'),
  OUTBOUND_RETRY_ATTEMPTS: int(4, 1).describe(
    'Attempts per Chatwoot or n8n call on 5xx, 429 (`Retry-After` honoured) and timeouts, with exponential backoff and jitter. Other 4xx are never retried.'),
}

const workflow = (when: string) =>
  workflowUrl.describe(`A path under \`N8N_BASE_URL\` or a full http(s) URL, called ${when}. Unset: not called.`)

const n8nSettings = {
  N8N_BASE_URL: optionalUrl(HTTP).describe('n8n base URL, e.g. `http://localhost:5678` (http or https). Unset: workflows given as paths are not called.'),
  N8N_API_KEY: optionalString.describe('Sent as `X-N8N-API-KEY` on workflow calls, when set.'),
  N8N_WEBHOOK_LEAD_QUALIFIED: workflow('when a lead is qualified (`lead_qualified`)'),
  N8N_WEBHOOK_HANDOFF: workflow('when the conversation is handed to a human (`handoff`)'),
  N8N_WEBHOOK_LEAD_DISQUALIFIED: workflow('when a lead is disqualified or opts out (`lead_disqualified`)'),
  N8N_WEBHOOK_MEETING_REQUESTED: workflow('when a lead asks for a meeting (`meeting_requested`)'),
  N8N_WEBHOOK_HANDOFF_UNANSWERED: workflow('once when no human answered a handoff within the playbook\'s `handoff_watchdog` time (`handoff_unanswered`)'),
  N8N_WEBHOOK_DATA_ERASED: workflow('when a contact\'s data was erased, at their request or through the admin endpoint, so the CRM erases too (`data_erased`)'),
}

const redisSettings = {
  REDIS_URL: optionalUrl(REDIS).describe(
    'A `redis://` or `rediss://` URL. Unset: in-memory store and queue, so run ONE instance only. Needed for more than one replica (compose sets `redis://redis:6379/0`).'),
  REDIS_KEY_PREFIX: z.string().default('sdr:').describe('Prefix of every Redis key. Keep it distinct when several services share a Redis.'),
  QUEUE_LEASE_MS: int(10_000, 1000).describe(
    'Durable queue (with `REDIS_URL`): how long a replica\'s hold on a conversation lasts without renewal, in ms (min 1000; renewed every third of it). ' +
    'A dead replica\'s conversations are taken over after it ([Reliability](reliability.md)).'),
  QUEUE_CONCURRENCY: int(32, 1).describe('Durable queue: conversations one replica works on at once.'),
  QUEUE_MAX_ATTEMPTS: int(5, 1).describe(
    'Durable queue: runs of a failing or stalled batch (exponential backoff with jitter) before the conversation goes to a human with a private note.'),
  WORKER_ENABLED: bool(true).describe(
    '`false` makes a webhook-only replica: it takes deliveries into the durable queue and other replicas run the conversations, so intake and conversations scale apart. Needs `REDIS_URL`.'),
}

const adminAndLimitSettings = {
  ADMIN_API_TOKEN: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional()).describe(
    'Bearer token of the admin endpoints ([contact data erasure](erasure.md#the-admin-endpoint)), at least 24 characters. Unset: those endpoints do not exist (404).'),
  PROMETHEUS_ENABLED: bool(true).describe('Expose Prometheus metrics on `GET /metrics` (`true` or `false`; 404 when false).'),
  DEDUPE_TTL_SECONDS: int(300, 1).describe(
    'Webhook idempotency window (dedupe keys), in seconds (min 1). If you raise the timestamp tolerance, keep this at least twice it.'),
  RATE_LIMIT_REQUESTS: int(60, 1).describe(
    'Failed-signature (unauthenticated) requests allowed per IP per window; 429 past it. Signed deliveries never count.'),
  RATE_LIMIT_WINDOW: int(60, 1).describe('Window of `RATE_LIMIT_REQUESTS`, in seconds.'),
  CONVERSATION_RATE_LIMIT_REQUESTS: int(20, 1).describe('Accepted lead messages per conversation per window (protects the OpenAI budget).'),
  CONVERSATION_RATE_LIMIT_WINDOW: int(60, 1).describe('Window of `CONVERSATION_RATE_LIMIT_REQUESTS`, in seconds.'),
}

/** The settings in the order and groups docs/configuration.md shows them. */
export const envSections = [
  { title: 'Service and HTTP server', settings: serviceSettings },
  { title: 'Chatwoot and the webhook', settings: chatwootSettings },
  { title: 'OpenAI', settings: openaiSettings },
  { title: 'The bot', settings: botSettings },
  { title: 'Outbound calls', settings: outboundSettings },
  { title: 'n8n workflows', settings: n8nSettings },
  { title: 'Redis and the durable queue', settings: redisSettings },
  { title: 'Admin, metrics and limits', settings: adminAndLimitSettings },
] as const

export const envSchema = z.object({
  ...serviceSettings,
  ...chatwootSettings,
  ...openaiSettings,
  ...botSettings,
  ...outboundSettings,
  ...n8nSettings,
  ...redisSettings,
  ...adminAndLimitSettings,
})

export type Env = z.input<typeof envSchema>
type ParsedEnv = z.output<typeof envSchema>

export interface Config {
  readonly env: 'dev' | 'prod' | 'test'
  readonly http: {
    readonly host: string
    readonly port: number
    readonly allowedOrigins: readonly string[]
    readonly shutdownTimeoutMs: number
    /** Fastify's trustProxy: false, true, a hop count, or addresses/CIDRs. */
    readonly trustProxy: boolean | number | readonly string[]
    /** Whole request (headers and body) must arrive within this; then 408 and the socket closes. */
    readonly requestTimeoutMs: number
    /** Socket inactivity (either direction) while a request is open; then the socket is destroyed. */
    readonly connectionTimeoutMs: number
    /** Idle time between requests on a keep-alive connection before the server closes it. */
    readonly keepAliveTimeoutMs: number
    /** Largest request line plus headers, in bytes; above it 431. */
    readonly maxHeaderBytes: number
  }
  readonly logLevel: ParsedEnv['LOG_LEVEL']
  readonly webhook: {
    readonly secrets: readonly string[]
    readonly pathToken: string | undefined
    readonly timestampToleranceSeconds: number
    readonly bodyLimitBytes: number
  }
  readonly chatwoot: {
    readonly baseUrl: string | undefined
    readonly accessToken: string | undefined
    readonly userAccessToken: string | undefined
    readonly accountId: number | undefined
  }
  readonly openai: {
    readonly apiKey: string | undefined
    readonly model: string
    readonly baseUrl: string | undefined
    readonly timeoutMs: number
    readonly maxTokens: number
    /** undefined: decided from the model and the base URL. */
    readonly tokenParam: TokenParam | undefined
    readonly reasoningEffort: ReasoningEffort | undefined
    readonly responseFormat: ResponseFormatMode
    readonly startupCheck: boolean
  }
  readonly bot: {
    readonly playbookPath: string | undefined
    readonly debounceMs: number
    readonly maxWaitMs: number
    /** false: a reply's parts are posted without the playbook's pauses between them. */
    readonly replyPauses: boolean
    readonly conversationTtlSeconds: number
  }
  readonly outbound: { readonly chatwootTimeoutMs: number, readonly n8nTimeoutMs: number, readonly retryAttempts: number }
  readonly n8n: {
    readonly baseUrl: string | undefined
    readonly apiKey: string | undefined
    readonly webhooks: {
      readonly leadQualified: string | undefined
      readonly handoff: string | undefined
      readonly leadDisqualified: string | undefined
      readonly meetingRequested: string | undefined
      readonly handoffUnanswered: string | undefined
      readonly dataErased: string | undefined
    }
  }
  readonly redis: { readonly url: string | undefined, readonly keyPrefix: string }
  readonly queue: { readonly leaseMs: number, readonly concurrency: number, readonly maxAttempts: number }
  /** false: webhook-only replica (the durable queue is run by others). */
  readonly workerEnabled: boolean
  readonly admin: { readonly token: string | undefined }
  readonly metrics: { readonly enabled: boolean }
  readonly limits: {
    readonly dedupeTtlSeconds: number
    readonly ipRequests: number
    readonly ipWindowSeconds: number
    readonly conversationRequests: number
    readonly conversationWindowSeconds: number
  }
  /** What is not configured, for the start-up warning in dev. */
  readonly warnings: readonly string[]
}

export class ConfigError extends Error {
  readonly problems: readonly string[]
  constructor (problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`)
    this.name = 'ConfigError'
    this.problems = problems
  }
}

const deepFreeze = <T>(value: T): T => {
  if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/** What each variable prod requires is for; in dev its absence is only a warning. */
export const REQUIRED_IN_PROD: Readonly<Record<string, string>> = {
  CHATWOOT_BASE_URL: 'replies cannot be sent',
  CHATWOOT_WEBHOOK_SECRET: 'every signed delivery is refused',
  CHATWOOT_ACCESS_TOKEN: 'replies cannot be sent',
  OPENAI_API_KEY: 'the scripted brain answers',
}

/** The schema's verdict plus the rules across variables; throws one ConfigError listing every problem. */
function parseEnv (env: Record<string, string>, missing: readonly string[]): ParsedEnv {
  const parsed = envSchema.safeParse(env)
  const isProd = env['APP_ENV']?.trim() === 'prod'
  const problems = [
    ...(parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.') || '(env)'}: ${i.message}`)),
    ...(isProd ? missing.map((name) => `${name} is required when APP_ENV=prod`) : []),
  ]
  if (parsed.success && !parsed.data.WORKER_ENABLED && parsed.data.REDIS_URL === undefined) {
    problems.push('WORKER_ENABLED=false needs REDIS_URL: with the in-memory queue nobody else would run the conversations')
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems)
  return parsed.data
}

/** What is not configured, said once at start-up. */
function startupWarnings (e: ParsedEnv, missing: readonly string[]): string[] {
  const warnings = missing.map((name) => `${name} is not set: ${REQUIRED_IN_PROD[name] ?? ''}`)
  if (e.REDIS_URL === undefined) warnings.push('REDIS_URL is not set: in-memory store, run a single instance only')
  if (e.WEBHOOK_PATH_TOKEN !== undefined) {
    warnings.push('WEBHOOK_PATH_TOKEN is set: UNSIGNED deliveries are accepted on the token path (Chatwoot < 4.13). Upgrade Chatwoot and unset it.')
  }
  return warnings
}

/** Parses the environment once, reporting every problem together. */
export function loadConfig (rawEnv: Record<string, string | undefined> = {}): Config {
  // An empty value (`KEY=` in .env) means "use the default", for every variable alike.
  const env = Object.fromEntries(Object.entries(rawEnv).filter((kv): kv is [string, string] => kv[1] !== undefined && kv[1].replace(/[\s,]/g, '') !== ''))
  const missing = Object.keys(REQUIRED_IN_PROD).filter((name) => env[name] === undefined)
  const e = parseEnv(env, missing)
  return deepFreeze(toConfig(e, e.APP_HOST ?? defaultHost(rawEnv['NODE_ENV']), startupWarnings(e, missing)))
}

/** The parsed variables, arranged as the app reads them. */
function toConfig (e: ParsedEnv, host: string, warnings: readonly string[]): Config {
  return {
    env: e.APP_ENV,
    http: {
      host,
      port: e.APP_PORT,
      allowedOrigins: e.ALLOWED_ORIGINS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      trustProxy: e.TRUST_PROXY ?? false,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      connectionTimeoutMs: e.HTTP_CONNECTION_TIMEOUT_MS,
      keepAliveTimeoutMs: e.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxHeaderBytes: e.HTTP_MAX_HEADER_BYTES,
    },
    logLevel: e.LOG_LEVEL,
    webhook: {
      secrets: e.CHATWOOT_WEBHOOK_SECRET,
      pathToken: e.WEBHOOK_PATH_TOKEN,
      timestampToleranceSeconds: e.WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS,
      bodyLimitBytes: e.WEBHOOK_BODY_LIMIT_BYTES,
    },
    chatwoot: {
      baseUrl: e.CHATWOOT_BASE_URL,
      accessToken: e.CHATWOOT_ACCESS_TOKEN,
      userAccessToken: e.CHATWOOT_USER_ACCESS_TOKEN,
      accountId: e.CHATWOOT_ACCOUNT_ID,
    },
    openai: {
      apiKey: e.OPENAI_API_KEY,
      model: e.OPENAI_MODEL,
      baseUrl: e.OPENAI_BASE_URL,
      timeoutMs: e.OPENAI_TIMEOUT_MS,
      maxTokens: e.OPENAI_MAX_TOKENS,
      tokenParam: e.OPENAI_TOKEN_PARAM === 'auto' ? undefined : e.OPENAI_TOKEN_PARAM,
      reasoningEffort: e.OPENAI_REASONING_EFFORT,
      responseFormat: e.OPENAI_RESPONSE_FORMAT,
      startupCheck: e.OPENAI_STARTUP_CHECK,
    },
    bot: {
      playbookPath: e.PLAYBOOK_PATH,
      debounceMs: e.BOT_DEBOUNCE_MS,
      maxWaitMs: e.BOT_MAX_WAIT_MS,
      replyPauses: e.BOT_REPLY_PAUSES,
      conversationTtlSeconds: e.CONVERSATION_TTL_SECONDS,
    },
    outbound: { chatwootTimeoutMs: e.CHATWOOT_TIMEOUT_MS, n8nTimeoutMs: e.N8N_TIMEOUT_MS, retryAttempts: e.OUTBOUND_RETRY_ATTEMPTS },
    n8n: {
      baseUrl: e.N8N_BASE_URL,
      apiKey: e.N8N_API_KEY,
      webhooks: {
        leadQualified: e.N8N_WEBHOOK_LEAD_QUALIFIED,
        handoff: e.N8N_WEBHOOK_HANDOFF,
        leadDisqualified: e.N8N_WEBHOOK_LEAD_DISQUALIFIED,
        meetingRequested: e.N8N_WEBHOOK_MEETING_REQUESTED,
        handoffUnanswered: e.N8N_WEBHOOK_HANDOFF_UNANSWERED,
        dataErased: e.N8N_WEBHOOK_DATA_ERASED,
      },
    },
    redis: { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX },
    queue: { leaseMs: e.QUEUE_LEASE_MS, concurrency: e.QUEUE_CONCURRENCY, maxAttempts: e.QUEUE_MAX_ATTEMPTS },
    workerEnabled: e.WORKER_ENABLED,
    admin: { token: e.ADMIN_API_TOKEN },
    metrics: { enabled: e.PROMETHEUS_ENABLED },
    limits: {
      dedupeTtlSeconds: e.DEDUPE_TTL_SECONDS,
      ipRequests: e.RATE_LIMIT_REQUESTS,
      ipWindowSeconds: e.RATE_LIMIT_WINDOW,
      conversationRequests: e.CONVERSATION_RATE_LIMIT_REQUESTS,
      conversationWindowSeconds: e.CONVERSATION_RATE_LIMIT_WINDOW,
    },
    warnings,
  }
}

/** Every variable the schema knows, for docs and the compose consistency test. */
export const configVariables: readonly string[] = Object.keys(envSchema.shape)
