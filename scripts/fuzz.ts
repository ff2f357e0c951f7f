// npm run fuzz: the webhook's property-based tests (test/fuzz) with many more runs and a random
// seed, printed first so a failure can be replayed: FUZZ_SEED=<seed> FUZZ_RUNS=<runs> npm run fuzz
// (add FUZZ_PATH=<path> from the failure report to replay only the shrunk counterexample).
import { spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../', import.meta.url))
const given = (name: string): string | undefined => {
  const v = process.env[name]?.trim()
  return v === undefined || v === '' ? undefined : v
}

const seed = given('FUZZ_SEED') ?? String(randomInt(2 ** 31))
const runs = given('FUZZ_RUNS') ?? '10000'
for (const [name, value] of [['FUZZ_SEED', seed], ['FUZZ_RUNS', runs]] as const) {
  if (!/^-?\d+$/.test(value)) {
    process.stderr.write(`${name} must be an integer, got ${value}\n`)
    process.exit(2)
  }
}
const path = given('FUZZ_PATH')
process.stdout.write(`fuzz: FUZZ_SEED=${seed} FUZZ_RUNS=${runs}${path !== undefined ? ` FUZZ_PATH=${path}` : ''}\n`)
process.stdout.write(`replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz\n`)

const child = spawn(process.execPath, [`${ROOT}node_modules/vitest/vitest.mjs`, 'run', 'test/fuzz'], {
  cwd: ROOT,
  env: { ...process.env, FUZZ_SEED: seed, FUZZ_RUNS: runs },
  stdio: 'inherit',
})
child.on('exit', (code, signal) => {
  if (code !== 0) process.stdout.write(`fuzz failed; replay: FUZZ_SEED=${seed} FUZZ_RUNS=${runs} npm run fuzz\n`)
  process.exit(code ?? (signal !== null ? 1 : 0))
})
