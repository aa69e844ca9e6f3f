/** An RFC 9457 problem the API answered with (or one made up for a network failure). */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
  retry_after_s?: number;
  [extension: string]: unknown;
}

export class ApiError extends Error {
  readonly problem: Problem;
  readonly retryAfterS: number | undefined;
  constructor(problem: Problem, retryAfterS?: number) {
    super(problemSentence(problem));
    this.problem = problem;
    this.retryAfterS = retryAfterS ?? problem.retry_after_s;
  }
  get slug(): string {
    return slugOf(this.problem);
  }
  get status(): number {
    return this.problem.status;
  }
}

export const slugOf = (p: Pick<Problem, 'type'>): string => p.type.split('/').pop() ?? '';

/** What a person should read for the problems they can meet; the API's own detail otherwise. */
const sentences: Record<string, string> = {
  'insufficient-points': 'You do not have enough points for this.',
  'out-of-stock': 'Sorry, one of the rewards is out of stock now. Lower the quantity or remove it.',
  'sold-out': 'Sold out: every unit of this drop has been claimed.',
  'member-limit-reached': 'You have already claimed as many of this drop as one member may.',
  'drop-not-open': 'This drop is not open yet.',
  'drop-closed': 'This drop has closed.',
  'invalid-credentials': 'The username or password is not right.',
  'username-taken': 'That username is taken; choose another.',
  'email-taken': 'An account with that e-mail already exists. Sign in or reset your password.',
  'reset-token-invalid': 'This reset link is invalid, already used or expired. Ask for a new one.',
  'points-exceed-total': 'You cannot use more points than the order costs.',
  'mixed-currencies': 'The cart holds rewards priced in different currencies; order them apart.',
  'unknown-product': 'One of the rewards in your cart is no longer available.',
  'payment-provider-error':
    'The payment provider did not answer; nothing was charged and no points were used. Please try again.',
  'dependency-unavailable':
    'Part of the shop is not answering right now. Please try again shortly.',
  'ledger-busy': 'The points service is busy right now. Try again in a moment.',
  forbidden: 'Your account may not do this.',
  'not-found': 'We could not find that.',
};

const declineSentences: Record<string, string> = {
  insufficient_funds: 'Your card was declined: insufficient funds. No points were used.',
  card_declined: 'Your card was declined. No points were used; try another card.',
  processing_error: 'The card could not be processed. No points were used; please try again.',
};

/** `body.full_name must …` reads better as `Full name must …`. */
function humanDetail(detail: string): string {
  const d = detail.replace(/\b(body|querystring|params|headers)\.([a-z0-9_]+)/gi, (_m, _p, f) =>
    String(f).replace(/_/g, ' '),
  );
  const s = d.charAt(0).toUpperCase() + d.slice(1);
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/** A sentence for a problem: never raw JSON, never empty. */
export function problemSentence(p: Problem): string {
  const slug = slugOf(p);
  if (slug === 'payment-declined') {
    const code = String(p['decline_code'] ?? 'card_declined');
    return declineSentences[code] ?? declineSentences['card_declined']!;
  }
  if (p.status === 429) {
    const s = p.retry_after_s;
    return s ? `Too many requests right now. Try again in ${s} s.` : 'Too many requests right now.';
  }
  if (sentences[slug]) return sentences[slug];
  if (p.status >= 500 && !p.detail) return 'Something went wrong on our side. Please try again.';
  if (p.detail) return humanDetail(p.detail);
  return p.title ? humanDetail(p.title) : 'The request could not be completed.';
}

/** Turns whatever a failed call produced into a Problem (network errors included). */
export function toProblem(body: unknown, status: number): Problem {
  if (body && typeof body === 'object' && 'type' in body && 'status' in body)
    return body as Problem;
  if (status === 0)
    return {
      type: '/problems/network',
      title: 'Network error',
      status: 0,
      detail: 'We could not reach the server. Check your connection and try again.',
    };
  return {
    type: '/problems/unknown',
    title: 'Error',
    status,
    detail: `The server answered ${status}.`,
  };
}
