/**
 * `npm run observe`'s engine: Debian's Prometheus (the `prometheus` binary) next to a running
 * platform, scraping it with METRICS_TOKEN and the rules of deploy/observability loaded, data
 * in a throwaway directory. `windowScale` loads the SLO rules with every window divided by it
 * (60: the 1 h window is 1 minute), so a developer sees a burn-rate alert fire in seconds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sloRulesYaml } from '../../deploy/observability/slo/slo-rules.ts';
import { prometheusConfig } from './prometheus-config.ts';

const platformRules = fileURLToPath(
  new URL('../../deploy/observability/rules/platform.rules.yml', import.meta.url),
);
const readyTimeoutMs = 60_000;
const readyPollMs = 250;
const stopTimeoutMs = 10_000;

export interface ObserveOptions {
  /** the platform's base URL */
  url: string;
  metricsToken?: string | undefined;
  /** Prometheus's port (127.0.0.1); 0 is not allowed by Prometheus, so pick one */
  port: number;
  /** divide the SLO windows by this (1: the real windows) */
  windowScale?: number;
  /** seconds between scrapes and rule evaluations */
  scrapeIntervalS?: number;
  /** where Prometheus's own output goes ('inherit' for the CLI) */
  stdio?: 'inherit' | 'ignore';
}

export interface Observing {
  prometheusUrl: string;
  dir: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function startObserve(o: ObserveOptions): Promise<Observing> {
  const scale = o.windowScale ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'redemption-observe-'));
  const rules = [join(dir, 'slo.rules.yml'), join(dir, 'platform.rules.yml')];
  writeFileSync(rules[0]!, sloRulesYaml({ windowScale: scale }));
  copyFileSync(platformRules, rules[1]!);
  let tokenFile: string | undefined;
  if (o.metricsToken) {
    tokenFile = join(dir, 'metrics-token');
    writeFileSync(tokenFile, o.metricsToken, { mode: 0o600 });
  }
  const interval = o.scrapeIntervalS ?? (scale > 1 ? 1 : 15);
  writeFileSync(
    join(dir, 'prometheus.yml'),
    prometheusConfig({ url: o.url, ...(tokenFile ? { tokenFile } : {}) }, rules, interval),
  );
  const listen = `127.0.0.1:${o.port}`;
  const child = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=${listen}`,
      '--storage.tsdb.retention.time=1d',
    ],
    { stdio: ['ignore', o.stdio ?? 'ignore', o.stdio ?? 'ignore'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await exited;
      clearTimeout(t);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const prometheusUrl = `http://${listen}`;
  try {
    await waitReady(prometheusUrl, child);
  } catch (err) {
    await stop();
    throw err;
  }
  return { prometheusUrl, dir, child, stop };
}

async function waitReady(url: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}`);
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, readyPollMs));
  }
  throw new Error(`prometheus was not ready at ${url} within ${readyTimeoutMs} ms`);
}

/** An instant query's vector, as [labels, value] pairs. */
export async function query(
  prometheusUrl: string,
  promql: string,
): Promise<Array<{ metric: Record<string, string>; value: number }>> {
  const r = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await r.json()) as {
    status: string;
    error?: string;
    data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> };
  };
  if (body.status !== 'success') throw new Error(`query failed: ${body.error ?? r.status}`);
  return body.data.result.map((s) => ({ metric: s.metric, value: Number(s.value[1]) }));
}

/** Alerts Prometheus holds (pending or firing). */
export async function alerts(
  prometheusUrl: string,
): Promise<Array<{ labels: Record<string, string>; state: string }>> {
  const r = await fetch(`${prometheusUrl}/api/v1/alerts`);
  return (
    (await r.json()) as {
      data: { alerts: Array<{ labels: Record<string, string>; state: string }> };
    }
  ).data.alerts;
}
