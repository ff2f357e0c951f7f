// Process entry: the only place that reads process.env. Loads config, builds the app, listens,
// and shuts down gracefully on SIGTERM/SIGINT.
import closeWithGrace from 'close-with-grace'
import { pino } from 'pino'
import { buildApp, loggerOptions } from './app.js'
import { ConfigError, loadConfig, type Config } from './config.js'

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

  const logger = pino(loggerOptions(config))
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
