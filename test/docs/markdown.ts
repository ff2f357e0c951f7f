// Reading our Markdown the way GitHub renders it, enough to check links: the links of a page (code
// left out) and the anchors its headings get.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))

/** README.md, SECURITY.md and every page under docs/, as paths relative to the repository. */
export function markdownFiles (): string[] {
  const walk = (dir: string): string[] => readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.md') ? [join(dir, e.name)] : [])
  return ['README.md', 'SECURITY.md', ...walk('docs')].filter((p) => existsSync(join(ROOT, p)))
}

export const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8')

/** The text without fenced code blocks, so a `# comment` in a shell block is not a heading. */
export const withoutFences = (text: string): string => text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '')

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug (heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')
}

/** Every anchor of a page, duplicates numbered as GitHub does (`x`, `x-1`, `x-2`). */
export function anchors (text: string): Set<string> {
  const seen = new Map<string, number>()
  const out = new Set<string>()
  for (const m of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(m[1] ?? '')
    const n = seen.get(base) ?? 0
    seen.set(base, n + 1)
    out.add(n === 0 ? base : `${base}-${n}`)
  }
  return out
}

/** The targets of the page's Markdown links, inline code and fenced code left out. */
export function links (text: string): string[] {
  const prose = withoutFences(text).replace(/`[^`\n]*`/g, '')
  return [...prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1] ?? '')
}

/** A link's file (relative to the repository) and anchor; undefined for a link that leaves the site. */
export function resolveLink (from: string, target: string): { file: string, anchor: string | undefined } | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined
  const [path = '', anchor] = target.split('#', 2)
  const file = path === '' ? from : relative(ROOT, join(ROOT, from, '..', decodeURIComponent(path)))
  return { file, anchor }
}
