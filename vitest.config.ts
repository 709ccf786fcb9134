import { defineConfig } from 'vitest/config';

// .ci/run sets RAWSCAN_TEST_REPORT so that it can check afterwards that no test was skipped.
const report = process.env.RAWSCAN_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Lab tests create network namespaces; run files one at a time so two labs never race for CPU.
    fileParallelism: false,
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
