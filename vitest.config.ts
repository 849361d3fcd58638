import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'cdk/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // The integration and browser suites build real lakes and sites; two cores, so no oversubscription.
    maxWorkers: 2,
    // The CLI the tests spawn (bin/crmlake.js) runs the sources, never a dist/ build of them.
    // Ingest's SQL path for files of any size (src/feeds/ingest-sql.ts skips it below 3,000 rows).
    env: { CRMLAKE_FROM_SOURCE: '1', CRMLAKE_INGEST_SQL_MIN_LINES: '0' },
  },
});
