import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventContractSuite } from './testing/event-contract.ts';

// A data directory on disk (not memory://) so the kill -9 cases can reopen it after the child dies.
eventContractSuite('pg transport on embedded PGlite', {
  async make() {
    const dataDir = mkdtempSync(join(tmpdir(), 'redemption-events-'));
    return {
      env: { transport: 'pg', dataDir },
      drop: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  },
});
