/** Identity's domain: pure rules, no I/O. */
export const roles = ['member', 'admin'] as const;
export type Role = (typeof roles)[number];

export const limits = {
  usernameLengthMin: 3,
  usernameLengthMax: 80,
  emailLengthMax: 120,
  passwordLengthMin: 12,
  passwordLengthMax: 128,
  fullNameLengthMax: 120,
  phoneLengthMax: 20,
  addressLengthMax: 500,
} as const;

export interface User {
  id: string;
  username: string;
  email: string;
  full_name: string | null;
  phone: string | null;
  address: string | null;
  role: Role;
  created_at: Date;
  updated_at: Date;
}

/** Usernames and e-mails are unique without regard to case; we keep what the user typed. */
export const normalizeLogin = (s: string): string => s.trim().toLowerCase();

/**
 * Password policy (NIST SP 800-63B): length is what matters, not character classes. At least 12
 * characters, at most 128 (argon2 cost is per byte), not the username or e-mail, not one
 * character repeated.
 */
export function passwordProblem(
  password: string,
  username: string,
  email: string,
): string | undefined {
  if (password.length < limits.passwordLengthMin)
    return `must be at least ${limits.passwordLengthMin} characters`;
  if (password.length > limits.passwordLengthMax)
    return `must be at most ${limits.passwordLengthMax} characters`;
  const lower = password.toLowerCase();
  if (lower === username.toLowerCase() || lower === email.toLowerCase())
    return 'must not be your username or e-mail';
  if (new Set(password).size < 4) return 'must use at least 4 different characters';
  return undefined;
}
