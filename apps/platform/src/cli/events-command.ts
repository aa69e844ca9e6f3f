import {
  createDb,
  deadLettersPageMax,
  kernelMigrations,
  listDeadLetters,
  loadPlatformConfig,
  migrate,
  replayDeadLetter,
  type DeadLetter,
} from '@redemption/kernel';
import { exitCode, intOption, parseCommandArgs, UsageError } from './cli-args.ts';

export const eventsUsage = `usage: redemption events dlq list [--all] [--limit N]
       redemption events dlq replay <id>
  list     dead-lettered events, newest first (--all: replayed ones too; --limit: at most N, 50)
  replay   re-drive one dead letter through its consumer group`;

const dlqListDefault = 50;

/** `redemption events dlq list|replay`, on the kernel's tables only. */
export async function eventsCommand(args: readonly string[], out: NodeJS.WritableStream) {
  const [what, verb, ...rest] = args;
  if (what !== 'dlq' || (verb !== 'list' && verb !== 'replay'))
    throw new UsageError(`unknown events command "${args.join(' ')}"`, eventsUsage);
  const parsed =
    verb === 'list'
      ? parseCommandArgs(rest, { all: { type: 'boolean' }, limit: { type: 'string' } }, eventsUsage)
      : parseCommandArgs(rest, {}, eventsUsage, 1);
  const id = parsed.positionals[0];
  if (verb === 'replay' && !id)
    throw new UsageError(
      'events dlq replay needs a dead letter id (see events dlq list)',
      eventsUsage,
    );
  const limit =
    intOption(parsed.values['limit'], 'limit', { min: 1, max: deadLettersPageMax }, eventsUsage) ??
    dlqListDefault;
  const config = loadPlatformConfig();
  const db = await createDb({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: 2,
  });
  try {
    await migrate(db, [kernelMigrations]);
    if (id) {
      const ok = await replayDeadLetter(db, id, config.eventPartitions);
      out.write(ok ? `replayed ${id}\n` : `no un-replayed dead letter ${id}\n`);
      if (!ok) process.exitCode = exitCode.failed;
      return;
    }
    const rows = await listDeadLetters(db, {
      limit,
      includeReplayed: parsed.values['all'] === true,
    });
    out.write(rows.length === 0 ? 'no dead letters\n' : rows.map(deadLetterLine).join(''));
  } finally {
    await db.close();
  }
}

const deadLetterLine = (r: DeadLetter): string =>
  `${r.id}  ${r.created_at.toISOString()}  group=${r.group_name} topic=${r.topic} type=${r.event_type} ` +
  `event=${r.event_id} attempts=${r.attempts}${r.replayed_at ? ' replayed' : ''}\n    ${r.error}\n`;
