import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildPlatform,
  loadPlatformConfig,
  newId,
  replayDeadLetter,
  type Platform,
} from '@redemption/kernel';
import { createTestTokens } from '@redemption/kernel/testing';
import { adminOpsRoutes } from './admin-ops.routes.ts';

let platform: Platform;

beforeAll(async () => {
  const tokens = await createTestTokens();
  platform = await buildPlatform({
    config: loadPlatformConfig({ DATA_DIR: 'memory://', LOG_LEVEL: 'silent' }),
    modules: [],
    name: 'dead-letter-metrics-test',
    version: '0',
    jwtKeys: tokens.keys,
    extraRoutes: async (app, { db }) => adminOpsRoutes(app, db, { eventPartitions: 3 }),
  });
});
afterAll(async () => platform?.close());

async function deadLetter(group: string): Promise<string> {
  const id = newId();
  const event = {
    specversion: '1.0',
    id: newId(),
    source: '/t',
    subject: newId(),
    type: 'order_paid',
    time: new Date().toISOString(),
    data: {},
  };
  await platform.db.query(
    `INSERT INTO kernel.dead_letters (id, group_name, topic, event_id, event, error, attempts)
     VALUES ($1, $2, 'orders', $3, $4, 'boom', 5)`,
    [id, group, event.id, JSON.stringify(event)],
  );
  return id;
}

const samples = async () =>
  (await platform.app.metricsRegistry.getSingleMetric('events_dead_letters')!.get()).values.map(
    (v) => ({ group: v.labels['group'], n: v.value }),
  );

describe('events_dead_letters', () => {
  it('counts the dead letters not yet replayed, by group; a replayed group reports 0', async () => {
    expect(await samples()).toEqual([]);
    const first = await deadLetter('loyalty.order-earnings');
    await deadLetter('loyalty.order-earnings');
    const other = await deadLetter('notifications');
    expect(await samples()).toEqual(
      expect.arrayContaining([
        { group: 'loyalty.order-earnings', n: 2 },
        { group: 'notifications', n: 1 },
      ]),
    );
    await replayDeadLetter(platform.db, first, 3);
    await replayDeadLetter(platform.db, other, 3);
    expect(await samples()).toEqual(
      expect.arrayContaining([
        { group: 'loyalty.order-earnings', n: 1 },
        { group: 'notifications', n: 0 },
      ]),
    );
    const text = await (await platform.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain('events_dead_letters{group="loyalty.order-earnings"} 1');
  });
});
