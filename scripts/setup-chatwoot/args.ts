// Flags, then environment variables, then (for the URL and account only) the env file being updated.
import { parseArgs } from 'node:util'

export const WEBHOOK_PATH = '/api/v1/webhooks/agentbot'
export const DEFAULT_NAME = 'MrDom SDR'
export const DEFAULT_DESCRIPTION = 'Automated SDR: qualifies leads and hands them to the sales team (MrDom SDR service)'

export const USAGE = `Usage: npm run setup:chatwoot -- [options]

Creates or updates this service's AgentBot in Chatwoot, connects it to inboxes and writes
CHATWOOT_BASE_URL, CHATWOOT_ACCOUNT_ID, CHATWOOT_ACCESS_TOKEN and CHATWOOT_WEBHOOK_SECRET into the
env file. Safe to run again: what is already right is left alone.

Required (flag, or environment variable):
  --url <url>             CHATWOOT_BASE_URL      Chatwoot's base URL, e.g. https://chat.example.com
  --admin-token <token>   CHATWOOT_ADMIN_TOKEN   an administrator's user access token (Profile settings)
  --account <id>          CHATWOOT_ACCOUNT_ID    the Chatwoot account id
  --inboxes <ids>         CHATWOOT_INBOX_IDS     comma-separated inbox ids the bot answers in
  --public-url <url>      SDR_PUBLIC_URL         this service's public base URL; the bot's outgoing_url
                                                 becomes <url>${WEBHOOK_PATH}
  --url and --account may also come from the env file's CHATWOOT_BASE_URL and CHATWOOT_ACCOUNT_ID.

Options:
  --name <name>           the bot's name, also how an existing bot is found [${DEFAULT_NAME}]
  --description <text>    the bot's description (an existing bot's is changed only when given)
  --env-file <path>       the file to update [.env]; created with mode 0600 when missing
  --print                 print the four variables instead of writing the env file
  --rotate-secret         reset the bot's secret in Chatwoot and write CHATWOOT_WEBHOOK_SECRET=new,old
  --yes                   do not ask before rotating the secret or taking an inbox from another bot
  --timeout-ms <ms>       deadline of one Chatwoot call [10000]
  -h, --help              this text

Exit codes: 0 done, 1 failed (Chatwoot refused, unreachable…), 2 bad usage.`

export class UsageError extends Error {
  override readonly name = 'UsageError'
}

export interface SetupOptions {
  baseUrl: string
  /** Where each of the URL and account came from, for the report. */
  baseUrlFrom: 'flag' | 'env' | 'env-file'
  adminToken: string
  accountId: number
  accountFrom: 'flag' | 'env' | 'env-file'
  inboxIds: number[]
  publicUrl: string
  outgoingUrl: string
  name: string
  /** undefined: keep an existing bot's description; a new bot gets DEFAULT_DESCRIPTION. */
  description: string | undefined
  envFile: string
  print: boolean
  rotateSecret: boolean
  yes: boolean
  timeoutMs: number
}

export type ParsedArgs = { help: true } | { help: false, options: (fromEnvFile: EnvFallback) => SetupOptions, envFile: string }
export interface EnvFallback { baseUrl: string | undefined, accountId: string | undefined }

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v.trim() === '' ? undefined : v.trim())

const httpUrl = (name: string, value: string): URL => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new UsageError(`${name} is not a URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${name} must be an http:// or https:// URL`)
  if (url.username !== '' || url.password !== '') throw new UsageError(`${name} must not carry a user name or password`)
  if (url.search !== '' || url.hash !== '') throw new UsageError(`${name} must not have a query or fragment`)
  return url
}

const positiveInt = (name: string, value: string): number => {
  if (!/^\d+$/.test(value.trim())) throw new UsageError(`${name} must be a positive integer, got "${value.slice(0, 20)}"`)
  const n = Number(value.trim())
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${name} must be a positive integer`)
  return n
}

/** Parses argv; the options are completed once the env file has been read (it may supply the URL and account). */
export function parseSetupArgs (argv: readonly string[], env: Record<string, string | undefined>): ParsedArgs {
  let values: Record<string, string | boolean | undefined>
  try {
    values = parseArgs({
      // A leading `--` comes from the npm script: it stops Node 20 from taking our --env-file for its
      // own (Node checks that file exists, even after the script name, and exits 9 when it does not).
      args: argv[0] === '--' ? argv.slice(1) : [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        url: { type: 'string' },
        'admin-token': { type: 'string' },
        account: { type: 'string' },
        inboxes: { type: 'string' },
        'public-url': { type: 'string' },
        name: { type: 'string' },
        description: { type: 'string' },
        'env-file': { type: 'string' },
        print: { type: 'boolean' },
        'rotate-secret': { type: 'boolean' },
        yes: { type: 'boolean' },
        'timeout-ms': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values
  } catch (err) {
    // parseArgs names the offending flag; it never echoes a value.
    throw new UsageError(err instanceof Error ? err.message.split('\n')[0] ?? 'bad arguments' : 'bad arguments')
  }
  if (values['help'] === true) return { help: true }
  const str = (key: string): string | undefined => nonEmpty(typeof values[key] === 'string' ? values[key] : undefined)
  const envFile = str('env-file') ?? '.env'

  const options = (fallback: EnvFallback): SetupOptions => {
    const problems: string[] = []
    const need = <T>(label: string, fn: () => T | undefined): T | undefined => {
      try {
        const v = fn()
        if (v === undefined) problems.push(`${label} is missing`)
        return v
      } catch (err) {
        problems.push(err instanceof UsageError ? err.message : String(err))
        return undefined
      }
    }

    const urlSource = str('url') !== undefined ? 'flag' : nonEmpty(env['CHATWOOT_BASE_URL']) !== undefined ? 'env' : 'env-file'
    const baseUrl = need('--url (CHATWOOT_BASE_URL)', () => {
      const raw = str('url') ?? nonEmpty(env['CHATWOOT_BASE_URL']) ?? nonEmpty(fallback.baseUrl)
      return raw === undefined ? undefined : httpUrl('--url', raw).href.replace(/\/+$/, '')
    })
    const adminToken = need('--admin-token (CHATWOOT_ADMIN_TOKEN)', () => str('admin-token') ?? nonEmpty(env['CHATWOOT_ADMIN_TOKEN']))
    const accountSource = str('account') !== undefined ? 'flag' : nonEmpty(env['CHATWOOT_ACCOUNT_ID']) !== undefined ? 'env' : 'env-file'
    const accountId = need('--account (CHATWOOT_ACCOUNT_ID)', () => {
      const raw = str('account') ?? nonEmpty(env['CHATWOOT_ACCOUNT_ID']) ?? nonEmpty(fallback.accountId)
      return raw === undefined ? undefined : positiveInt('--account', raw)
    })
    const inboxIds = need('--inboxes (CHATWOOT_INBOX_IDS)', () => {
      const raw = str('inboxes') ?? nonEmpty(env['CHATWOOT_INBOX_IDS'])
      if (raw === undefined) return undefined
      const ids = raw.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => positiveInt('--inboxes', s))
      if (ids.length === 0) return undefined
      return [...new Set(ids)]
    })
    const publicUrl = need('--public-url (SDR_PUBLIC_URL)', () => {
      const raw = str('public-url') ?? nonEmpty(env['SDR_PUBLIC_URL'])
      return raw === undefined ? undefined : httpUrl('--public-url', raw).href.replace(/\/+$/, '')
    })
    let timeoutMs = 10_000
    const rawTimeout = str('timeout-ms')
    if (rawTimeout !== undefined) {
      try {
        timeoutMs = positiveInt('--timeout-ms', rawTimeout)
      } catch (err) {
        problems.push((err as Error).message)
      }
    }
    const name = str('name') ?? DEFAULT_NAME
    if (name.length > 255) problems.push('--name is too long')

    if (problems.length > 0 || baseUrl === undefined || adminToken === undefined || accountId === undefined || inboxIds === undefined || publicUrl === undefined) {
      throw new UsageError(problems.join('\n'))
    }
    // A URL already ending in the webhook path is taken as the outgoing URL itself.
    const outgoingUrl = publicUrl.endsWith(WEBHOOK_PATH) ? publicUrl : publicUrl + WEBHOOK_PATH
    return {
      baseUrl,
      baseUrlFrom: urlSource,
      adminToken,
      accountId,
      accountFrom: accountSource,
      inboxIds,
      publicUrl,
      outgoingUrl,
      name,
      description: typeof values['description'] === 'string' ? values['description'] : undefined,
      envFile,
      print: values['print'] === true,
      rotateSecret: values['rotate-secret'] === true,
      yes: values['yes'] === true,
      timeoutMs,
    }
  }
  return { help: false, options, envFile }
}

/** Hosts Chatwoot >= 4.14 refuses to deliver to unless SAFE_FETCH_ALLOW_PRIVATE_NETWORK=true. */
export function looksPrivate (url: string): boolean {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '').toLowerCase()
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal')) return true
  if (!host.includes('.') && !host.includes(':')) return true // a compose service name such as `api`
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host)
  if (v4 !== null) {
    const [a, b] = [Number(v4[1]), Number(v4[2])]
    return a === 10 || a === 127 || a === 0 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)
  }
  return host === '::1' || host.startsWith('fc') || host.startsWith('fd') || host.startsWith('fe80')
}
