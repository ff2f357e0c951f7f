import { mkdtemp, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import { buildLibrary, choosePlaybook, singlePlaybook } from '../../../src/conversation/playbook-library.js'
import { openPlaybookSource, type PlaybookSource } from '../../../src/conversation/playbook-source.js'
import { DEFAULT_PLAYBOOK_URL, parsePlaybook, PlaybookError } from '../../../src/conversation/playbook.js'
import { until } from '../../helpers/wait.js'

// Per-inbox playbooks and their reload from disk (issue #7, part 1), on real files in a temp folder.

const DEFAULT_TEXT = await readFile(DEFAULT_PLAYBOOK_URL, 'utf8')
type Data = Record<string, any>
const data = (): Data => parseYaml(DEFAULT_TEXT) as Data
const variant = (change: (d: Data) => void): string => {
  const d = data()
  change(d)
  return stringifyYaml(d)
}
const persona = (name: string, inboxes?: number[]) => variant((d) => {
  d['persona'].name = name
  if (inboxes !== undefined) d['inboxes'] = inboxes
})

interface Line { level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string }
function recorder () {
  const lines: Line[] = []
  const at = (level: Line['level']) => (obj: object, msg: string) => { lines.push({ level, obj: obj as Record<string, unknown>, msg }) }
  return { lines, log: { info: at('info'), warn: at('warn'), error: at('error') } }
}

const entry = (file: string, text: string) => ({ file, playbook: parsePlaybook(text, file) })

describe('buildLibrary / choosePlaybook', () => {
  it('answers an inbox with its own playbook and every other inbox (or none) with the default', () => {
    const lib = buildLibrary([entry('default.yaml', persona('Ana')), entry('b2b.yaml', persona('Bia', [3, 7]))], 'playbooks')
    expect(choosePlaybook(lib, 3).persona.name).toBe('Bia')
    expect(choosePlaybook(lib, 7).persona.name).toBe('Bia')
    expect(choosePlaybook(lib, 12).persona.name).toBe('Ana')
    expect(choosePlaybook(lib, undefined).persona.name).toBe('Ana')
  })

  it.each([
    ['no default', [entry('a.yaml', persona('A', [1]))], /no default playbook/],
    ['two defaults', [entry('a.yaml', persona('A')), entry('b.yaml', persona('B'))], /2 default playbooks \(a\.yaml, b\.yaml\)/],
    ['an inbox claimed twice', [entry('d.yaml', persona('D')), entry('a.yaml', persona('A', [3])), entry('b.yaml', persona('B', [4, 3]))], /inbox 3 is claimed by both a\.yaml and b\.yaml/],
    ['no file at all', [], /no playbook file/],
  ])('refuses %s with a PlaybookError', (_what, entries, message) => {
    expect(() => buildLibrary(entries, 'playbooks')).toThrow(PlaybookError)
    expect(() => buildLibrary(entries, 'playbooks')).toThrow(message)
  })

  it('a single given playbook answers every inbox, whatever it names', () => {
    const only = parsePlaybook(persona('Solo', [9]), 'solo.yaml')
    expect(choosePlaybook(singlePlaybook(only), 1)).toBe(only)
  })
})

describe('openPlaybookSource', () => {
  let dir: string
  let source: PlaybookSource | undefined
  afterEach(async () => {
    source?.close()
    source = undefined
    await rm(dir, { recursive: true, force: true })
  })
  const tmp = async (): Promise<string> => {
    dir = await mkdtemp(join(tmpdir(), 'playbooks-'))
    return dir
  }
  /** One default.yaml (persona Ana), opened unwatched; reloads counted in `outcomes`. */
  const openAna = async () => {
    const file = join(await tmp(), 'default.yaml')
    await writeFile(file, persona('Ana'))
    const r = recorder()
    const outcomes: string[] = []
    const opened = await openPlaybookSource({ path: file, log: r.log, watch: false, onReload: (o) => outcomes.push(o) })
    source = opened
    return { file, r, outcomes, opened }
  }

  it('a file: loads it, and a start with a broken one fails listing every problem', async () => {
    const d = await tmp()
    await writeFile(join(d, 'bad.yaml'), variant((x) => { x['limits'].max_bot_turns = 0; x['costs'].currency = 'usd' }))
    const r = recorder()
    const err = await openPlaybookSource({ path: join(d, 'bad.yaml'), log: r.log, watch: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(PlaybookError)
    expect((err as PlaybookError).problems).toEqual([
      expect.stringMatching(/^bad\.yaml: limits\.max_bot_turns/),
      expect.stringMatching(/^bad\.yaml: costs\.currency/),
    ])
  })

  it('a folder: one playbook per inbox and a default; dotfiles and other files are not playbooks', async () => {
    const d = await tmp()
    await writeFile(join(d, 'default.yaml'), persona('Ana'))
    await writeFile(join(d, 'fleet.yml'), persona('Sam', [7]))
    await writeFile(join(d, '.default.yaml.swp'), 'not yaml: [')
    await writeFile(join(d, 'README.txt'), 'notes')
    source = await openPlaybookSource({ path: d, log: recorder().log, watch: false })
    expect(source.library().entries.map((e) => e.file)).toEqual(['default.yaml', 'fleet.yml'])
    expect(source.forInbox(7).persona.name).toBe('Sam')
    expect(source.forInbox(8).persona.name).toBe('Ana')
  })

  it('reload: a good edit takes effect and is logged with old and new versions', async () => {
    const { file, r, outcomes, opened } = await openAna()
    const before = opened.forInbox(undefined).version
    expect(await opened.reload()).toBe('unchanged')
    await writeFile(file, persona('Bia'))
    expect(await opened.reload()).toBe('ok')
    const now = opened.forInbox(undefined)
    expect(now.persona.name).toBe('Bia')
    expect(now.version).not.toBe(before)
    expect(outcomes).toEqual(['ok'])
    const line = r.lines.find((l) => l.msg === 'Playbooks reloaded')
    expect(line?.obj).toEqual({ playbooks: [{ file: 'default.yaml', version: now.version, inboxes: [] }], previous: [{ file: 'default.yaml', version: before, inboxes: [] }] })
  })

  it('reload: a broken edit is refused once, at error level with its problems, and the last good version stays', async () => {
    const { file, r, outcomes, opened } = await openAna()
    const good = opened.forInbox(undefined)
    await writeFile(file, variant((x) => { delete x['persona'] }))
    expect(await opened.reload()).toBe('refused')
    expect(opened.forInbox(undefined)).toBe(good)
    const refused = r.lines.filter((l) => l.level === 'error')
    expect(refused).toHaveLength(1)
    expect(refused[0]?.msg).toBe('Playbook edit refused: the last good version stays in force')
    expect(refused[0]?.obj).toMatchObject({ file: 'default.yaml', kept: good.version })
    expect(refused[0]?.obj['problems']).toEqual([expect.stringMatching(/^persona: /)])
    // The same broken text read again (the poll) is not refused, nor logged, a second time.
    expect(await opened.reload()).toBe('unchanged')
    expect(outcomes).toEqual(['refused'])
    // Fixed: it reloads.
    await writeFile(file, persona('Carla'))
    expect(await opened.reload()).toBe('ok')
    expect(opened.forInbox(undefined).persona.name).toBe('Carla')
  })

  it('reload: a folder edit that would leave two defaults, or none, is refused as a whole', async () => {
    const d = await tmp()
    await writeFile(join(d, 'default.yaml'), persona('Ana'))
    await writeFile(join(d, 'fleet.yaml'), persona('Sam', [7]))
    const r = recorder()
    source = await openPlaybookSource({ path: d, log: r.log, watch: false })
    await writeFile(join(d, 'fleet.yaml'), persona('Sam'))
    expect(await source.reload()).toBe('refused')
    expect(source.forInbox(7).persona.name).toBe('Sam')
    expect(source.forInbox(8).persona.name).toBe('Ana')
    expect(r.lines.at(-1)).toMatchObject({ level: 'error', msg: 'Playbook reload refused: the last good playbooks stay in force' })
    expect(r.lines.at(-1)?.obj['problems']).toEqual([expect.stringMatching(/2 default playbooks/)])
    await unlink(join(d, 'default.yaml'))
    await writeFile(join(d, 'fleet.yaml'), persona('Sam', [7]))
    expect(await source.reload()).toBe('refused')
    expect(source.forInbox(8).persona.name).toBe('Ana')
  })

  it('reload: a missing file is refused and the last good playbook stays', async () => {
    const { file, r, opened } = await openAna()
    await unlink(file)
    expect(await opened.reload()).toBe('refused')
    expect(opened.forInbox(undefined).persona.name).toBe('Ana')
    expect(r.lines.at(-1)).toMatchObject({ level: 'error', obj: { path: 'default.yaml', problems: [expect.stringMatching(/ENOENT/)] } })
  })

  it('watch: an editor that saves by writing a temp file and renaming it over the playbook is followed', async () => {
    const d = await tmp()
    const file = join(d, 'default.yaml')
    await writeFile(file, persona('Ana'))
    source = await openPlaybookSource({ path: file, log: recorder().log, debounceMs: 20, pollMs: 0 })
    for (const name of ['Bia', 'Carla']) {
      const temp = join(d, '.default.yaml.tmp')
      await writeFile(temp, persona(name))
      await rename(temp, file)
      const s = source
      await until(() => s.forInbox(undefined).persona.name === name, 3000, 10)
    }
  })

  it('poll: picks up a change even without a watch event', async () => {
    const d = await tmp()
    const file = join(d, 'default.yaml')
    await writeFile(file, persona('Ana'))
    source = await openPlaybookSource({ path: file, log: recorder().log, debounceMs: 60_000, pollMs: 30 })
    await writeFile(file, persona('Bia'))
    const s = source
    await until(() => s.forInbox(undefined).persona.name === 'Bia', 3000, 10)
  })
})
