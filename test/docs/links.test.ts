// The docs are a web of pages reached from the README: every relative link must land on a file of
// the repository (and on a heading, when it names one), and no page under docs/ may be an orphan.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, anchors, links, markdownFiles, read, resolveLink, slug } from './markdown.js'

const files = markdownFiles()

describe('slug and anchors (as GitHub renders them)', () => {
  it.each([
    ['Rate limits and `TRUST_PROXY`', 'rate-limits-and-trust_proxy'],
    ['Secrets: where they live, how to rotate them', 'secrets-where-they-live-how-to-rotate-them'],
    ['Talk to it: npm run chat', 'talk-to-it-npm-run-chat'],
    ['Delivery, timeouts and retries', 'delivery-timeouts-and-retries'],
    ['The scripted brain\'s limits', 'the-scripted-brains-limits'],
  ])('%s → #%s', (heading, anchor) => {
    expect(slug(heading)).toBe(anchor)
  })

  it('numbers duplicates and skips code blocks', () => {
    expect([...anchors('# A\n## A\n```bash\n# not a heading\n```\n### A\n')]).toEqual(['a', 'a-1', 'a-2'])
  })
})

describe('links in README.md and docs/', () => {
  const all = files.flatMap((from) => links(read(from)).map((target) => ({ from, target, to: resolveLink(from, target) })))
  const relativeLinks = all.flatMap((l) => (l.to === undefined ? [] : [{ ...l, to: l.to }]))

  it('finds the links it checks', () => {
    expect(relativeLinks.length).toBeGreaterThan(50)
  })

  it('every relative link points to a file of the repository', () => {
    const broken = relativeLinks.filter(({ to }) => to.file.startsWith('..') || !existsSync(join(ROOT, to.file)))
    expect(broken.map(({ from, target }) => `${from}: ${target}`)).toEqual([])
  })

  it('every anchor names a heading of its page', () => {
    const broken = relativeLinks.filter(({ to }) =>
      to.anchor !== undefined && to.file.endsWith('.md') && existsSync(join(ROOT, to.file)) && statSync(join(ROOT, to.file)).isFile() &&
      !anchors(read(to.file)).has(to.anchor))
    expect(broken.map(({ from, target }) => `${from}: ${target}`)).toEqual([])
  })

  it('no page is an orphan: every docs/ page is reached from README.md', () => {
    const reached = new Set<string>(['README.md'])
    const queue = ['README.md']
    while (queue.length > 0) {
      const page = queue.shift() as string
      for (const target of links(read(page))) {
        const to = resolveLink(page, target)
        if (to === undefined || !to.file.endsWith('.md') || reached.has(to.file) || !existsSync(join(ROOT, to.file))) continue
        reached.add(to.file)
        queue.push(to.file)
      }
    }
    expect(files.filter((f) => f.startsWith('docs') && !reached.has(f))).toEqual([])
  })

  it('no page points outside the repository (no shared notes of the sessions that wrote it)', () => {
    for (const from of files) expect(read(from), from).not.toMatch(/FACTS\.md|DESIGN\.md|\.\.\/shared\b|\/work\//)
  })
})

describe('docs/ pages cited by the code', () => {
  /** `docs/<page>.md` or `docs/<page>.md#<anchor>` written anywhere in the code, tests, scripts or compose files. */
  const citations = ['src', 'test', 'scripts', 'bench', 'bin', 'compose'].flatMap((dir) =>
    (readdirSync(join(ROOT, dir), { recursive: true }) as string[])
      .filter((f) => /\.(ts|mts|mjs|js|yml|yaml|json|conf)$|Dockerfile$/.test(f))
      .flatMap((f) => [...readFileSync(join(ROOT, dir, f), 'utf8').matchAll(/\bdocs\/([\w-]+\.md)(?:#([\w-]+))?/g)]
        .map((m) => ({ file: join(dir, f), page: `docs/${m[1] ?? ''}`, anchor: m[2] }))))

  it('name pages and headings that exist', () => {
    const broken = citations.filter(({ page, anchor }) => !existsSync(join(ROOT, page)) || (anchor !== undefined && !anchors(read(page)).has(anchor)))
    expect(broken.map(({ file, page, anchor }) => `${file}: ${page}${anchor === undefined ? '' : `#${anchor}`}`)).toEqual([])
  })
})
