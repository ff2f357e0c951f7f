// The service under test as real processes: N replicas of the server entry on loopback ports, each
// logging to its own file. A replica can be killed with SIGKILL and started again on its port.
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, closeSync, openSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { request } from 'undici'

const spawned = new Set<ChildProcess>()

/** SIGKILLs every replica process this module started that is still running (an interrupted run). */
export function killSpawned (): void {
  for (const child of spawned) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
}

export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no free port')
  return address.port
}

export interface ReplicaCommand {
  /** Arguments after `node`, e.g. ['dist/server.js'] or ['--import', 'tsx', 'src/server.ts']. */
  readonly args: readonly string[]
  readonly cwd: string
}

export interface Replica {
  readonly index: number
  readonly port: number
  readonly url: string
  readonly logFile: string
  /** Up since its last start and not killed. */
  alive (): boolean
  start (): Promise<void>
  /** SIGKILL, no goodbye; resolves once the process is gone. */
  kill (): Promise<void>
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with how it ended. */
  stop (graceMs: number): Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

async function ready (url: string, child: ChildProcess, logFile: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`replica ${url} exited during start-up (see ${logFile})`)
    try {
      const res = await request(`${url}/api/v1/readiness`, { headersTimeout: 1000, bodyTimeout: 1000 })
      await res.body.dump()
      if (res.statusCode === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`replica ${url} not ready within ${timeoutMs} ms (see ${logFile})`)
}

export function createReplica (index: number, port: number, command: ReplicaCommand, env: Record<string, string>, logDir: string, startTimeoutMs = 20_000): Replica {
  const url = `http://127.0.0.1:${port}`
  const logFile = join(logDir, `replica-${index}.log`)
  let child: ChildProcess | undefined
  let exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }> = Promise.resolve({ code: null, signal: null })
  let up = false

  const isRunning = (): boolean => child !== undefined && child.exitCode === null && child.signalCode === null

  return {
    index,
    port,
    url,
    logFile,
    alive: () => up && isRunning(),
    async start () {
      appendFileSync(logFile, `--- chaos: replica ${index} starting on port ${port} at ${new Date().toISOString()}\n`)
      const fd = openSync(logFile, 'a')
      try {
        child = spawn(process.execPath, [...command.args], {
          cwd: command.cwd,
          env: { ...env, APP_PORT: String(port) },
          stdio: ['ignore', fd, fd],
        })
      } finally {
        closeSync(fd)
      }
      const c = child
      spawned.add(c)
      exited = new Promise((resolve) => c.once('exit', (code, signal) => {
        up = false
        spawned.delete(c)
        resolve({ code, signal })
      }))
      await ready(url, c, logFile, startTimeoutMs)
      up = true
    },
    async kill () {
      if (!isRunning()) return
      up = false
      child?.kill('SIGKILL')
      await exited
      appendFileSync(logFile, `--- chaos: replica ${index} killed (SIGKILL) at ${new Date().toISOString()}\n`)
    },
    async stop (graceMs) {
      if (!isRunning()) return await exited
      up = false
      child?.kill('SIGTERM')
      const timer = setTimeout(() => child?.kill('SIGKILL'), graceMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
  }
}
