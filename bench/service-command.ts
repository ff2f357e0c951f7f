// The command the image runs (compose/Dockerfile CMD, `node <flags> dist/server.js`): the bench
// starts the service with the same Node flags, so its figures are those of a deployment.
import { readFileSync } from 'node:fs'

export function serviceNodeFlags (): string[] {
  const dockerfile = readFileSync(new URL('../compose/Dockerfile', import.meta.url), 'utf8')
  const cmd = /^CMD\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1]
  const argv = cmd === undefined ? [] : JSON.parse(cmd) as unknown
  if (!Array.isArray(argv) || argv[0] !== 'node' || argv.at(-1) !== 'dist/server.js' || !argv.every((a) => typeof a === 'string')) {
    throw new Error(`compose/Dockerfile CMD is not ["node", …flags, "dist/server.js"]: ${cmd ?? 'none'}`)
  }
  return argv.slice(1, -1) as string[]
}
