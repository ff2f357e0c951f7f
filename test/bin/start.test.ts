// bin/start.mjs, the launcher behind `npm start` and the image's CMD, run as a real process in a
// throwaway project: a package.json whose build copies src/server.js to dist/, and a stand-in
// server that prints what it was started with. The launcher is copied in unchanged.
import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, describe, expect, it } from 'vitest'
import { NODE_FLAGS } from '../../bin/node-flags.mjs'

const BIN = fileURLToPath(new URL('../../bin/', import.meta.url))

const BUILD = `import { appendFileSync, copyFileSync, existsSync, mkdirSync } from 'node:fs'
appendFileSync('build.log', 'built\\n')
if (existsSync('src/broken')) process.exit(2)
mkdirSync('dist', { recursive: true })
copyFileSync('src/server.js', 'dist/server.js')
`

// Handlers first, then the report: once the test reads the report, SIGTERM is handled.
const SERVER = `process.on('SIGTERM', () => { process.stdout.write('closing\\n'); setTimeout(() => process.exit(0), 100) })
process.on('SIGINT', () => { process.stdout.write('interrupted\\n'); setTimeout(() => process.exit(0), 300) })
setInterval(() => {}, 1000)
const env = Object.fromEntries(['APP_PORT', 'FROM_BOTH', 'ONLY_ENV'].map((name) => [name, process.env[name]]))
process.stdout.write(JSON.stringify({ pid: process.pid, execArgv: process.execArgv, argv: process.argv.slice(2), env }) + '\\n')
if (process.env.EXIT_WITH !== undefined) process.exit(Number(process.env.EXIT_WITH))
if (process.env.DIE_OF !== undefined) process.kill(process.pid, process.env.DIE_OF)
`

interface Report { pid: number, execArgv: string[], argv: string[], env: Record<string, string | undefined> }
interface Run { pid: number | undefined, code: number | null, signal: NodeJS.Signals | null, stdout: string, stderr: string, reports: Report[] }

const dirs: string[] = []
afterEach(() => { for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true }) })

function makeProject (): string {
  const dir = mkdtempSync(join(tmpdir(), 'sdr-start-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'bin'))
  for (const file of ['start.mjs', 'node-flags.mjs']) copyFileSync(join(BIN, file), join(dir, 'bin', file))
  mkdirSync(join(dir, 'src'))
  writeFileSync(join(dir, 'src', 'server.js'), SERVER)
  writeFileSync(join(dir, 'build.mjs'), BUILD)
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'start-fixture', private: true, type: 'module', scripts: { build: 'node build.mjs' } }))
  writeFileSync(join(dir, 'tsconfig.json'), '{}\n')
  // The launcher refuses to build without TypeScript installed; the fixture's build needs none.
  mkdirSync(join(dir, 'node_modules', 'typescript'), { recursive: true })
  return dir
}

const builds = (dir: string): number => existsSync(join(dir, 'build.log')) ? readFileSync(join(dir, 'build.log'), 'utf8').split('\n').filter(Boolean).length : 0

/** Marks a file as changed now (a second ahead: the stamp may share the current millisecond). */
const touch = (path: string): void => utimesSync(path, new Date(Date.now() + 1000), new Date(Date.now() + 1000))

/** Starts the launcher; `onReport` runs once the server has printed what it was started with. */
function launch (dir: string, env: Record<string, string> = {}, onReport?: (launcherPid: number) => void): Promise<Run> {
  const child = spawn(process.execPath, ['bin/start.mjs', '--from-cli'], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { stderr += chunk })
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const reported = stdout.includes('{"pid"')
    stdout += chunk
    if (!reported && stdout.includes('{"pid"') && child.pid !== undefined) onReport?.(child.pid)
  })
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      const reports = stdout.split('\n').filter((line) => line.startsWith('{"pid"')).map((line) => JSON.parse(line) as Report)
      resolve({ pid: child.pid, code, signal, stdout, stderr, reports })
    })
  })
}

/** Runs until the server reports, then stops it with SIGTERM as Docker or a supervisor would. */
const launchAndStop = (dir: string, env: Record<string, string> = {}): Promise<Run> =>
  launch(dir, env, (pid) => process.kill(pid, 'SIGTERM'))

describe('bin/start.mjs', () => {
  it('builds when dist/ is missing, not on the next start, and again after a change in src/ or a tsconfig', async () => {
    const dir = makeProject()
    const first = await launchAndStop(dir)
    expect({ code: first.code, builds: builds(dir), reports: first.reports.length }).toEqual({ code: 0, builds: 1, reports: 1 })
    expect(first.stderr).toContain('building')

    const second = await launchAndStop(dir)
    expect({ code: second.code, builds: builds(dir), reports: second.reports.length }).toEqual({ code: 0, builds: 1, reports: 1 })
    expect(second.stderr).not.toContain('building')

    touch(join(dir, 'src', 'server.js'))
    expect((await launchAndStop(dir)).code).toBe(0)
    expect(builds(dir)).toBe(2)

    touch(join(dir, 'tsconfig.json'))
    expect((await launchAndStop(dir)).code).toBe(0)
    expect(builds(dir)).toBe(3)
  }, 60_000)

  it('runs the server with the Node flags and passes its own arguments on', async () => {
    const run = await launchAndStop(makeProject())
    expect(run.reports[0]?.execArgv).toEqual([...NODE_FLAGS])
    expect(run.reports[0]?.argv).toEqual(['--from-cli'])
    // Where Node can replace a process (22.15+, 24) the server is the launcher's own process, so
    // nothing stands between it and the signals; elsewhere it is a supervised child.
    if ('execve' in process) expect(run.reports[0]?.pid).toBe(run.pid)
    else expect(run.reports[0]?.pid).not.toBe(run.pid)
  }, 30_000)

  it('does not start after a failed build, and builds again next time', async () => {
    const dir = makeProject()
    writeFileSync(join(dir, 'src', 'broken'), '')
    const run = await launch(dir)
    expect({ code: run.code, reports: run.reports.length }).toEqual({ code: 2, reports: 0 })
    expect(run.stderr).toContain('the build failed')
    await launch(dir)
    expect(builds(dir)).toBe(2)
  }, 30_000)

  it('runs dist/ as it is where there is no src/ (the image)', async () => {
    const dir = makeProject()
    mkdirSync(join(dir, 'dist'))
    copyFileSync(join(dir, 'src', 'server.js'), join(dir, 'dist', 'server.js'))
    rmSync(join(dir, 'src'), { recursive: true })
    rmSync(join(dir, 'node_modules'), { recursive: true })
    const run = await launchAndStop(dir)
    expect({ code: run.code, builds: builds(dir), reports: run.reports.length }).toEqual({ code: 0, builds: 0, reports: 1 })
  }, 30_000)

  it('reads .env when present, the environment winning, and prints none of its values', async () => {
    const dir = makeProject()
    writeFileSync(join(dir, '.env'), '# written by setup:chatwoot\nAPP_PORT=8123\nFROM_BOTH=value-from-file\n')
    const run = await launchAndStop(dir, { FROM_BOTH: 'value-from-env', ONLY_ENV: 'yes' })
    expect(run.reports[0]?.env).toEqual({ APP_PORT: '8123', FROM_BOTH: 'value-from-env', ONLY_ENV: 'yes' })
    expect(run.stderr).toContain('read .env')
    expect(run.stderr).not.toMatch(/8123|value-from|APP_PORT|FROM_BOTH/)
  }, 30_000)

  it('without .env runs on the environment alone', async () => {
    const run = await launchAndStop(makeProject(), { APP_PORT: '9000' })
    expect(run.reports[0]?.env['APP_PORT']).toBe('9000')
    expect(run.stderr).not.toContain('.env')
  }, 30_000)

  it('passes SIGTERM to the server and exits 0 once it has closed', async () => {
    const run = await launchAndStop(makeProject())
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 0, signal: null })
    expect(run.stdout).toContain('closing')
  }, 30_000)

  // Only where the server is a child: with process.execve there is no launcher left to pass it on.
  it.skipIf('execve' in process)('passes a signal that arrives twice at once (a Ctrl-C under npm) on once', async () => {
    const run = await launch(makeProject(), {}, (pid) => {
      // 20 ms apart, as npm's forwarded copy follows the terminal's (sent together, the kernel merges them).
      process.kill(pid, 'SIGINT')
      setTimeout(() => process.kill(pid, 'SIGINT'), 20)
    })
    expect({ code: run.code, interrupts: run.stdout.split('\n').filter((line) => line === 'interrupted').length }).toEqual({ code: 0, interrupts: 1 })
  }, 30_000)

  it("ends with the server's exit code, or of the signal that ended it", async () => {
    const dir = makeProject()
    const failed = await launch(dir, { EXIT_WITH: '3' })
    expect({ code: failed.code, signal: failed.signal }).toEqual({ code: 3, signal: null })
    const killed = await launch(dir, { DIE_OF: 'SIGKILL' })
    expect({ code: killed.code, signal: killed.signal }).toEqual({ code: null, signal: 'SIGKILL' })
  }, 30_000)
})
