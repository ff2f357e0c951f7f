import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'

/**
 * Reads a YAML (comments allowed) or JSON document that people edit, by its file name, and
 * validates it: the data, or every problem as "path: message", ready for one clear error.
 */
export function parseDataFile<S extends z.ZodType> (text: string, source: string, schema: S): { ok: true, data: z.output<S> } | { ok: false, problems: string[] } {
  const json = source.endsWith('.json')
  let raw: unknown
  try {
    raw = json ? JSON.parse(text) : parseYaml(text)
  } catch (err) {
    return { ok: false, problems: [`not valid ${json ? 'JSON' : 'YAML'}: ${err instanceof Error ? err.message : String(err)}`] }
  }
  const parsed = schema.safeParse(raw)
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(root)'}: ${i.message}`) }
  return { ok: true, data: parsed.data }
}
