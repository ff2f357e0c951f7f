import { availableParallelism } from 'node:os'
import { defineConfig } from 'vitest/config'

// Most of the suite's wall time is waiting (HTTP stand-ins, Redis, timers, spawned servers), not
// CPU: vitest's default of one worker per core less one ran the files one at a time on CI's two
// cores. Four workers overlap those waits; more cores get one worker each.
const workers = Math.max(4, availableParallelism())

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration suites share one Redis database; each uses its own key prefix, so files may run in parallel.
    pool: 'forks',
    maxWorkers: workers,
    reporters: ['default'],
    // Files slower than this are shown in yellow with their time, so the slow ones stay visible.
    slowTestThreshold: 1_000,
    coverage: {
      // `npm run coverage` and CI's Node LTS run (`vitest run --coverage`); plain `npm test` skips it.
      provider: 'v8',
      include: ['src/**'],
      reporter: ['text-summary', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      // A failing run still shows its coverage, so a threshold miss is not hidden behind it.
      reportOnFailure: true,
      // Measured 2026-12-05 on Node 24 (lines 96.64, functions 95.62, branches 88.61, statements
      // 95.01 %), rounded down: coverage may only go up. Raise these when it does.
      thresholds: {
        lines: 96,
        functions: 95,
        branches: 88,
        statements: 95,
      },
    },
  },
})
