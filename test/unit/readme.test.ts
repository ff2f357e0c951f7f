// The README is the newcomer's entry point: its configuration table and its two commands must
// stay true to the code.
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { serviceNodeFlags } from '../../bench/service-command.js'
import { configVariables } from '../../src/config.js'

const root = fileURLToPath(new URL('../../', import.meta.url))
const readme = readFileSync(`${root}README.md`, 'utf8')
const scripts = (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts

/** Variables named in the first column of the "## Configuration" table. */
const documented = (): string[] => {
  const section = readme.split(/^## /m).find((s) => s.startsWith('Configuration')) ?? ''
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \|/gm)].map((m) => m[1] ?? '')
}

describe('README.md', () => {
  it('documents every variable of the config schema, and nothing else, in its configuration table', () => {
    expect(documented().sort()).toEqual([...configVariables].sort())
  })

  it('gives the start and test commands, and both are scripts that exist', () => {
    expect(readme).toContain('npm ci && npm start')
    expect(readme).toContain('npm test')
    // `npm start` runs what the image runs, Node flags included (the figures in README are of those flags).
    expect(scripts['start']).toBe(['node', ...serviceNodeFlags(), 'dist/server.js'].join(' '))
    expect(serviceNodeFlags()).toContain('--single-threaded-gc')
    expect(scripts['prestart']).toBe('npm run build')
    expect(scripts['test']).toMatch(/lint.*typecheck.*vitest run/)
  })

  it('has no unfilled placeholder sections', () => {
    expect(readme).not.toMatch(/^[A-Z_]{6,}$/m)
  })
})
