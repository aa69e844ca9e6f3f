/**
 * The analytics module in its own process, for the crash test: started with the environment's
 * ANALYTICS_TEST_ENV (an AnalyticsTestEnv as JSON); prints `started`, then `folded N` (events
 * the engine counted so far) every few milliseconds, until it is killed.
 */
import { startAnalytics, type AnalyticsTestEnv } from './analytics-harness.ts';

const reportEveryMs = 10;
const t = JSON.parse(process.env['ANALYTICS_TEST_ENV']!) as AnalyticsTestEnv;
const h = await startAnalytics(t);
process.stdout.write('started\n');
const timer = setInterval(() => {
  void h.platform.db
    .query<{ n: number }>('SELECT events_folded::int AS n FROM analytics.engine')
    .then(({ rows }) => process.stdout.write(`folded ${rows[0]!.n}\n`))
    .catch(() => undefined);
}, reportEveryMs);
process.on('SIGTERM', () => {
  clearInterval(timer);
  void h.close().then(() => process.exit(0));
});
