import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findImports, findViolations } from './check-boundaries.ts';

let root: string;

function write(relPath: string, content: string): void {
  const full = path.join(root, relPath);
  mkdirSync(path.dirname(full), { recursive: true });
  writeFileSync(full, content);
}

/** A small monorepo that obeys every rule. */
function cleanTree(): void {
  write('packages/contracts/package.json', JSON.stringify({ name: '@redemption/contracts' }));
  write('packages/contracts/src/index.ts', 'export type OrderId = string;\n');
  write('packages/kernel/package.json', JSON.stringify({ name: '@redemption/kernel' }));
  write(
    'packages/kernel/src/index.ts',
    "import pg from 'pg';\nimport type { OrderId } from '@redemption/contracts';\nexport { pg };\nexport type { OrderId };\n",
  );
  write('services/identity/package.json', JSON.stringify({ name: '@redemption/identity' }));
  write(
    'services/identity/src/domain/user.ts',
    "import type { OrderId } from '@redemption/contracts';\nimport { rule } from './rules.ts';\nexport const f = (id: OrderId) => rule(id);\n",
  );
  write('services/identity/src/domain/rules.ts', 'export const rule = (s: string) => s;\n');
  write(
    'services/identity/src/store/db.ts',
    "import pg from 'pg';\nimport { hello } from '@redemption/kernel';\nimport { f } from '../domain/user.ts';\nexport { pg, hello, f };\n",
  );
  write('services/identity/src/index.ts', "export * from './store/db.ts';\n");
  // A service whose package name differs from its directory name.
  write('services/orders/package.json', JSON.stringify({ name: '@redemption/order-service' }));
  write(
    'services/orders/src/index.ts',
    "import { createClient } from 'redis';\n// import { x } from '../../identity/src/index.ts';\nconst text = \"import '@redemption/identity'\";\nexport { createClient, text };\n",
  );
  // Files in node_modules are never scanned.
  write(
    'services/orders/node_modules/x/index.js',
    "import '@redemption/identity';\nimport '../../../identity/src/index.ts';\n",
  );
}

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'check-boundaries-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('findViolations', () => {
  it('finds nothing in a clean tree', () => {
    cleanTree();
    expect(findViolations(root)).toEqual([]);
  });

  it('finds nothing when there are no services or packages', () => {
    expect(findViolations(root)).toEqual([]);
  });

  it('flags a relative import into another service', () => {
    cleanTree();
    write(
      'services/orders/src/app/checkout.ts',
      "import { x } from './local.ts';\n\nimport { f } from '../../../identity/src/domain/user.ts';\nexport { x, f };\n",
    );
    expect(findViolations(root)).toEqual([
      {
        file: 'services/orders/src/app/checkout.ts',
        line: 3,
        message: expect.stringContaining('service "orders" imports service "identity"'),
      },
    ]);
  });

  it('flags a package-name import of another service, by name or by directory', () => {
    cleanTree();
    write(
      'services/identity/src/app/orders.ts',
      [
        "import { a } from '@redemption/order-service';",
        "export * from '@redemption/orders/src/index.ts';",
        'const lazy = () => import("@redemption/order-service");',
        "import {\n  b,\n} from '@redemption/contracts';",
        'export { a, b, lazy };',
      ].join('\n'),
    );
    const found = findViolations(root);
    expect(found.map((v) => `${v.file}:${v.line}`)).toEqual([
      'services/identity/src/app/orders.ts:1',
      'services/identity/src/app/orders.ts:2',
      'services/identity/src/app/orders.ts:3',
    ]);
    expect(found.every((v) => v.message.includes('imports service "orders"'))).toBe(true);
  });

  it('allows a service to import its own package name', () => {
    cleanTree();
    write('services/orders/src/app/self.ts', "export * from '@redemption/order-service';\n");
    expect(findViolations(root)).toEqual([]);
  });

  it('flags packages that import a service, by name or by path', () => {
    cleanTree();
    write(
      'packages/kernel/src/bad.ts',
      "import { f } from '@redemption/identity';\nimport { g } from '../../../services/orders/src/index.ts';\nexport { f, g };\n",
    );
    const found = findViolations(root);
    expect(found).toHaveLength(2);
    expect(found[0]).toMatchObject({ file: 'packages/kernel/src/bad.ts', line: 1 });
    expect(found[0]?.message).toContain('packages must not depend on services');
    expect(found[0]?.message).toContain('"identity"');
    expect(found[1]).toMatchObject({ file: 'packages/kernel/src/bad.ts', line: 2 });
    expect(found[1]?.message).toContain('"orders"');
  });

  it('flags I/O libraries in domain code, including subpaths and require', () => {
    cleanTree();
    write(
      'services/identity/src/domain/io.ts',
      [
        "import pg from 'pg';",
        "import { PGlite } from '@electric-sql/pglite';",
        "import { createClient } from 'redis';",
        "import Fastify from 'fastify';",
        "import { readFile } from 'node:fs/promises';",
        "import net from 'node:net';",
        "import http from 'node:http';",
        "import { Kafka } from 'kafkajs';",
        "import { Producer } from '@platformatic/kafka';",
        "import { hello } from '@redemption/kernel';",
        "const fs = require('fs');",
        "import { pgFormat } from 'pg-format-ish';",
        "import { z } from 'node:crypto';",
      ].join('\n'),
    );
    const found = findViolations(root);
    expect(found.map((v) => v.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(found.every((v) => v.file === 'services/identity/src/domain/io.ts')).toBe(true);
    expect(found[0]?.message).toBe("domain code must be pure but imports I/O library 'pg'");
  });

  it('flags I/O libraries in nested domain folders but not elsewhere in the service', () => {
    cleanTree();
    write('services/orders/src/domain/status/machine.ts', "import 'pg';\n");
    write('services/orders/src/store/ok.ts', "import 'pg';\nimport '@redemption/kernel';\n");
    expect(findViolations(root)).toEqual([
      {
        file: 'services/orders/src/domain/status/machine.ts',
        line: 1,
        message: "domain code must be pure but imports I/O library 'pg'",
      },
    ]);
  });
});

describe('layers (rule 4)', () => {
  const none = new Map<string, string>();

  it('fails on an http → store import, in any service', () => {
    cleanTree();
    write('services/identity/src/app/users.service.ts', 'export const users = {};\n');
    write(
      'services/identity/src/http/users.routes.ts',
      "import { users } from '../app/users.service.ts';\nimport { db } from '../store/db.ts';\nexport { users, db };\n",
    );
    expect(findViolations(root, none)).toEqual([
      {
        file: 'services/identity/src/http/users.routes.ts',
        line: 2,
        message: "http/ must not import store/ ('../store/db.ts'): go through app/",
      },
    ]);
  });

  it('fails on a store → app import, also from a nested folder', () => {
    cleanTree();
    write('services/orders/src/app/order.service.ts', 'export const svc = {};\n');
    write(
      'services/orders/src/store/sql/orders.repository.ts',
      "import { svc } from '../../app/order.service.ts';\nexport { svc };\n",
    );
    const found = findViolations(root, none);
    expect(found.map((v) => `${v.file}:${v.line} ${v.message}`)).toEqual([
      "services/orders/src/store/sql/orders.repository.ts:1 store/ must not import app/ ('../../app/order.service.ts'): the store knows tables, not use cases",
    ]);
  });

  it('allows http → app → store, store → domain, and test files that read the store', () => {
    cleanTree();
    write('services/identity/src/app/users.service.ts', "export * from '../store/db.ts';\n");
    write(
      'services/identity/src/http/users.routes.ts',
      "export * from '../app/users.service.ts';\n",
    );
    write('services/identity/src/http/users.routes.test.ts', "import '../store/db.ts';\n");
    expect(findViolations(root, none)).toEqual([]);
  });

  it('skips a service on the exemption list, and only that one', () => {
    cleanTree();
    write('services/identity/src/http/a.routes.ts', "import '../store/db.ts';\n");
    write('services/orders/src/http/b.routes.ts', "import '../store/c.ts';\n");
    const found = findViolations(root, new Map([['identity', 'being layered']]));
    expect(found.map((v) => v.file)).toEqual(['services/orders/src/http/b.routes.ts']);
  });
});

describe('findImports', () => {
  it('ignores imports in comments and strings', () => {
    const source = [
      '/* import "a";',
      "   export * from 'b'; */",
      "// import 'c'",
      'const s = \'from "d"\';',
      'const t = `import("e")`;',
      "Array.from('f');",
      "import g from 'g'; // from 'h'",
    ].join('\n');
    expect(findImports(source)).toEqual([{ specifier: 'g', line: 7 }]);
  });
});
