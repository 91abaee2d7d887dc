import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e tests spawn many processes on a 2-core machine: keep files from piling up.
    maxWorkers: 2,
    minWorkers: 1,
    reporters: ['default'],
  },
});
