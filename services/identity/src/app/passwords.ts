import { hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` is an ambient const enum, which type stripping cannot inline. */
const argon2id = 2;
/** OWASP's argon2id baseline: 19 MiB memory, 2 passes, 1 lane. */
const argonOptions = {
  algorithm: argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

export const hashPassword = (password: string): Promise<string> => hash(password, argonOptions);

let dummyHash: Promise<string> | undefined;

/**
 * Verifies against the stored hash; with no user, verifies against a dummy hash anyway so the
 * response time does not tell whether an account exists.
 */
export async function verifyPassword(
  storedHash: string | undefined,
  password: string,
): Promise<boolean> {
  if (storedHash === undefined) {
    dummyHash ??= hashPassword('not-a-real-password-but-same-cost');
    await verify(await dummyHash, password).catch(() => false);
    return false;
  }
  return verify(storedHash, password).catch(() => false);
}
