// A page that names a file of the repository (`src/lib/hmac.ts`, `compose/prometheus/alerts.yml`)
// must name one that exists: a rename without the docs is how a project layout goes stale.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, markdownFiles, read } from './markdown.js'

/** Files the reader creates (a copy of an example, a baseline of their own), not the repository's. */
const CREATED_BY_THE_READER = new Set(['compose/.env', 'evals/baseline.openai.json', 'playbooks/next.yaml'])
const TOP = ['src', 'test', 'scripts', 'bench', 'compose', 'evals', 'playbooks', 'bin', 'docs', '.ci']

/** Repository paths written in code, inline or in blocks (`src/…`, `npx tsx scripts/…`), without placeholders or globs. */
function namedPaths (text: string): string[] {
  const code = [...text.matchAll(/```[^\n]*\n([\s\S]*?)```|`([^`\n]+)`/g)].map((m) => m[1] ?? m[2] ?? '')
  return code.flatMap((c) => c.split(/[\s"'()=,[\]]+/))
    .map((p) => p.replace(/[.,:;)]+$/, ''))
    .filter((p) => TOP.some((top) => p.startsWith(`${top}/`)) && !/[*<>{}…$]/.test(p) && !CREATED_BY_THE_READER.has(p))
}

describe('file paths named in README.md and docs/', () => {
  const named = markdownFiles().flatMap((page) => namedPaths(read(page)).map((path) => ({ page, path })))

  it('finds the paths it checks', () => {
    expect(named.length).toBeGreaterThan(40)
  })

  it('every one exists', () => {
    expect(named.filter(({ path }) => !existsSync(join(ROOT, path))).map(({ page, path }) => `${page}: ${path}`)).toEqual([])
  })
})
