// What `npm run setup:chatwoot` does, in order: read everything first (the bots, each inbox's bot),
// so a wrong token, account or inbox fails before anything changes; ask before the two changes that
// touch live traffic (a secret reset, taking an inbox from another bot); then create or update the
// bot, connect the inboxes, rotate if asked, and write (or print) the four variables.
import type { Dispatcher } from 'undici'
import { createAdminClient, SetupError, type AgentBot } from './admin-client.js'
import { DEFAULT_DESCRIPTION, looksPrivate, UsageError, type SetupOptions } from './args.js'
import { applyEnv, writeEnvFile, type EnvFile } from './env-file.js'

export interface Io {
  /** Progress for the operator (never a token or secret). */
  info (line: string): void
  warn (line: string): void
  /** `--print` output: the variables themselves. */
  data (line: string): void
  /** undefined when nobody can be asked (no terminal). */
  confirm: ((question: string) => Promise<boolean>) | undefined
}

type Key = 'CHATWOOT_BASE_URL' | 'CHATWOOT_ACCOUNT_ID' | 'CHATWOOT_ACCESS_TOKEN' | 'CHATWOOT_WEBHOOK_SECRET'
const SECRET_KEYS: ReadonlySet<Key> = new Set(['CHATWOOT_ACCESS_TOKEN', 'CHATWOOT_WEBHOOK_SECRET'])

const list = (v: string | undefined): string[] => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
const hidden = (value: string): string => {
  const n = list(value).length
  return n > 1 ? `hidden, ${n} values` : `hidden, ${value.length} characters`
}
const quote = (s: string): string => JSON.stringify(s)

export async function runSetup (opts: SetupOptions, envFile: EnvFile, io: Io, dispatcher?: Dispatcher): Promise<void> {
  const client = createAdminClient({ baseUrl: opts.baseUrl, adminToken: opts.adminToken, accountId: opts.accountId, timeoutMs: opts.timeoutMs, dispatcher })
  const from = (source: 'flag' | 'env' | 'env-file'): string => (source === 'env-file' ? ` (from ${opts.envFile})` : '')
  io.info(`Chatwoot ${opts.baseUrl}${from(opts.baseUrlFrom)}, account ${opts.accountId}${from(opts.accountFrom)}`)

  // 1. Read: the bot, each inbox's bot.
  const named = (await client.listAgentBots()).filter((b) => !b.systemBot && b.accountId === opts.accountId && b.name === opts.name)
  let existing: AgentBot | undefined = named[0]
  if (named.length > 1) {
    const sameUrl = named.filter((b) => b.outgoingUrl === opts.outgoingUrl)
    if (sameUrl.length !== 1) {
      throw new SetupError(`account ${opts.accountId} has ${named.length} agent bots named ${quote(opts.name)} (ids ${named.map((b) => b.id).join(', ')}); ` +
        'delete or rename the extra ones in Chatwoot, or pass --name')
    }
    existing = sameUrl[0]
  }
  const inboxes: Array<{ id: number, current: { id: number, name: string | undefined } | undefined }> = []
  for (const id of opts.inboxIds) inboxes.push({ id, current: await client.inboxAgentBot(id) })

  // Rotation needs the secret Chatwoot signs with now: queued deliveries keep carrying it.
  let preReset: AgentBot | undefined
  if (opts.rotateSecret && existing !== undefined) {
    preReset = existing.secret !== undefined ? existing : await client.getAgentBot(existing.id)
    if (preReset.secret === undefined) {
      throw new SetupError('Chatwoot shows no secret for this bot, so there is nothing to rotate: Chatwoot is older than 4.13 ' +
        '(it signs nothing; see WEBHOOK_PATH_TOKEN in the README), or the token is not an administrator\'s')
    }
  }

  // 2. Ask before what changes live traffic.
  const questions: string[] = []
  if (preReset !== undefined) {
    questions.push(`Reset the secret of agent bot ${quote(opts.name)} (id ${preReset.id})? Chatwoot signs with the new one at once; ` +
      'replicas still running with the old value refuse deliveries until they are restarted with the new one.')
  }
  for (const inbox of inboxes) {
    if (inbox.current !== undefined && inbox.current.id !== existing?.id) {
      questions.push(`Inbox ${inbox.id} is connected to another agent bot (${inbox.current.name !== undefined ? quote(inbox.current.name) + ', ' : ''}id ${inbox.current.id}). Connect it to ${quote(opts.name)} instead?`)
    }
  }
  if (questions.length > 0 && !opts.yes) {
    if (io.confirm === undefined) throw new UsageError(`${questions.join('\n')}\nNo terminal to ask: pass --yes to go ahead.`)
    for (const q of questions) {
      if (!await io.confirm(q)) throw new SetupError('stopped: nothing was changed')
    }
  }

  // 3. The bot.
  let changed = false
  let bot: AgentBot
  let created = false
  if (existing === undefined) {
    bot = await client.createAgentBot({ name: opts.name, description: opts.description ?? DEFAULT_DESCRIPTION, outgoing_url: opts.outgoingUrl, bot_type: 'webhook' })
    created = true
    changed = true
    io.info(`agent bot ${quote(opts.name)}: created (id ${bot.id}), outgoing_url ${opts.outgoingUrl}`)
  } else {
    const patch: { outgoing_url?: string, description?: string } = {}
    if (existing.outgoingUrl !== opts.outgoingUrl) patch.outgoing_url = opts.outgoingUrl
    if (opts.description !== undefined && (existing.description ?? '') !== opts.description) patch.description = opts.description
    if (Object.keys(patch).length > 0) {
      bot = await client.updateAgentBot(existing.id, patch)
      changed = true
      const what = [
        patch.outgoing_url !== undefined ? `outgoing_url ${existing.outgoingUrl ?? '(none)'} → ${patch.outgoing_url}` : undefined,
        patch.description !== undefined ? 'description' : undefined,
      ].filter((s) => s !== undefined).join(', ')
      io.info(`agent bot ${quote(opts.name)} (id ${existing.id}): updated ${what}`)
    } else {
      bot = existing
      io.info(`agent bot ${quote(opts.name)} (id ${existing.id}): unchanged, outgoing_url ${opts.outgoingUrl}`)
    }
  }

  // 4. The inboxes.
  for (const inbox of inboxes) {
    if (inbox.current?.id === bot.id) {
      io.info(`inbox ${inbox.id}: unchanged (already connected)`)
      continue
    }
    await client.setInboxAgentBot(inbox.id, bot.id)
    changed = true
    io.info(`inbox ${inbox.id}: connected${inbox.current !== undefined ? ` (was agent bot ${inbox.current.id})` : ''}`)
  }

  // 5. Token and secret: from the create/update answer, or the show answer.
  if (bot.accessToken === undefined || bot.secret === undefined) bot = await client.getAgentBot(bot.id)
  if (bot.accessToken === undefined) {
    throw new SetupError(`Chatwoot did not show the bot's access token: the admin token is not an administrator's of account ${opts.accountId}`)
  }
  const currentSecrets = list(envFile.get('CHATWOOT_WEBHOOK_SECRET'))
  let secretValue: string | undefined
  let rotated = false
  if (opts.rotateSecret && created) {
    io.info('secret: not rotated, the bot was just created and its secret is new')
  }
  if (preReset?.secret !== undefined) {
    const old = preReset.secret
    const reset = await client.resetSecret(bot.id)
    changed = true
    if (reset.secret === undefined || reset.secret === old) {
      throw new SetupError('Chatwoot answered reset_secret without a new secret; check the bot in Chatwoot (Settings → Bots) and run again')
    }
    secretValue = `${reset.secret},${old}`
    rotated = true
    io.info(`secret: reset in Chatwoot (id ${bot.id})`)
  } else if (bot.secret !== undefined) {
    // Mid-rollover lists (new,old) are kept as they are while they still hold Chatwoot's secret.
    secretValue = currentSecrets.includes(bot.secret) ? currentSecrets.join(',') : bot.secret
  } else {
    io.warn('Chatwoot shows no secret for this bot: it is older than 4.13 and signs nothing. CHATWOOT_WEBHOOK_SECRET is left as it is; ' +
      'see WEBHOOK_PATH_TOKEN in the README, or upgrade Chatwoot and run this again.')
  }

  // 6. The variables.
  const wanted: Array<[Key, string]> = [
    ['CHATWOOT_BASE_URL', opts.baseUrl],
    ['CHATWOOT_ACCOUNT_ID', String(opts.accountId)],
    ['CHATWOOT_ACCESS_TOKEN', bot.accessToken],
  ]
  if (secretValue !== undefined) wanted.push(['CHATWOOT_WEBHOOK_SECRET', secretValue])
  const same = (key: Key, value: string): boolean => {
    const current = envFile.get(key)
    if (current === undefined) return false
    if (key === 'CHATWOOT_BASE_URL') return current.replace(/\/+$/, '') === value
    if (key === 'CHATWOOT_WEBHOOK_SECRET') return list(current).join(',') === value
    return current === value
  }
  const describe = (key: Key, value: string): string => (SECRET_KEYS.has(key) ? `${key} (${hidden(value)})` : `${key}=${value}`)

  if (opts.print) {
    for (const [key, value] of wanted) io.data(`${key}=${value}`)
    io.info(`printed ${wanted.map(([k]) => k).join(', ')}; ${opts.envFile} was not touched`)
  } else {
    const updates = wanted.filter(([key, value]) => !same(key, value))
    for (const [key, value] of wanted) {
      if (!updates.some(([k]) => k === key)) io.info(`${opts.envFile}: ${key} unchanged`)
      else io.info(`${opts.envFile}: ${envFile.get(key) === undefined ? 'set' : 'updated'} ${describe(key, value)}`)
    }
    if (updates.length > 0) {
      const result = await writeEnvFile(envFile.path, applyEnv(envFile.content, updates))
      changed = true
      if (result.created) io.info(`${opts.envFile}: created with mode 0600`)
      else if ((result.mode & 0o077) !== 0) io.warn(`${opts.envFile} is readable by others (mode ${result.mode.toString(8)}); it holds secrets: chmod 600 ${opts.envFile}`)
    }
  }

  // 7. What the operator does next.
  if (rotated) {
    io.info('CHATWOOT_WEBHOOK_SECRET now holds the new secret and the old one (new,old), so deliveries signed with either verify.')
    io.info('Restart every replica with it now: Chatwoot signs new deliveries with the new secret already. Once every replica runs ' +
      'with the new value and a few minutes have passed (queued retries carry the old one), remove the second value and restart again.')
  } else if (currentSecrets.length > 1 && secretValue !== undefined && list(secretValue).length > 1) {
    io.info('CHATWOOT_WEBHOOK_SECRET still holds an older secret too: remove it once every replica runs with the current one.')
  }
  if (looksPrivate(opts.outgoingUrl)) {
    io.warn(`${opts.outgoingUrl} is a private address: Chatwoot >= 4.14 refuses to deliver there unless its own environment sets SAFE_FETCH_ALLOW_PRIVATE_NETWORK=true.`)
  }
  if (!changed) io.info('Nothing to do: Chatwoot and the env file were already set up (unchanged).')
  else if (!opts.print) io.info(`Done. Restart the service with ${opts.envFile} (node --env-file=${opts.envFile} dist/server.js; with compose: cd compose && docker compose up -d api).`)
  else io.info('Done.')
}
