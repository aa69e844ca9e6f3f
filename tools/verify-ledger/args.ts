/** Command-line options of `npm run verify:ledger -- --ops N --processes P ...`. */
export interface Options {
  ops: number;
  processes: number;
  members: number;
  kills: number;
  seed: number;
  /** Most HTTP requests in flight at once. */
  concurrency: number;
  databaseUrl: string;
  /** Keep the temp database after the run (for digging into a failure). */
  keepDb: boolean;
}

export const usage = `usage: verify-ledger --ops N --processes P [--members M] [--kills K] [--seed S]
                     [--concurrency C] [--keep-db]
  DATABASE_URL (default postgres://root@127.0.0.1:5432/test): server for the temp database`;

const defaultDatabaseUrl = 'postgres://root@127.0.0.1:5432/test';
const limits = {
  ops: [1, 10_000_000],
  processes: [1, 16],
  members: [2, 10_000],
  kills: [0, 1_000],
  seed: [0, 2 ** 31 - 1],
  concurrency: [1, 1_024],
} as const;
type Numeric = keyof typeof limits;

export function parseArgs(argv: readonly string[], env = process.env): Options {
  const values: Record<Numeric, number> = {
    ops: 1_000,
    processes: 2,
    members: 50,
    kills: 2,
    seed: Math.floor(Math.random() * 2 ** 31),
    concurrency: 32,
  };
  let keepDb = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (flag === '--keep-db') {
      keepDb = true;
      continue;
    }
    const name = flag.replace(/^--/, '') as Numeric;
    if (!flag.startsWith('--') || !(name in limits))
      throw new Error(`unknown option ${flag}\n${usage}`);
    const raw = argv[++i];
    const n = Number(raw);
    const [lo, hi] = limits[name];
    if (!Number.isInteger(n) || n < lo || n > hi)
      throw new Error(`--${name} must be an integer in [${lo}, ${hi}], got ${raw}`);
    values[name] = n;
  }
  return { ...values, keepDb, databaseUrl: env['DATABASE_URL'] || defaultDatabaseUrl };
}
