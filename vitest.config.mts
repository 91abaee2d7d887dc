import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'e2e/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e files spawn whole clusters and some assert measured q0 / E[R]: on a 2-core machine two
    // of them at once would distort each other, so files run one at a time.
    fileParallelism: false,
    reporters: ['default'],
  },
});
