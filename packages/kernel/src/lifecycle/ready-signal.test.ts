import { spawn } from 'node:child_process';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { loggerOptions } from '../log/logger.ts';
import { readyBaseUrl, waitForReady } from '../testing/wait-for-ready.ts';
import { announceReady, listenUrls, parseReadySignal, type ReadySignal } from './ready-signal.ts';

const signal: Omit<ReadySignal, 'event' | 'pid'> = {
  url: 'http://localhost:8080',
  listen: ['http://127.0.0.1:8080'],
  mode: 'standalone',
  services: ['identity', 'loyalty'],
  version: '0.1.0',
  ready_ms: 812,
};

/** Lines a logger at `level` writes while announcing readiness. */
function announced(level: string): string[] {
  const lines: string[] = [];
  const log = pino(loggerOptions(level, 'platform'), { write: (l: string) => void lines.push(l) });
  log.info('chatter');
  announceReady(log, signal);
  return lines;
}

describe('the ready signal', () => {
  it('is one JSON log line a tool can parse, whatever LOG_LEVEL says', () => {
    for (const level of ['info', 'warn', 'silent']) {
      const parsed = announced(level)
        .map((l) => parseReadySignal(l.trim()))
        .filter(Boolean);
      expect(parsed, level).toHaveLength(1);
      expect(parsed[0]).toMatchObject({
        ...signal,
        event: 'ready',
        pid: process.pid,
        level: 'info',
        msg: 'ready',
        service: 'platform',
      });
    }
  });

  it('is not any other line', () => {
    expect(parseReadySignal('> redemption@0.1.0 start')).toBeUndefined();
    expect(parseReadySignal('{"level":"info","msg":"ready"}')).toBeUndefined();
    expect(parseReadySignal('{"event":"ready","url":"x"}')).toBeUndefined(); // no listen, services
    expect(parseReadySignal('{"event":"ready", broken')).toBeUndefined();
  });

  it('gives wildcard addresses as loopback, IPv6 in brackets', () => {
    expect(
      listenUrls([
        { address: '0.0.0.0', family: 'IPv4', port: 80 },
        { address: '::', family: 'IPv6', port: 81 },
        { address: '127.0.0.1', family: 'IPv4', port: 82 },
      ]),
    ).toEqual(['http://127.0.0.1:80', 'http://[::1]:81', 'http://127.0.0.1:82']);
  });
});

/** A child that writes `lines` to stdout, then stays (or exits with `exitCode`). */
function child(lines: string[], exitCode?: number) {
  const script = `for (const l of ${JSON.stringify(lines)}) process.stdout.write(l + '\\n');
process.stderr.write('what it said on stderr\\n');
${exitCode === undefined ? 'setTimeout(() => {}, 60000);' : `setTimeout(() => process.exit(${exitCode}), 50);`}`;
  return spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('waitForReady', () => {
  it("resolves with the child's ready line, skipping anything else on stdout", async () => {
    const ready = JSON.stringify({ ...signal, event: 'ready', pid: 1 });
    const c = child(['> redemption@0.1.0 start', '{"level":"warn","msg":"x"}', ready]);
    try {
      const got = await waitForReady(c, { timeoutMs: 10_000 });
      expect(got.services).toEqual(['identity', 'loyalty']);
      expect(readyBaseUrl(got)).toBe('http://127.0.0.1:8080');
    } finally {
      c.kill('SIGKILL');
    }
  });

  it('rejects when the child exits first, with what it said', async () => {
    let stderr = '';
    const c = child(['starting'], 3);
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await expect(waitForReady(c, { timeoutMs: 10_000, output: () => stderr })).rejects.toThrow(
      /exited \(3\) before it was ready:\nwhat it said on stderr/,
    );
  });

  it('rejects after the timeout', async () => {
    const c = child(['still starting']);
    try {
      await expect(waitForReady(c, { timeoutMs: 300 })).rejects.toThrow(/not ready within 300 ms/);
    } finally {
      c.kill('SIGKILL');
    }
  });
});
