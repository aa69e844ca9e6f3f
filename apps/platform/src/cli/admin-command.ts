import { createAdmin, identityModule, type NewAdmin } from '@redemption/identity';
import { buildPlatform, loadPlatformConfig, ProblemError } from '@redemption/kernel';
import { CommandFailed, parseCommandArgs, UsageError, type CommandArgs } from './cli-args.ts';
import { ask, askSecret, readFirstLine, type PromptIo } from './prompt.ts';

export const adminUsage = `usage: redemption admin create [--email <e-mail>] [--username <name>] [--password-stdin]
  Creates an admin account; an admin with that e-mail already there is left as it is.
  --email <e-mail>    the admin's e-mail (asked for on a terminal when not given)
  --username <name>   the sign-in name (default: the e-mail's part before @)
  --password-stdin    read the password from the first line of stdin instead of asking
  The password is asked for without echo, never taken as an option (it would stay in the shell
  history and in ps): 12 to 128 characters, not the e-mail or username, 4 or more distinct.`;

const adminOptions = {
  email: { type: 'string' },
  username: { type: 'string' },
  'password-stdin': { type: 'boolean' },
} as const;
const usernameLengthMin = 3;

/** The terminal, or pipes (the password on stdin) and the test's streams. */
export interface AdminIo extends PromptIo {
  stdout: NodeJS.WritableStream;
}

/** `redemption admin create`: builds identity alone, creates the admin, says what happened. */
export async function adminCommand(args: readonly string[], version: string, io: AdminIo) {
  const [verb, ...rest] = args;
  if (verb !== 'create')
    throw new UsageError(
      verb ? `unknown admin command "${verb}"` : 'admin needs a command: create',
      adminUsage,
    );
  const admin = await adminInput(parseCommandArgs(rest, adminOptions, adminUsage), io);
  const config = loadPlatformConfig(process.env, [identityModule]);
  const platform = await buildPlatform({
    config,
    modules: [identityModule],
    name: 'admin',
    version,
  });
  try {
    const { outcome } = await createAdmin(platform.db, platform.events.publisher, admin);
    io.stdout.write(
      outcome === 'created'
        ? `admin ${admin.email} created (username ${admin.username})\n`
        : `admin ${admin.email} already exists; nothing changed\n`,
    );
  } catch (err) {
    // The policy's and the database's refusals, in words: "password must be at least 12 …".
    if (err instanceof ProblemError)
      throw new CommandFailed(err.message.replace(/^body\./, ''), { cause: err });
    throw err;
  } finally {
    await platform.close();
  }
}

/** E-mail, username and password from the options, stdin or the terminal. */
async function adminInput({ values }: CommandArgs, io: AdminIo): Promise<NewAdmin> {
  const email = typeof values['email'] === 'string' ? values['email'] : await askEmail(io);
  if (!/^[^@\s]+@[^@\s]+$/.test(email))
    throw new UsageError(`"${email}" is not an e-mail address`, adminUsage);
  const username =
    typeof values['username'] === 'string' ? values['username'] : email.split('@')[0]!;
  if (username.length < usernameLengthMin)
    throw new UsageError(
      `username "${username}" is shorter than ${usernameLengthMin}: give one with --username`,
      adminUsage,
    );
  const password = values['password-stdin'] ? await readFirstLine(io.input) : await askTwice(io);
  return { email, username, password };
}

async function askEmail(io: AdminIo): Promise<string> {
  if (!io.input.isTTY)
    throw new UsageError('--email is needed when stdin is not a terminal', adminUsage);
  return ask('admin e-mail: ', io);
}

async function askTwice(io: AdminIo): Promise<string> {
  const password = await askSecret('password (not shown): ', io);
  if ((await askSecret('the same again: ', io)) !== password)
    throw new CommandFailed('the two passwords differ; nothing was created');
  return password;
}
