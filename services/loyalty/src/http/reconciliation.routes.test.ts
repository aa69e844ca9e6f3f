import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verificationRound } from '../app/ledger-verification.job.ts';
import { startLoyalty, type LoyaltyHarness } from '../testing/loyalty-harness.ts';

const hourMs = 3_600_000;

describe('reconciliation routes, metrics and schedule (embedded PGlite)', () => {
  let h: LoyaltyHarness;
  beforeAll(async () => {
    h = await startLoyalty();
  });
  afterAll(async () => h?.close());

  const metrics = async () =>
    (await h.platform.app.inject({ method: 'GET', url: '/metrics' })).body;

  it('refuses members, anonymous callers and bad bodies, naming the field', async () => {
    const m = await h.member(10);
    const asMember = await h.call('POST', '/api/loyalty/admin/verify', m.token, {});
    expect(asMember.status).toBe(403);
    const anonymous = await h.platform.app.inject({
      method: 'GET',
      url: '/api/loyalty/admin/reconciliation',
    });
    expect(anonymous.statusCode).toBe(401);
    const bad = await h.call('POST', '/api/loyalty/admin/verify', h.adminToken, { full: 'yes' });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toContain('application/problem+json');
    expect(bad.body.errors[0].field).toBe('body.full');
    const extra = await h.call('POST', '/api/loyalty/admin/verify', h.adminToken, { since: 1 });
    expect(extra.status).toBe(400);
  });

  it('exports no violation figures before the first verification', async () => {
    const before = await h.call('GET', '/api/loyalty/admin/reconciliation', h.adminToken);
    expect(before.body).toMatchObject({ verified: false, position: null, violations: 0 });
    expect(await metrics()).not.toMatch(/ledger_invariant_violations\{/);
  });

  it('verifies on request (full first, then incremental) and exports the result', async () => {
    const m = await h.member(250);
    await h.call('POST', '/api/loyalty/redemptions', m.token, { points: 50 });
    const first = await h.call('POST', '/api/loyalty/admin/verify', h.adminToken, {});
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ mode: 'full', violations: 0, errors: 0, recorded: true });
    expect(first.body.checks).toHaveLength(15);
    const next = await h.call('POST', '/api/loyalty/admin/verify', h.adminToken, {});
    expect(next.body).toMatchObject({ mode: 'incremental', from_position: first.body.position });
    const full = await h.call('POST', '/api/loyalty/admin/verify', h.adminToken, { full: true });
    expect(full.body.mode).toBe('full');

    const last = await h.call('GET', '/api/loyalty/admin/reconciliation', h.adminToken);
    expect(last.body).toMatchObject({ verified: true, mode: 'full', violations: 0 });
    expect(last.body.checks[0]).toMatchObject({ check: 'transaction_balanced', violations: 0 });
    const text = await metrics();
    expect(text).toContain('ledger_invariant_violations{check="balance_matches_entries"} 0');
    expect(text).toMatch(new RegExp(`ledger_verified_position ${full.body.position}\\b`));
    expect(text).toMatch(/ledger_verified_at_seconds 1\d{9}/);
  });

  it('schedules: nothing while the last verification is recent, full when one is due', async () => {
    const db = h.platform.db;
    expect(await verificationRound(db, { everyMs: hourMs, fullEveryMs: 24 * hourMs })).toBe(
      undefined,
    );
    const due = await verificationRound(db, { everyMs: 0, fullEveryMs: 24 * hourMs });
    expect(due).toMatchObject({ mode: 'incremental', violations: 0, recorded: true });
    const fullDue = await verificationRound(db, { everyMs: 0, fullEveryMs: 0 });
    expect(fullDue?.mode).toBe('full');
  });
});
