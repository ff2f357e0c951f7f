// The README is the newcomer's entry point: short enough to read in ten minutes, and its commands
// are scripts that exist (CI runs the test command it prints).
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, read } from './markdown.js'

const readme = read('README.md')
const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts

describe('README.md', () => {
  it('stays short: at most 12 000 bytes', () => {
    expect(Buffer.byteLength(readme)).toBeLessThanOrEqual(12_000)
  })

  it('gives the start and test commands, and both are scripts that exist', () => {
    expect(readme).toContain('npm ci && npm start')
    expect(readme).toMatch(/^npm test\b/m)
    expect(scripts['start']).toBeDefined()
    expect(scripts['test']).toMatch(/lint.*typecheck.*vitest run/)
  })

  it('shows how to talk to the bot and connect Chatwoot, with scripts that exist', () => {
    for (const name of ['chat', 'setup:chatwoot']) {
      expect(readme).toContain(`npm run ${name}`)
      expect(scripts[name], name).toBeDefined()
    }
  })

  it('names only source files that exist in its picture of the parts', () => {
    const picture = readme.split('## The parts')[1]?.split('\n## ')[0] ?? ''
    const named = [...picture.matchAll(/\b((?:[\w-]+\/)*[\w-]+\.ts)\b/g)].map((m) => m[1] ?? '')
    expect(named.length).toBeGreaterThan(10)
    // A bare name (openai-brain.ts) sits in a folder named earlier on its line: accept it anywhere in src/.
    const files = (readdirSync(join(ROOT, 'src'), { recursive: true }) as string[]).map((f) => f.split('\\').join('/'))
    expect(named.filter((n) => !files.includes(n) && !files.some((f) => f.endsWith(`/${n}`)))).toEqual([])
  })
})
