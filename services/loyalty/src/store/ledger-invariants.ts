/**
 * The ledger's invariants as SQL: the one definition that `redemption ledger verify`, the admin
 * route, the scheduled verification, the tests (`ledgerProblems`) and the correctness harness
 * (`npm run verify:ledger`) all run.
 *
 * Every query is linear in the rows it reads: joins and GROUP BY (hash or merge), never a
 * subquery per row. Each returns one row: `bad` (how many items break the rule), `examined`
 * (how many it looked at, counted in `unit`) and optionally `note` (a figure worth printing).
 *
 * Incremental verification (decision 007) passes the previous verified snapshot as
 * `$1::pg_snapshot` and its xmin as `$2::xid8`; `since` queries read only the ledger
 * transactions that snapshot could not see (see `unseenSince`).
 */

/** Tables the checks read; their sizes set each check's statement timeout. */
export type LedgerTable =
  'accounts' | 'transactions' | 'entries' | 'lots' | 'holds' | 'drops' | 'drop_claims';

export interface LedgerInvariant {
  /** Stable id: the `check` label of `ledger_invariant_violations`. */
  check: string;
  /** The rule, in words. */
  title: string;
  /** What a pass proves (the README's Reconciliation table is this list). */
  proves: string;
  /** What `examined` counts. */
  unit: string;
  reads: readonly LedgerTable[];
  /** Over the whole ledger. */
  full: string;
  /**
   * In an incremental verification: `'full'` runs `full` anyway (it reads current state, whose
   * size does not grow with history), `'skip'` leaves it to full verifications, or a query over
   * what is new since the previous snapshot. `sticky`: violations it found before stay counted
   * (they are in rows this query no longer reads) until a full verification recounts them.
   */
  since: 'full' | 'skip' | { sql: string; sticky: boolean; unit: string };
}

/**
 * Ledger transactions (alias `t`) that the previous verified snapshot could not see: committed
 * after it was taken, or still running then. Everything below its xmin was visible to it, so
 * the range condition only narrows the index scan; the visibility test is what is exact.
 */
export const unseenSince = (t: string): string =>
  `${t}.txid >= $2::xid8 AND NOT pg_visible_in_snapshot(${t}.txid, $1::pg_snapshot)`;

/** `bad` / `examined` over a per-transaction aggregate `x` with a boolean column `bad`. */
const countBad = (inner: string): string =>
  `SELECT count(*) FILTER (WHERE x.bad)::bigint AS bad, count(*)::bigint AS examined FROM (${inner}) x`;

/** Each transaction's entry total (`s`) and what it moved on its member's account (`m`). */
const perTransaction = (bad: string, where: string): string =>
  countBad(`SELECT ${bad} AS bad
     FROM loyalty.transactions t LEFT JOIN loyalty.entries e ON e.transaction_id = t.id
     WHERE ${where} GROUP BY t.id`);
const entriesTotal = 'coalesce(sum(e.amount), 0)';
const memberMove = 'coalesce(sum(e.amount) FILTER (WHERE e.account_id = t.member_id), 0)';

const transactionInvariants: LedgerInvariant[] = [
  {
    check: 'transaction_balanced',
    title: "every transaction's entries sum to zero",
    proves: 'no transaction creates or destroys points: what one account gains another loses',
    unit: 'transactions',
    reads: ['transactions', 'entries'],
    full: perTransaction(`${entriesTotal} <> 0`, 'true'),
    since: {
      sql: perTransaction(`${entriesTotal} <> 0`, unseenSince('t')),
      sticky: true,
      unit: 'new transactions',
    },
  },
  {
    check: 'transaction_moves_member',
    title: 'each transaction moves its member by direction x points',
    proves:
      'the entries say what the transaction row says: its member gained (or lost) exactly its points',
    unit: 'transactions',
    reads: ['transactions', 'entries'],
    full: perTransaction(`${memberMove} <> t.direction * t.points`, 'true'),
    since: {
      sql: perTransaction(`${memberMove} <> t.direction * t.points`, unseenSince('t')),
      sticky: true,
      unit: 'new transactions',
    },
  },
  {
    check: 'reversals_match',
    title: 'reversed_points = sum of its reversals, <= points',
    proves: 'nothing is reversed twice or beyond what it moved, and every reversal is counted',
    unit: 'reversed transactions',
    reads: ['transactions'],
    // Reads reversed transactions and reversals only (two partial indexes), not all history.
    full: `SELECT count(*) FILTER (WHERE coalesce(t.reversed_points, 0) <> coalesce(r.s, 0)
                                   OR t.reversed_points > t.points)::bigint AS bad,
                  count(*)::bigint AS examined
           FROM (SELECT id, points, reversed_points FROM loyalty.transactions WHERE reversed_points > 0) t
           FULL JOIN (SELECT reverses AS id, sum(points) AS s FROM loyalty.transactions
                      WHERE reverses IS NOT NULL GROUP BY 1) r ON r.id = t.id`,
    since: 'full',
  },
];

/** Incremental: opening balance (sum of entries in the verified snapshot) + new entries. */
const balanceSince = `
  SELECT count(*) FILTER (WHERE a.balance <> coalesce(v.balance, 0) + coalesce(m.s, 0))::bigint AS bad,
         count(*)::bigint AS examined
  FROM loyalty.accounts a
  LEFT JOIN loyalty.ledger_verified_balances v ON v.account_id = a.id
  LEFT JOIN (SELECT e.account_id, sum(e.amount) AS s
             FROM loyalty.transactions t JOIN loyalty.entries e ON e.transaction_id = t.id
             WHERE ${unseenSince('t')} GROUP BY 1) m ON m.account_id = a.id`;

const memberAccounts = (cond: string): string =>
  `SELECT count(*) FILTER (WHERE ${cond})::bigint AS bad, count(*)::bigint AS examined
   FROM loyalty.accounts WHERE kind = 'member'`;

const accountInvariants: LedgerInvariant[] = [
  {
    check: 'entries_sum_zero',
    title: 'all entries sum to zero',
    proves:
      'the ledger as a whole balances from its entries alone: every point members hold is owed by a program account',
    unit: 'entries',
    reads: ['entries'],
    full: `SELECT (coalesce(sum(amount), 0) <> 0)::int::bigint AS bad, count(*)::bigint AS examined,
                  'sum = ' || coalesce(sum(amount), 0) AS note FROM loyalty.entries`,
    since: 'skip',
  },
  {
    check: 'balances_sum_zero',
    title: 'all stored balances sum to zero',
    proves:
      'members hold exactly what the program accounts owe; catches a stored balance changed alone',
    unit: 'accounts',
    reads: ['accounts'],
    full: `SELECT (coalesce(sum(balance), 0) <> 0)::int::bigint AS bad, count(*)::bigint AS examined,
                  'sum = ' || coalesce(sum(balance), 0) AS note FROM loyalty.accounts`,
    since: 'full',
  },
  {
    check: 'balance_matches_entries',
    title: 'stored balance = sum of entries',
    proves: 'the balance every read and every decision uses is the sum of the ledger',
    unit: 'accounts',
    reads: ['accounts', 'entries'],
    full: `SELECT count(*) FILTER (WHERE a.balance <> coalesce(e.s, 0))::bigint AS bad,
                  count(*)::bigint AS examined
           FROM loyalty.accounts a
           LEFT JOIN (SELECT account_id, sum(amount) AS s FROM loyalty.entries GROUP BY 1) e
             ON e.account_id = a.id`,
    since: { sql: balanceSince, sticky: false, unit: 'accounts (opening balance + new entries)' },
  },
  {
    check: 'balance_not_negative',
    title: 'no member balance < 0',
    proves: 'no member was overdrawn',
    unit: 'members',
    reads: ['accounts'],
    full: memberAccounts('balance < 0'),
    since: 'full',
  },
  {
    check: 'held_not_negative',
    title: 'no member held < 0',
    proves: 'no hold was released or captured twice',
    unit: 'members',
    reads: ['accounts'],
    full: memberAccounts('held < 0'),
    since: 'full',
  },
  {
    check: 'held_within_balance',
    title: 'held <= balance',
    proves: 'points promised to checkouts exist',
    unit: 'members',
    reads: ['accounts'],
    full: memberAccounts('held > balance'),
    since: 'full',
  },
  {
    check: 'balance_matches_lots',
    title: 'member balance = sum of open lots',
    proves: 'every point a member has will expire on a known date, and none twice',
    unit: 'members',
    reads: ['accounts', 'lots'],
    full: `SELECT count(*) FILTER (WHERE a.balance <> coalesce(l.s, 0))::bigint AS bad,
                  count(*)::bigint AS examined
           FROM loyalty.accounts a
           LEFT JOIN (SELECT member_id, sum(remaining) AS s FROM loyalty.lots
                      WHERE remaining > 0 GROUP BY 1) l ON l.member_id = a.id
           WHERE a.kind = 'member'`,
    since: 'full',
  },
  {
    check: 'held_matches_holds',
    title: 'held = sum of active holds',
    proves: 'what is held is exactly what open checkouts hold, so available is right',
    unit: 'members',
    reads: ['accounts', 'holds'],
    full: `SELECT count(*) FILTER (WHERE a.held <> coalesce(h.s, 0))::bigint AS bad,
                  count(*)::bigint AS examined
           FROM loyalty.accounts a
           LEFT JOIN (SELECT member_id, sum(points) AS s FROM loyalty.holds
                      WHERE status = 'active' GROUP BY 1) h ON h.member_id = a.id
           WHERE a.kind = 'member'`,
    since: 'full',
  },
];

const dropInvariants: LedgerInvariant[] = [
  {
    check: 'drop_not_oversold',
    title: 'drops: sold <= quantity',
    proves: 'a flash sale never sold more than its stock',
    unit: 'drops',
    reads: ['drops'],
    full: `SELECT count(*) FILTER (WHERE sold > quantity OR sold < 0)::bigint AS bad,
                  count(*)::bigint AS examined, coalesce(sum(sold), 0) || ' sold' AS note
           FROM loyalty.drops`,
    since: 'full',
  },
  {
    check: 'drop_sold_matches_claims',
    title: 'drops: sold = number of claims',
    proves: 'every unit sold has its claim row and no claim is uncounted',
    unit: 'drops',
    reads: ['drops', 'drop_claims'],
    full: `SELECT count(*) FILTER (WHERE d.sold <> coalesce(c.n, 0))::bigint AS bad,
                  count(*)::bigint AS examined
           FROM loyalty.drops d
           LEFT JOIN (SELECT drop_id, count(*) AS n FROM loyalty.drop_claims GROUP BY 1) c
             ON c.drop_id = d.id`,
    since: 'full',
  },
  {
    check: 'drop_member_limit',
    title: 'drops: no member over per_member_limit',
    proves: 'nobody got more units of a drop than allowed',
    unit: '(drop, member) pairs',
    reads: ['drops', 'drop_claims'],
    full: `SELECT count(*) FILTER (WHERE x.n > d.per_member_limit)::bigint AS bad,
                  count(*)::bigint AS examined
           FROM (SELECT drop_id, member_id, count(*) AS n FROM loyalty.drop_claims GROUP BY 1, 2) x
           JOIN loyalty.drops d ON d.id = x.drop_id`,
    since: 'full',
  },
  {
    check: 'drop_claim_paid',
    title: 'drops: every claim paid by its own claim transaction',
    proves: 'no unit was handed out without its member paying the price',
    unit: 'claims',
    reads: ['drop_claims', 'drops', 'transactions'],
    full: `SELECT count(*) FILTER (WHERE t.kind IS DISTINCT FROM 'claim' OR t.points <> d.points_price
                                   OR t.member_id <> c.member_id)::bigint AS bad,
                  count(*)::bigint AS examined
           FROM loyalty.drop_claims c JOIN loyalty.drops d ON d.id = c.drop_id
           LEFT JOIN loyalty.transactions t ON t.id = c.transaction_id`,
    since: 'full',
  },
];

/** Every invariant, in the order they run and print. */
export const ledgerInvariants: readonly LedgerInvariant[] = [
  ...transactionInvariants,
  ...accountInvariants,
  ...dropInvariants,
];
