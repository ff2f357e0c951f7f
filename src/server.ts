// Process entry: the only place that reads process.env. Loads config, builds the app, listens,
// and shuts down gracefully on SIGTERM/SIGINT. Started by bin/start.mjs (`npm start`, the image),
// which applies the Node flags and reads .env.
import closeWithGrace from 'close-with-grace'
import { pino, type DestinationStream } from 'pino'
import { missingNodeFlags } from '../bin/node-flags.mjs'
import { buildApp, loggerOptions } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'

const LEVEL_NAMES: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }
const LEVEL_COLORS: Record<number, string> = { 10: '90', 20: '90', 30: '32', 40: '33', 50: '31', 60: '35' }

/** A field's value as it reads best on one line: bare strings and numbers, JSON for the rest. */
const fieldText = (value: unknown): string => typeof value === 'string' && /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)

/** A pino JSON record as `12:00:00.000 INFO  message key=value…`, with an error's stack below it. */
function prettyLine (json: string, color: boolean): string {
  let record: Record<string, unknown>
  try {
    record = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json
  }
  const { level, time, msg, err, pid, hostname, ...fields } = record
  const levelNumber = typeof level === 'number' ? level : 30
  const name = (LEVEL_NAMES[levelNumber] ?? String(level)).padEnd(5)
  const at = new Date(typeof time === 'number' ? time : Date.now())
  const clock = `${at.toTimeString().slice(0, 8)}.${String(at.getMilliseconds()).padStart(3, '0')}`
  const head = [clock, color ? `\u001b[${LEVEL_COLORS[levelNumber] ?? '0'}m${name}\u001b[0m` : name, typeof msg === 'string' ? msg : '']
  const rest = Object.entries(fields).map(([key, value]) => `${key}=${fieldText(value)}`)
  const stack = typeof err === 'object' && err !== null && 'stack' in err ? `\n    ${String(err.stack).replaceAll('\n', '\n    ')}` : ''
  return `${[...head, ...rest].join(' ')}${stack}\n`
}

/**
 * Where log records go: readable lines on a terminal in development (the 20 lines above instead of
 * pino-pretty, which would otherwise ship in the image or need a guarded dev-only import), and
 * JSON lines everywhere else (a pipe, a file, a container's log, production).
 */
function logDestination (): DestinationStream | undefined {
  if (process.stdout.isTTY !== true || process.env['NODE_ENV'] === 'production') return undefined
  const color = process.env['NO_COLOR'] === undefined || process.env['NO_COLOR'] === ''
  return { write: (line: string) => { process.stdout.write(prettyLine(line, color)) } }
}

/** `node dist/server.js` by hand runs without the memory flags that bin/start.mjs applies: say so. */
function warnIfStartedWithoutFlags (logger: pino.Logger): void {
  if (!import.meta.url.endsWith('/dist/server.js')) return
  const missing = missingNodeFlags(process.execArgv, process.env['NODE_OPTIONS'] ?? '')
  if (missing.length > 0) logger.warn({ missing }, 'Started without the service\'s Node flags: start it with `npm start` or `node bin/start.mjs`')
}

async function main (): Promise<void> {
  let config: Config
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`)
      process.exit(1)
    }
    throw err
  }

  const logger = pino(loggerOptions(config), logDestination())
  warnIfStartedWithoutFlags(logger)
  for (const warning of config.warnings) logger.warn(warning)

  const app = await buildApp({ config, deps: { logger } })

  closeWithGrace({ delay: config.http.shutdownTimeoutMs + 2000 }, async ({ signal, err }) => {
    if (err !== undefined) logger.error({ err }, 'Shutting down after an error')
    else logger.info({ signal }, 'Shutting down')
    // Readiness turns 503 at once so the load balancer stops sending, then in-flight work drains.
    app.lifecycle.shuttingDown = true
    await app.close()
    logger.info('Shutdown complete')
  })

  await app.listen({ host: config.http.host, port: config.http.port })
}

main().catch((err: unknown) => {
  process.stderr.write(`Failed to start: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exit(1)
})
