import { z } from 'zod'
import { REASONING_EFFORTS, type ReasoningEffort, type ResponseFormatMode, type TokenParam } from './clients/openai-params.js'

// One schema for the whole environment. Names and defaults follow the seed README's contract;
// everything else is documented in .env.example and the README's configuration table.

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1' || v === 'yes'))

const int = (fallback: number, min = 0) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? String(fallback) : v.trim()))
    .pipe(z.coerce.number<string>().int().min(min))

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()))

const optionalUrl = optionalString.pipe(z.url({ protocol: /^https?$/ }).optional())

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

export const envSchema = z.object({
  APP_ENV: z.enum(['dev', 'prod', 'test']).default('dev').describe('dev starts on embedded defaults; prod refuses to start without the required values'),
  APP_HOST: z.string().default('0.0.0.0').describe('Interface to listen on'),
  APP_PORT: int(8000, 0).describe('HTTP port'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ALLOWED_ORIGINS: list('http://localhost:3000').describe('Comma-separated CORS origins'),
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100).describe('How long SIGTERM waits for in-flight work before exiting'),
  HTTP_REQUEST_TIMEOUT_MS: int(10_000, 100).describe('Deadline for receiving a whole request, headers and body (408 and the socket closed past it)'),
  HTTP_CONNECTION_TIMEOUT_MS: int(20_000, 100).describe('A socket silent in both directions this long while a request is open is destroyed'),
  HTTP_KEEP_ALIVE_TIMEOUT_MS: int(72_000, 1000).describe('Idle keep-alive connections are closed after this long; keep it above the proxy\'s upstream idle timeout'),
  HTTP_MAX_HEADER_BYTES: int(16_384, 1024).describe('Largest request line plus header block accepted (431 above)'),
  TRUST_PROXY: optionalString.pipe(z.union([
    z.enum(['true', 'false']).transform((v) => v === 'true'),
    z.string().regex(/^\d{1,2}$/).transform(Number),
    z.string().regex(/^[0-9a-fA-F.:/,\s]+$/, 'must be true, false, a hop count or comma-separated addresses/CIDRs').transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== '')),
  ]).optional()).describe('Which proxies may set X-Forwarded-For (the client address the per-IP limit counts); unset = none'),

  CHATWOOT_BASE_URL: optionalUrl.describe('Chatwoot base URL, e.g. https://app.chatwoot.com (required in prod)'),
  CHATWOOT_WEBHOOK_SECRET: list('').describe('AgentBot secret(s), comma-separated for rotation (required in prod)'),
  CHATWOOT_ACCESS_TOKEN: optionalString.describe('AgentBot access token used to reply through the REST API'),
  CHATWOOT_ACCOUNT_ID: optionalString.pipe(z.coerce.number<string | undefined>().int().positive().optional()).describe('Restrict the bot to this account id'),
  CHATWOOT_USER_ACCESS_TOKEN: optionalString.describe('Optional agent/admin token: enables contact updates a bot token cannot make'),
  WEBHOOK_PATH_TOKEN: optionalString.pipe(z.string().min(32, 'must be at least 32 characters (unguessable)').optional())
    .describe('Chatwoot < 4.13 signs nothing: accept unsigned deliveries on /api/v1/webhooks/agentbot/<token> only'),
  WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS: int(300, 1).describe('Replay window for X-Chatwoot-Timestamp (both directions)'),
  WEBHOOK_BODY_LIMIT_BYTES: int(1_048_576, 1024).describe('Largest webhook body accepted (413 above)'),

  OPENAI_API_KEY: optionalString.describe('OpenAI key; without it the scripted brain answers (required in prod)'),
  OPENAI_MODEL: z.string().default('gpt-5-mini').describe('Chat completions model; reasoning models (o-series, gpt-5*) are asked as they require'),
  OPENAI_BASE_URL: optionalUrl.describe('OpenAI-compatible endpoint'),
  OPENAI_TIMEOUT_MS: int(15_000, 100).describe('Deadline of one model call, its one retry included; past it the scripted brain answers'),
  OPENAI_MAX_TOKENS: int(500, 50).describe('Largest answer the model may write (cost control); reasoning models get room to think on top'),
  OPENAI_TOKEN_PARAM: z.enum(['auto', 'max_completion_tokens', 'max_tokens']).default('auto')
    .describe('auto: max_completion_tokens on OpenAI and Azure and for reasoning models, max_tokens on other providers'),
  OPENAI_REASONING_EFFORT: z.enum(REASONING_EFFORTS).optional().describe('Reasoning models only; unset = minimal for gpt-5/-mini/-nano, low for the others'),
  OPENAI_RESPONSE_FORMAT: z.enum(['json_schema', 'json_object', 'none']).default('json_schema')
    .describe('json_schema unless the provider lacks it (a 400 naming response_format also falls back to json_object by itself)'),
  OPENAI_STARTUP_CHECK: bool(false).describe('true = one tiny completion at start-up: a wrong key, model or parameter is logged and shown in the readiness before leads arrive'),

  PLAYBOOK_PATH: optionalString.describe('The bot script (YAML or JSON), or a folder of them (one per inbox, one default); reloaded on change; unset = playbooks/default.yaml'),
  BOT_DEBOUNCE_MS: int(1500, 0).describe('Quiet time after a lead message before the bot answers, so a burst gets one answer'),
  BOT_MAX_WAIT_MS: int(6000, 0).describe('Longest a lead message waits for the debounce'),
  BOT_REPLY_PAUSES: bool(true).describe('false = the messages of a long reply go out without the playbook\'s pacing pauses between them (tests, evals)'),
  CONVERSATION_TTL_SECONDS: int(2_592_000, 60).describe('Idle conversations are forgotten after this long (default 30 days)'),
  CHATWOOT_TIMEOUT_MS: int(5000, 100).describe('Deadline of one Chatwoot API call'),
  N8N_TIMEOUT_MS: int(5000, 100).describe('Deadline of one n8n workflow call'),
  OUTBOUND_RETRY_ATTEMPTS: int(4, 1).describe('Attempts per Chatwoot/n8n call (5xx, 429, timeouts); 4xx are never retried'),

  N8N_BASE_URL: optionalUrl.describe('n8n base URL, e.g. http://localhost:5678'),
  N8N_API_KEY: optionalString.describe('Sent as X-N8N-API-KEY on workflow triggers'),
  N8N_WEBHOOK_LEAD_QUALIFIED: optionalString.describe('Path under N8N_BASE_URL or full URL; unset = not called'),
  N8N_WEBHOOK_HANDOFF: optionalString,
  N8N_WEBHOOK_LEAD_DISQUALIFIED: optionalString,
  N8N_WEBHOOK_MEETING_REQUESTED: optionalString,
  N8N_WEBHOOK_HANDOFF_UNANSWERED: optionalString.describe('Called once when no human answered a handoff within the playbook\'s watchdog time'),
  N8N_WEBHOOK_DATA_ERASED: optionalString.describe('Called when a contact\'s data was erased (their request or the admin endpoint), so the CRM erases too'),

  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()).describe('Unset = in-memory store (one instance only)'),
  REDIS_KEY_PREFIX: z.string().default('sdr:').describe('Prefix of every Redis key'),
  QUEUE_LEASE_MS: int(10_000, 1000).describe('Durable queue: a conversation lease without heartbeat lasts this long; a dead replica\'s work is taken over after it'),
  QUEUE_CONCURRENCY: int(32, 1).describe('Durable queue: conversations one replica works on at once'),
  QUEUE_MAX_ATTEMPTS: int(5, 1).describe('Durable queue: runs of a failing or stalled batch before it is handed to a human'),
  WORKER_ENABLED: bool(true).describe('false = this replica only takes webhooks into the durable queue and other replicas run conversations (needs REDIS_URL)'),
  ADMIN_API_TOKEN: optionalString.pipe(z.string().min(24, 'must be at least 24 characters').optional())
    .describe('Bearer token of the admin endpoints (contact data erasure); unset = those endpoints do not exist'),

  PROMETHEUS_ENABLED: bool(true),
  DEDUPE_TTL_SECONDS: int(300, 1),
  RATE_LIMIT_REQUESTS: int(60, 1).describe('Failed-signature requests allowed per IP per window'),
  RATE_LIMIT_WINDOW: int(60, 1).describe('Window of RATE_LIMIT_REQUESTS, seconds'),
  CONVERSATION_RATE_LIMIT_REQUESTS: int(20, 1).describe('Accepted lead messages per conversation per window'),
  CONVERSATION_RATE_LIMIT_WINDOW: int(60, 1),
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
const REQUIRED_IN_PROD: Record<string, string> = {
  CHATWOOT_BASE_URL: 'replies cannot be sent',
  CHATWOOT_WEBHOOK_SECRET: 'every signed delivery is refused',
  CHATWOOT_ACCESS_TOKEN: 'replies cannot be sent',
  OPENAI_API_KEY: 'the scripted brain answers',
}

/** Parses the environment once, reporting every problem together. */
export function loadConfig (rawEnv: Record<string, string | undefined> = {}): Config {
  // An empty value (`KEY=` in .env) means "use the default", for every variable alike.
  const env = Object.fromEntries(Object.entries(rawEnv).filter(([, v]) => v !== undefined && v.replace(/[\s,]/g, '') !== ''))
  const missing = Object.keys(REQUIRED_IN_PROD).filter((name) => env[name] === undefined)
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
  const e = parsed.data
  const warnings = missing.map((name) => `${name} is not set: ${REQUIRED_IN_PROD[name] ?? ''}`)
  if (e.REDIS_URL === undefined) warnings.push('REDIS_URL is not set: in-memory store, run a single instance only')
  if (e.WEBHOOK_PATH_TOKEN !== undefined) {
    warnings.push('WEBHOOK_PATH_TOKEN is set: UNSIGNED deliveries are accepted on the token path (Chatwoot < 4.13). Upgrade Chatwoot and unset it.')
  }

  return deepFreeze({
    env: e.APP_ENV,
    http: {
      host: e.APP_HOST,
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
  })
}

/** Every variable the schema knows, for docs and the compose consistency test. */
export const configVariables: readonly string[] = Object.keys(envSchema.shape)
