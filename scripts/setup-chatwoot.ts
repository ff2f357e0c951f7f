// `npm run setup:chatwoot`: creates or updates this service's AgentBot in Chatwoot (admin token),
// connects it to inboxes, and writes CHATWOOT_BASE_URL, CHATWOOT_ACCOUNT_ID, CHATWOOT_ACCESS_TOKEN and
// CHATWOOT_WEBHOOK_SECRET into .env (or prints them). Idempotent; `--rotate-secret` resets the bot's
// secret and writes new,old. The admin token is never printed; the bot's token and secret only with
// --print. Exit codes: 0 done, 1 failed, 2 bad usage. See `--help` and the README.
import { createInterface } from 'node:readline/promises'
import { SetupError } from './setup-chatwoot/admin-client.js'
import { parseSetupArgs, USAGE, UsageError } from './setup-chatwoot/args.js'
import { readEnvFile } from './setup-chatwoot/env-file.js'
import { runSetup, type Io } from './setup-chatwoot/run.js'

async function main (): Promise<number> {
  const parsed = parseSetupArgs(process.argv.slice(2), process.env)
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  let envFile
  try {
    envFile = await readEnvFile(parsed.envFile)
  } catch (err) {
    throw new SetupError(`cannot read ${parsed.envFile}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  const opts = parsed.options({ baseUrl: envFile.get('CHATWOOT_BASE_URL'), accountId: envFile.get('CHATWOOT_ACCOUNT_ID') })

  // With --print, stdout carries only the variables (so it can be redirected); progress goes to stderr.
  const progress = opts.print ? process.stderr : process.stdout
  const io: Io = {
    info: (line) => { progress.write(`${line}\n`) },
    warn: (line) => { process.stderr.write(`warning: ${line}\n`) },
    data: (line) => { process.stdout.write(`${line}\n`) },
    confirm: process.stdin.isTTY && process.stderr.isTTY
      ? async (question) => {
        const rl = createInterface({ input: process.stdin, output: process.stderr })
        try {
          return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim())
        } finally {
          rl.close()
        }
      }
      : undefined,
  }
  await runSetup(opts, envFile, io)
  return 0
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`setup:chatwoot: bad usage\n${err.message.split('\n').map((l) => `  ${l}`).join('\n')}\n\n${USAGE}\n`)
    process.exitCode = 2
  } else if (err instanceof SetupError) {
    process.stderr.write(`setup:chatwoot failed: ${err.message}\n`)
    process.exitCode = 1
  } else {
    // Unexpected: the class and message only (a stack could hold request details).
    process.stderr.write(`setup:chatwoot failed: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}\n`)
    process.exitCode = 1
  }
})
