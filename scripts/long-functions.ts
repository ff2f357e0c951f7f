// Lists the functions in src/ that run past a line limit, longest first, so a long one is seen in review.
// Declarative lists (metric and config declarations) are named in DECLARATIONS and reported apart.
// Usage: npx tsx scripts/long-functions.ts [--limit 80] [--max 150] [--dir src]
// Exits 1 when a function (declarations aside) is longer than --max.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

interface LongFunction { file: string, name: string, line: number, lines: number }

/** Functions that only declare data (a metric or a setting per entry): long by nature, not by logic. */
const DECLARATIONS = new Set(['src/lib/metrics.ts:createMetrics', 'src/config.ts:<config schema>'])

function argument (name: string, fallback: string): string {
  const i = process.argv.indexOf(name)
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] as string : fallback
}

function sourceFiles (dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : []
  })
}

function functionName (node: ts.Node): string {
  if ((ts.isFunctionDeclaration(node) || ts.isMethodDeclaration(node)) && node.name !== undefined) return node.name.getText()
  const parent = node.parent
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent)) return parent.name.getText()
  return '<anonymous>'
}

function functionsOf (file: string): LongFunction[] {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
  const found: LongFunction[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isArrowFunction(node) || ts.isMethodDeclaration(node)) {
      const start = source.getLineAndCharacterOfPosition(node.getStart(source)).line
      const end = source.getLineAndCharacterOfPosition(node.getEnd()).line
      found.push({ file: relative(process.cwd(), file), name: functionName(node), line: start + 1, lines: end - start + 1 })
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const limit = Number(argument('--limit', '80'))
const max = Number(argument('--max', '150'))
const all = sourceFiles(argument('--dir', 'src')).flatMap(functionsOf).filter((f) => f.lines > limit).sort((a, b) => b.lines - a.lines)
const isDeclaration = (f: LongFunction): boolean => DECLARATIONS.has(`${f.file}:${f.name}`)
const logic = all.filter((f) => !isDeclaration(f))
for (const f of logic) console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}`)
for (const f of all.filter(isDeclaration)) console.log(`${String(f.lines).padStart(4)}  ${f.file}:${f.line}  ${f.name}  (declarations)`)
console.log(`${logic.length} function(s) over ${limit} lines, declarations aside; limit for any: ${max}`)
const tooLong = logic.filter((f) => f.lines > max)
if (tooLong.length > 0) {
  console.error(`${tooLong.length} function(s) over ${max} lines`)
  process.exitCode = 1
}
