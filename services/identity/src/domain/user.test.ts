import { describe, expect, it } from 'vitest';
import { normalizeLogin, passwordProblem } from './user.ts';

describe('password policy', () => {
  it('accepts a long passphrase', () => {
    expect(passwordProblem('correct horse battery', 'alice', 'alice@example.com')).toBeUndefined();
  });
  it('rejects short, repetitive and self-referential passwords', () => {
    expect(passwordProblem('short1!', 'alice', 'a@b.c')).toMatch(/at least 12/);
    expect(passwordProblem('aaaaaaaaaaaaaaaa', 'alice', 'a@b.c')).toMatch(/4 different/);
    expect(passwordProblem('alice@example.com', 'bob', 'Alice@Example.com')).toMatch(
      /username or e-mail/,
    );
    expect(passwordProblem('x'.repeat(64) + 'abcd'.repeat(20), 'alice', 'a@b.c')).toMatch(
      /at most 128/,
    );
  });
});

describe('normalizeLogin', () => {
  it('ignores case and surrounding space', () => {
    expect(normalizeLogin('  Alice@Example.COM ')).toBe('alice@example.com');
  });
});
