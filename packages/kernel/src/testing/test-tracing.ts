import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { startTracing, type Tracing } from '../tracing/tracing.ts';

export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

export interface TestTracing {
  tracing: Tracing;
  /** Every span finished so far (exported one by one, as each ends). */
  spans(): ReadableSpan[];
  shutdown(): Promise<void>;
}

/** Tracing on, to an in-memory exporter: hand `tracing` to `startModule` / `buildTestPlatform`. */
export async function startTestTracing(serviceName = 'platform'): Promise<TestTracing> {
  const exporter = new InMemorySpanExporter();
  const tracing = (await startTracing({ serviceName, serviceVersion: 'test', env: {}, exporter }))!;
  return { tracing, spans: () => exporter.getFinishedSpans(), shutdown: () => tracing.shutdown() };
}
