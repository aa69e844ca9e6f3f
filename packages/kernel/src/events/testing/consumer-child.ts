/**
 * A consumer (and/or relay) process for the kill -9 tests. Configured by env:
 * BUS_ENV (JSON BusEnv), TOPIC, GROUP, PUBLISH (events to publish if the topic is empty),
 * ROLE (consumer | relay), DELAY_MS (per event, so a kill lands mid-batch), EXPECT (events).
 * Prints `effect` per handled event, `relayed N` as the relay progresses, `done` when EXPECT
 * effects exist. Exits 0 on SIGTERM after a graceful stop.
 */
import { effects, newBus, openDb, publishMany, recordEffect, type BusEnv } from './bus-harness.ts';

const env = JSON.parse(process.env['BUS_ENV']!) as BusEnv;
const topic = process.env['TOPIC']!;
const group = process.env['GROUP']!;
const expectCount = Number(process.env['EXPECT'] ?? 0);
const checkEveryMs = 100;

const db = await openDb(env);
const bus = await newBus(db, env, topic);
const toPublish = Number(process.env['PUBLISH'] ?? 0);
if (toPublish > 0) {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM kernel.outbox WHERE topic = $1',
    [topic],
  );
  if (rows[0]!.n === 0)
    await publishMany(db, bus, topic, ['k0', 'k1', 'k2', 'k3', 'k4', 'k5'], toPublish / 6);
}
if (process.env['ROLE'] === 'consumer') {
  const delayMs = Number(process.env['DELAY_MS'] ?? 0);
  bus.subscribe({
    group,
    topics: [topic],
    handler: recordEffect(group, { delayMs, onEffect: () => process.stdout.write('effect\n') }),
  });
}
await bus.start();
process.stdout.write('started\n');

const timer = setInterval(() => {
  void (async () => {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM kernel.outbox WHERE topic = $1 AND relayed_at IS NOT NULL',
      [topic],
    );
    process.stdout.write(`relayed ${rows[0]!.n}\n`);
    if (expectCount > 0 && (await effects(db, group)).length >= expectCount)
      process.stdout.write('done\n');
  })().catch(() => undefined);
}, checkEveryMs);

process.on('SIGTERM', () => {
  clearInterval(timer);
  void bus
    .stop()
    .then(() => db.close())
    .then(() => process.exit(0));
});
