// The Node flags the service runs with, defined here only: bin/start.mjs applies them (`npm start`,
// the image's CMD, `node bin/start.mjs` by hand), the bench reads them, and src/server.ts warns when
// it runs from dist/ without them. README "Performance" has the measurements behind each one.
export const NODE_FLAGS = Object.freeze([
  // A 1 GB old generation: V8 picks how fast the heap grows from its limit, and with the default on
  // a host of 8 GB or more (2-4 GB) it grows to 4x the live data under a burst and keeps it; at
  // 1 GB, 1.6x. The embedded store at its caps holds about 190 MB of heap.
  '--max-old-space-size=1024',
  // A 2 MB semi-space: the young generation is 6x smaller than the default, which a turn's few-ms
  // garbage never needs (RSS with 10 000 conversations 193 -> 123 MB, webhook throughput within noise).
  '--max-semi-space-size=2',
  // A replica gets about one core, and V8's GC threads on that core stall the main thread during
  // marking (webhook -> reply p99 on one core: 30-50 -> 14-21 ms).
  '--single-threaded-gc',
])

/** The flags that neither the command line nor NODE_OPTIONS set (by name: another value counts as set). */
export function missingNodeFlags (execArgv = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? '') {
  const given = [...execArgv, ...nodeOptions.split(/\s+/)].map(flagName)
  return NODE_FLAGS.filter((flag) => !given.includes(flagName(flag)))
}

const flagName = (arg) => arg.split('=')[0].replaceAll('_', '-')
