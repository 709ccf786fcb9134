import { defineConfig } from 'vitest/config';

// .ci/run sets RAWSCAN_TEST_REPORT so that it can check afterwards that no test was skipped.
const report = process.env.RAWSCAN_TEST_REPORT;
// The tests run the CLI through node, not by its #! line, which drops this
// (node would parse that CA bundle on every start; rawscan makes no TLS connection).
delete process.env.NODE_EXTRA_CA_CERTS;

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
