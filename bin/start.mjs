#!/usr/bin/env node
// Starts the service the one way it should run (`npm start`, the image's CMD, or by hand):
//   1. builds dist/ when it is missing or older than src/, tsconfig*.json or package.json
//      (skipped where there is no src/, as in the image);
//   2. reads .env at the repository root when present, with Node's own loader; a variable already
//      set in the environment wins;
//   3. runs dist/server.js with the Node flags of bin/node-flags.mjs (with --dev, `npm run dev`:
//      no build, no flags, `tsx watch src/server.ts`). Where Node can replace the
//      process (process.execve, Node >= 22.15) it does, so the server keeps this PID and gets the
//      signals itself; elsewhere the server is a child and this process forwards signals and
//      returns its exit status.
// Plain JavaScript without dependencies: it runs before anything is compiled, and in the image.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { NODE_FLAGS } from './node-flags.mjs'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const SRC = join(ROOT, 'src')
const DIST = join(ROOT, 'dist')
const SERVER = join(DIST, 'server.js')
// Written after a build that succeeded, dated when it began: dist/ files alone cannot tell, since
// tsc emits them even when it reports errors.
const STAMP = join(DIST, '.build-stamp')
// The signals close-with-grace turns into a graceful shutdown that a supervisor or a terminal sends.
const FORWARDED_SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2']

const say = (line) => writeSync(2, `[start] ${line}\n`)

/** The newest modification time among the files and directories under `dir` (a deletion dates its directory). */
function newestUnder (dir) {
  let newest = statSync(dir).mtimeMs
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** The newest of the build's inputs: src/, every tsconfig*.json and package.json. */
function newestInput () {
  const rootFiles = readdirSync(ROOT).filter((name) => /^tsconfig.*\.json$/.test(name) || name === 'package.json')
  return Math.max(newestUnder(SRC), ...rootFiles.map((name) => statSync(join(ROOT, name)).mtimeMs))
}

/** Why dist/ needs a build, or undefined when it is up to date (or there is nothing to build from). */
function staleReason () {
  if (!existsSync(SRC)) return undefined
  if (!existsSync(SERVER) || !existsSync(STAMP)) return 'dist/ has no complete build'
  if (newestInput() > statSync(STAMP).mtimeMs) return 'src/ or the build configuration changed since the last build'
  return undefined
}

/** `npm run build` through the npm that runs us when there is one, so the build command stays in package.json. */
function runBuild () {
  const npmCli = process.env.npm_execpath
  const [command, ...args] = npmCli !== undefined && npmCli.endsWith('.js')
    ? [process.execPath, npmCli, 'run', 'build']
    : ['npm', 'run', 'build']
  return spawnSync(command, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], shell: process.platform === 'win32' })
}

function buildIfStale () {
  const reason = staleReason()
  if (reason === undefined) return
  if (!existsSync(join(ROOT, 'node_modules', 'typescript'))) {
    say(`${reason}, and TypeScript is not installed: run \`npm ci\` first`)
    process.exit(1)
  }
  say(`${reason}: building`)
  const began = new Date()
  rmSync(STAMP, { force: true })
  const result = runBuild()
  if (result.status !== 0) {
    say(`the build failed${result.error !== undefined ? ` (${result.error.message})` : ''}; not starting`)
    process.exit(result.status ?? 1)
  }
  mkdirSync(DIST, { recursive: true })
  writeFileSync(STAMP, '')
  utimesSync(STAMP, began, began)
}

/** Loads .env into process.env; names and values are never printed, only how many were added. */
function loadDotEnv () {
  const file = join(ROOT, '.env')
  if (!existsSync(file)) return
  if (typeof process.loadEnvFile !== 'function') {
    say(`.env not read: Node ${process.version} has no process.loadEnvFile (Node 20.12 or later)`)
    return
  }
  const before = new Set(Object.keys(process.env))
  process.loadEnvFile(file)
  const added = Object.keys(process.env).filter((name) => !before.has(name)).length
  say(`read .env: ${added} setting(s) added; variables already in the environment win`)
}

/** Runs the server as a child, passing our signals on and ending with its exit status. */
function superviseServer (args) {
  // Its own process group: a terminal's Ctrl-C then reaches the server once, through us. In ours it
  // would get SIGINT twice, and close-with-grace exits at once with 1 on a second signal.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'inherit', 'inherit'], detached: process.platform !== 'win32' })
  let last = { signal: '', at: 0 }
  const forward = (signal) => {
    // Under npm one Ctrl-C arrives twice within a millisecond (from the terminal, and forwarded by
    // npm); passed on twice, close-with-grace would take it for an impatient second one and exit 1.
    const now = Date.now()
    if (signal === last.signal && now - last.at < 500) return
    last = { signal, at: now }
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
  }
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward)
  child.once('error', (err) => {
    say(`could not start the server: ${err.message}`)
    process.exit(1)
  })
  child.once('exit', (code, signal) => {
    if (signal === null) process.exit(code ?? 1)
    // Die of the same signal, so whoever started us sees what happened to the server.
    process.removeAllListeners(signal)
    process.kill(process.pid, signal)
  })
}

/** The node arguments: the compiled server with the service's flags, or with --dev `tsx watch` on src/. */
function serverArgs (argv) {
  if (argv[0] === '--dev') return [...process.execArgv, join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'watch', join(SRC, 'server.ts'), ...argv.slice(1)]
  // Our own flags (--inspect…) after the service's, so one given on purpose wins.
  return [...NODE_FLAGS, ...process.execArgv, SERVER, ...argv]
}

function main () {
  const argv = process.argv.slice(2)
  if (argv[0] !== '--dev') buildIfStale()
  loadDotEnv()
  const args = serverArgs(argv)
  if (typeof process.execve === 'function') process.execve(process.execPath, [process.execPath, ...args], process.env)
  else superviseServer(args)
}

main()
