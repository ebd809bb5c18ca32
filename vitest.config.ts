import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Waiting for something to show (a browser's page, a background refresh) on a loaded 2-core machine.
    expect: { poll: { timeout: 15_000 } },
  },
});
