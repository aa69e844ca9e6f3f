export * from './analytics-harness.ts';
export * from './expected-windows.ts';
export * from './fixed-events.ts';
export * from './kafka-topics.ts';
export * from './flink-runner.ts';
