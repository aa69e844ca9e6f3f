import { describe, expect, it } from 'vitest';
import { loadPlatformConfig } from '../config/platform-config.ts';
import type { ServiceModule } from '../service.ts';
import { createTestTokens } from '../testing/test-tokens.ts';
import { buildPlatform } from './build-platform.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A module whose only content is one declared job that counts its runs. */
function tickingModule(counter: { runs: number }): ServiceModule {
  return {
    name: 'ticker',
    migrations: { schema: 'ticker', migrations: [] },
    async init() {
      return {
        async routes() {},
        jobs: [
          {
            name: 'ticker.tick',
            everyMs: 5,
            runAtStart: true,
            run: async () => void counter.runs++,
          },
        ],
      };
    },
  };
}

describe('a module declares its background jobs', () => {
  it('the kernel runs them, exports their metrics and stops them on close', async () => {
    const counter = { runs: 0 };
    const platform = await buildPlatform({
      config: loadPlatformConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }),
      modules: [tickingModule(counter)],
      name: 'jobs-test',
      version: 'test',
      jwtKeys: (await createTestTokens()).keys,
    });
    try {
      while (counter.runs < 3) await sleep(5);
      const metrics = await platform.app.inject({ method: 'GET', url: '/metrics' });
      expect(metrics.body).toMatch(/background_job_runs_total\{job="ticker.tick"\} [1-9]/);
      expect(metrics.body).toContain('background_job_duration_seconds_count{job="ticker.tick"}');
      // The kernel's own housekeeping is a declared job like any other.
      expect(metrics.body).toContain('background_job_runs_total{job="kernel.idempotency-purge"}');
    } finally {
      await platform.close();
    }
    const after = counter.runs;
    await sleep(30);
    expect(counter.runs).toBe(after);
  });
});
