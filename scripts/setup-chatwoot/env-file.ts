// Reads and updates a dotenv file the way an operator would by hand: a variable's line is replaced
// where it stands (a commented `# KEY=` line counts, and is uncommented), a missing one is appended,
// and every other byte (comments, blank lines, other variables, CRLF endings, a BOM) is kept.
import { chmod, lstat, readFile, realpath, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'

const LINE = /^([ \t]*)(#[ \t]*)?(export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=(.*)$/

interface Line {
  /** The line without its terminator. */
  text: string
  /** '\n', '\r\n' or '' (the last line of a file without a final newline). */
  eol: string
}

const splitLines = (content: string): Line[] => {
  if (content === '') return []
  const parts = content.split(/(?<=\n)/)
  return parts.map((part) => {
    const eol = part.endsWith('\r\n') ? '\r\n' : part.endsWith('\n') ? '\n' : ''
    return { text: part.slice(0, part.length - eol.length), eol }
  })
}

/** The value of `KEY=value` as `node --env-file` reads it: quotes removed; unquoted, a `#` starts a comment. */
export function parseValue (raw: string): string {
  const v = raw.trim()
  const quote = v[0]
  if (quote === '"' || quote === '\'' || quote === '`') {
    const end = v.indexOf(quote, 1)
    if (end > 0) return v.slice(1, end)
  }
  const comment = v.indexOf('#')
  return (comment === -1 ? v : v.slice(0, comment)).trim()
}

/** Values go in bare when that is unambiguous, in single quotes otherwise (no expansion happens in them). */
export function formatValue (value: string): string {
  if (/^[A-Za-z0-9_.,:/@%+=~-]*$/.test(value)) return value
  if (!value.includes('\'') && !/[\r\n]/.test(value)) return `'${value}'`
  throw new Error('a value with quotes or line breaks cannot be written safely')
}

export interface EnvFile {
  readonly path: string
  readonly exists: boolean
  /** The exact bytes read (empty when the file does not exist). */
  readonly content: string
  /** The value of the last active (uncommented) line of `key`, as `node --env-file` would read it. */
  get (key: string): string | undefined
}

export async function readEnvFile (path: string): Promise<EnvFile> {
  let content = ''
  let exists = true
  try {
    content = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
    exists = false
  }
  const lines = splitLines(content.replace(/^\uFEFF/, ''))
  return {
    path,
    exists,
    content,
    get (key) {
      let value: string | undefined
      for (const line of lines) {
        const m = LINE.exec(line.text)
        if (m !== null && m[2] === undefined && m[4] === key) value = parseValue(m[5] ?? '')
      }
      return value
    },
  }
}

/**
 * Sets each key: every active line of it is replaced (so a later duplicate cannot override the new
 * value); with no active line, the first commented `# KEY=` line is replaced; otherwise the line is
 * appended. Everything else stays byte for byte.
 */
export function applyEnv (content: string, values: ReadonlyArray<readonly [string, string]>): string {
  const bom = content.startsWith('\uFEFF') ? '\uFEFF' : ''
  const lines = splitLines(content.slice(bom.length))
  const eolOfFile = lines.find((l) => l.eol !== '')?.eol ?? '\n'
  const appended: string[] = []
  for (const [key, value] of values) {
    const rendered = `${key}=${formatValue(value)}`
    const matches = lines
      .map((line, i) => ({ i, m: LINE.exec(line.text) }))
      .filter((x): x is { i: number, m: RegExpExecArray } => x.m !== null && x.m[4] === key)
    const active = matches.filter((x) => x.m[2] === undefined)
    const targets = active.length > 0 ? active : matches.slice(0, 1)
    if (targets.length === 0) {
      appended.push(rendered)
      continue
    }
    for (const { i, m } of targets) {
      const line = lines[i]
      if (line !== undefined) line.text = `${m[1] ?? ''}${m[3] ?? ''}${rendered}`
    }
  }
  const last = lines.at(-1)
  if (appended.length > 0 && last !== undefined && last.eol === '') last.eol = eolOfFile
  return bom + lines.map((l) => l.text + l.eol).join('') + appended.map((a) => a + eolOfFile).join('')
}

/**
 * Replaces the file atomically (a temporary file in the same directory, then a rename), keeping the
 * mode of an existing file and giving a new one 0600. A symlink is followed, not replaced.
 */
export async function writeEnvFile (path: string, content: string): Promise<{ created: boolean, mode: number }> {
  let target = path
  let mode = 0o600
  let created = true
  try {
    await lstat(path)
    target = await realpath(path)
    mode = (await stat(target)).mode & 0o777
    created = false
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp`)
  try {
    await writeFile(tmp, content, { mode, flag: 'wx' })
    await chmod(tmp, mode) // the umask may have narrowed it
    await rename(tmp, target)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
  return { created, mode }
}
