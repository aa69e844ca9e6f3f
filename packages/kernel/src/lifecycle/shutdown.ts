import type { FastifyBaseLogger } from 'fastify';

export interface ShutdownOptions {
  log: FastifyBaseLogger;
  /** Exit anyway after this long (Kubernetes sends SIGKILL at 30 s by default). */
  timeoutMs: number;
  /** Called in order: first stop accepting and drain HTTP, then consumers, then pools. */
  steps: ReadonlyArray<{ name: string; run: () => Promise<void> }>;
  exit?: (code: number) => void;
}

/**
 * On SIGTERM or SIGINT: run the steps once, in order, then exit 0; exit 1 if they do not finish
 * within the timeout or one fails. A second signal does not start a second shutdown.
 */
export function installShutdown(opts: ShutdownOptions): () => Promise<void> {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  let started: Promise<void> | undefined;
  const shutdown = (signal: string): Promise<void> => {
    started ??= (async () => {
      opts.log.info({ signal }, 'shutting down: draining in-flight work');
      const timer = setTimeout(() => {
        opts.log.error({ timeout_ms: opts.timeoutMs }, 'shutdown timed out; exiting');
        exit(1);
      }, opts.timeoutMs);
      timer.unref();
      let code = 0;
      for (const step of opts.steps) {
        try {
          await step.run();
        } catch (err) {
          code = 1;
          opts.log.error({ err, step: step.name }, 'shutdown step failed');
        }
      }
      clearTimeout(timer);
      opts.log.info({ code }, 'shutdown complete');
      exit(code);
    })();
    return started;
  };
  // `on`, not `once`: a second signal must not fall back to Node's default (instant exit)
  // while the drain is still running.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return () => shutdown('manual');
}
