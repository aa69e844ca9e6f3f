import { configDefaults, defineConfig } from 'vitest/config';

// One config for the whole monorepo. Integration tests (`*.int.test.ts`) match `*.test.ts` too,
// on purpose: they run with everything else and skip (or, with REQUIRE_SERVICES=1, fail) when
// their server is missing.
export default defineConfig({
  test: {
    // apps/web's component tests are .test.tsx and say `@vitest-environment jsdom` themselves;
    // everything else runs in Node as before.
    include: ['**/*.test.ts', 'apps/web/**/*.test.tsx'],
    exclude: [...configDefaults.exclude, '**/node_modules/**', '**/data/**', 'apps/web/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Child processes rather than worker threads: native addons (argon2, pg) and servers that
    // bind ports behave as in production.
    pool: 'forks',
    reporters: ['default', './tools/summary-reporter.ts'],
  },
});
