// Just enough PromQL to say which metrics and labels an expression uses: a lexer and a walk over
// its tokens (no full parser). Used to hold the dashboard and the alert rules to what the service
// really exposes. Unknown function names are reported, so a typo cannot pass as a metric name.

export interface Selector {
  /** Metric name as written (e.g. `http_request_duration_seconds_bucket`), or undefined for `{__name__=...}`-less selectors. */
  readonly metric: string | undefined
  /** Label names in its matchers (`{path="/x", status=~"5.."}` → path, status). */
  readonly labels: readonly string[]
}

export interface PromqlUse {
  readonly selectors: readonly Selector[]
  /** Label names of by/without/on/ignoring/group_left/group_right clauses. */
  readonly grouping: readonly string[]
  /** Function and aggregation names called. */
  readonly functions: readonly string[]
}

type Token =
  | { kind: 'ident', value: string }
  | { kind: 'string', value: string }
  | { kind: 'number', value: string }
  | { kind: 'range', value: string }
  | { kind: 'punct', value: '(' | ')' | '{' | '}' | ',' }
  | { kind: 'op', value: string }

const AGGREGATIONS = new Set([
  'sum', 'min', 'max', 'avg', 'group', 'stddev', 'stdvar', 'count', 'count_values', 'bottomk', 'topk', 'quantile', 'limitk', 'limit_ratio',
])

const FUNCTIONS = new Set([
  'abs', 'absent', 'absent_over_time', 'ceil', 'changes', 'clamp', 'clamp_max', 'clamp_min', 'day_of_month', 'day_of_week',
  'day_of_year', 'days_in_month', 'delta', 'deriv', 'exp', 'floor', 'histogram_avg', 'histogram_count', 'histogram_fraction',
  'histogram_quantile', 'histogram_stddev', 'histogram_stdvar', 'histogram_sum', 'holt_winters', 'double_exponential_smoothing',
  'hour', 'idelta', 'increase', 'irate', 'label_join', 'label_replace', 'ln', 'log2', 'log10', 'minute', 'month', 'predict_linear',
  'rate', 'resets', 'round', 'scalar', 'sgn', 'sort', 'sort_desc', 'sort_by_label', 'sort_by_label_desc', 'sqrt', 'time', 'timestamp',
  'vector', 'year', 'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time', 'quantile_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'present_over_time', 'mad_over_time',
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan', 'tanh', 'deg', 'rad', 'pi',
])

const GROUPING = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right'])
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'atan2', 'inf', 'nan'])

/** Splits an expression into tokens; throws on anything PromQL would not accept lexically. */
export function tokenize (expr: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < expr.length) {
    const rest = expr.slice(i)
    const c = expr[i] ?? ''
    if (/\s/.test(c)) { i++; continue }
    if (c === '#') {
      const nl = expr.indexOf('\n', i)
      i = nl === -1 ? expr.length : nl
      continue
    }
    if (c === '"' || c === "'" || c === '`') {
      let j = i + 1
      let value = ''
      while (j < expr.length && expr[j] !== c) {
        if (expr[j] === '\\' && c !== '`') j++
        value += expr[j] ?? ''
        j++
      }
      if (j >= expr.length) throw new Error(`unterminated string at ${i} in: ${expr}`)
      tokens.push({ kind: 'string', value })
      i = j + 1
      continue
    }
    if (c === '[') {
      const j = expr.indexOf(']', i)
      if (j === -1) throw new Error(`unterminated range at ${i} in: ${expr}`)
      const value = expr.slice(i + 1, j).trim()
      // A range or a subquery: durations (or Grafana's $__rate_interval style variables), optionally `:step`.
      if (!/^(\d+(ms|s|m|h|d|w|y))+(:((\d+(ms|s|m|h|d|w|y))+)?)?$/.test(value)) throw new Error(`bad range [${value}] in: ${expr}`)
      tokens.push({ kind: 'range', value })
      i = j + 1
      continue
    }
    if (c === '(' || c === ')' || c === '{' || c === '}' || c === ',') {
      tokens.push({ kind: 'punct', value: c })
      i++
      continue
    }
    const number = /^(0x[0-9a-f]+|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)(?![a-z_])/i.exec(rest)
    if (number !== null) {
      tokens.push({ kind: 'number', value: number[0] })
      i += number[0].length
      continue
    }
    const duration = /^(\d+(ms|s|m|h|d|w|y))+/.exec(rest)
    if (duration !== null) {
      // After `offset` only.
      tokens.push({ kind: 'range', value: duration[0] })
      i += duration[0].length
      continue
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest)
    if (ident !== null) {
      tokens.push({ kind: 'ident', value: ident[0] })
      i += ident[0].length
      continue
    }
    const op = /^(==|!=|=~|!~|>=|<=|>|<|\+|-|\*|\/|%|\^|=|@)/.exec(rest)
    if (op !== null) {
      tokens.push({ kind: 'op', value: op[0] })
      i += op[0].length
      continue
    }
    throw new Error(`unexpected character ${JSON.stringify(c)} at ${i} in: ${expr}`)
  }
  return tokens
}

/** Which metrics, labels and functions an expression uses. Throws on unbalanced brackets or unknown functions. */
export function analyze (expr: string): PromqlUse {
  const tokens = tokenize(expr)
  const selectors: Selector[] = []
  const grouping: string[] = []
  const functions: string[] = []
  const depth: string[] = []

  /** Reads `{ label op "value", ... }` starting at the `{`; returns the label names and the index after `}`. */
  const matchers = (start: number): { labels: string[], name: string | undefined, next: number } => {
    const labels: string[] = []
    let name: string | undefined
    let i = start + 1
    while (i < tokens.length) {
      const t = tokens[i]
      if (t?.kind === 'punct' && t.value === '}') return { labels, name, next: i + 1 }
      if (t?.kind === 'punct' && t.value === ',') { i++; continue }
      const op = tokens[i + 1]
      const value = tokens[i + 2]
      if (t?.kind !== 'ident' || op?.kind !== 'op' || !['=', '!=', '=~', '!~'].includes(op.value) || value?.kind !== 'string') {
        throw new Error(`bad label matcher near token ${i} in: ${expr}`)
      }
      if (t.value === '__name__') name = value.value
      else labels.push(t.value)
      i += 3
    }
    throw new Error(`unterminated label matchers in: ${expr}`)
  }

  /** Reads `( label, ... )` starting at the `(`; returns the index after `)`. */
  const labelList = (start: number): number => {
    let i = start + 1
    while (i < tokens.length) {
      const t = tokens[i]
      if (t?.kind === 'punct' && t.value === ')') return i + 1
      if (t?.kind === 'punct' && t.value === ',') { i++; continue }
      if (t?.kind !== 'ident') throw new Error(`bad label list near token ${i} in: ${expr}`)
      grouping.push(t.value)
      i++
    }
    throw new Error(`unterminated label list in: ${expr}`)
  }

  let i = 0
  while (i < tokens.length) {
    const t = tokens[i]
    const next = tokens[i + 1]
    if (t === undefined) break
    if (t.kind === 'ident') {
      const lower = t.value.toLowerCase()
      if (GROUPING.has(lower)) {
        if (next?.kind === 'punct' && next.value === '(') { i = labelList(i + 1); continue }
        if (lower === 'group_left' || lower === 'group_right') { i++; continue }
        throw new Error(`${t.value} without a label list in: ${expr}`)
      }
      if (KEYWORDS.has(lower)) { i++; continue }
      if (next?.kind === 'punct' && next.value === '(') {
        if (!AGGREGATIONS.has(t.value) && !FUNCTIONS.has(t.value)) throw new Error(`unknown function ${t.value}() in: ${expr}`)
        functions.push(t.value)
        i++
        continue
      }
      if (AGGREGATIONS.has(t.value) && next?.kind === 'ident' && GROUPING.has(next.value)) {
        // `sum by (x) (...)`: the aggregation comes before its clause.
        functions.push(t.value)
        i++
        continue
      }
      if (next?.kind === 'punct' && next.value === '{') {
        const m = matchers(i + 1)
        selectors.push({ metric: t.value, labels: m.labels })
        i = m.next
        continue
      }
      selectors.push({ metric: t.value, labels: [] })
      i++
      continue
    }
    if (t.kind === 'punct') {
      if (t.value === '{') {
        const m = matchers(i)
        selectors.push({ metric: m.name, labels: m.labels })
        i = m.next
        continue
      }
      if (t.value === '(') depth.push('(')
      if (t.value === ')') {
        if (depth.pop() !== '(') throw new Error(`unbalanced ) in: ${expr}`)
      }
      if (t.value === '}') throw new Error(`unbalanced } in: ${expr}`)
    }
    i++
  }
  if (depth.length > 0) throw new Error(`unbalanced ( in: ${expr}`)
  return { selectors, grouping, functions }
}

/** One metric family from a text exposition: its type and the label names seen on its samples. */
export interface Family {
  readonly type: string
  readonly sampleLabels: Map<string, Set<string>>
}

/** Parses Prometheus text exposition into families (by `# TYPE`), with the labels of each sample name. */
export function parseExposition (text: string): Map<string, Family> {
  const families = new Map<string, Family>()
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line)
    if (type !== null) {
      families.set(type[1] ?? '', { type: type[2] ?? '', sampleLabels: new Map() })
      continue
    }
    if (line.startsWith('#') || line.trim() === '') continue
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s/.exec(line)
    if (sample === null) continue
    const name = sample[1] ?? ''
    const labels = [...(sample[3] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"/g)].map((m) => m[1] ?? '')
    const family = familyOf(families, name)
    if (family === undefined) continue
    const seen = family.family.sampleLabels.get(name) ?? new Set<string>()
    for (const label of labels) seen.add(label)
    family.family.sampleLabels.set(name, seen)
  }
  return families
}

const SUFFIXES: Record<string, readonly string[]> = {
  histogram: ['_bucket', '_sum', '_count'],
  summary: ['_sum', '_count'],
}

/** The family a sample name belongs to: itself, or a histogram/summary family for its _bucket/_sum/_count. */
export function familyOf (families: ReadonlyMap<string, Family>, sampleName: string): { name: string, family: Family } | undefined {
  const exact = families.get(sampleName)
  if (exact !== undefined && SUFFIXES[exact.type] === undefined) return { name: sampleName, family: exact }
  for (const [name, family] of families) {
    for (const suffix of SUFFIXES[family.type] ?? []) {
      if (sampleName === `${name}${suffix}`) return { name, family }
    }
  }
  return undefined
}
