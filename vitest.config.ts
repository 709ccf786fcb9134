import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Lab tests create network namespaces; run files one at a time so two labs never race for names or CPU.
    fileParallelism: false,
    reporters: ['default'],
  },
});
