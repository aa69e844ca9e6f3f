import { useEffect, useRef, useState } from 'react';
import { problemSentence, toProblem, slugOf, type Problem } from '../api/problem.ts';
import { points } from '../app/format.ts';

/** What one claim request came back with. */
export interface ClaimResponse {
  status: number;
  body: unknown;
  retryAfterS?: number | undefined;
}

export type ClaimState =
  | { kind: 'idle' }
  | { kind: 'submitting' }
  | { kind: 'waiting'; seconds: number }
  | { kind: 'pending' }
  | { kind: 'won' }
  | { kind: 'limit' }
  | { kind: 'sold-out' }
  | { kind: 'refused'; message: string }
  | { kind: 'failed'; message: string };

export interface ClaimButtonProps {
  pointsPrice: number;
  /** False until the drop opens (and after it closes). */
  open: boolean;
  /** Sends the claim with this Idempotency-Key (the same key on every retry of one intent). */
  submit: (idempotencyKey: string) => Promise<ClaimResponse>;
  /** Looks up a queued claim (202); undefined while it is still waiting. */
  poll: (operationId: string) => Promise<ClaimResponse | undefined>;
  onSettled?: (state: ClaimState) => void;
  newKey?: () => string;
  /** How often a queued claim is looked up. */
  pollEveryMs?: number;
}

const pollEveryMsDefault = 1_000;
const retryAfterDefaultS = 1;
const retryAfterMaxS = 60;

/** Maps a final answer to a state; 202 and 429 are handled by the caller. */
export function settledState(res: ClaimResponse): ClaimState {
  if (res.status === 201 || res.status === 200) return { kind: 'won' };
  const problem: Problem = toProblem(res.body, res.status);
  if (res.status === 410) return { kind: 'sold-out' };
  if (res.status === 409 && slugOf(problem) === 'member-limit-reached') return { kind: 'limit' };
  if (res.status >= 400 && res.status < 500)
    return { kind: 'refused', message: problemSentence(problem) };
  return { kind: 'failed', message: problemSentence(problem) };
}

const isFinal = (s: ClaimState): boolean =>
  s.kind === 'won' || s.kind === 'limit' || s.kind === 'sold-out' || s.kind === 'refused';

/**
 * Claims one unit of a drop. It cannot double-submit: the button is disabled while a claim is
 * in flight, and one intent keeps one Idempotency-Key through every retry (429, network error),
 * so the server applies it at most once. 429 waits Retry-After and says so; 202 polls the
 * queued operation; 409 (limit) and 410 (sold out) are final.
 */
export function ClaimButton(props: ClaimButtonProps) {
  const { pointsPrice, open, submit, poll, onSettled } = props;
  const [state, setState] = useState<ClaimState>({ kind: 'idle' });
  const key = useRef<string | null>(null);
  // Set synchronously on click: two clicks in one frame both run before React re-renders the
  // button disabled, so the disabled attribute alone does not stop a double submit.
  const inFlight = useRef(false);
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  const settle = (s: ClaimState): void => {
    setState(s);
    if (isFinal(s)) key.current = null; // a later claim is a new intent
    onSettled?.(s);
  };

  const waitThenRetry = (seconds: number): void => {
    setState({ kind: 'waiting', seconds });
    timer.current = setTimeout(
      () => (seconds > 1 ? waitThenRetry(seconds - 1) : void attempt()),
      1_000,
    );
  };

  const watch = (operationId: string): void => {
    setState({ kind: 'pending' });
    timer.current = setTimeout(async () => {
      try {
        const res = await poll(operationId);
        if (res) settle(settledState(res));
        else watch(operationId);
      } catch {
        watch(operationId);
      }
    }, props.pollEveryMs ?? pollEveryMsDefault);
  };

  async function attempt(): Promise<void> {
    if (inFlight.current) return;
    inFlight.current = true;
    key.current ??= (props.newKey ?? (() => crypto.randomUUID()))();
    setState({ kind: 'submitting' });
    let res: ClaimResponse;
    try {
      res = await submit(key.current);
    } catch {
      return settle({
        kind: 'failed',
        message: 'We could not reach the server. Your claim was not lost: try again.',
      });
    } finally {
      inFlight.current = false;
    }
    if (res.status === 429) {
      const s = Math.min(
        retryAfterMaxS,
        Math.max(1, Math.ceil(res.retryAfterS ?? retryAfterDefaultS)),
      );
      return waitThenRetry(s);
    }
    const queued = res.body as { id?: string } | null;
    if (res.status === 202 && queued?.id) return watch(queued.id);
    settle(settledState(res));
  }

  const busy = state.kind === 'submitting' || state.kind === 'waiting' || state.kind === 'pending';
  const over = state.kind === 'sold-out' || state.kind === 'limit';
  const label = {
    idle: `Claim for ${points(pointsPrice)}`,
    submitting: 'Claiming…',
    waiting: 'Waiting…',
    pending: 'Claim queued…',
    won: 'Claim another',
    limit: 'Limit reached',
    'sold-out': 'Sold out',
    refused: `Claim for ${points(pointsPrice)}`,
    failed: 'Try again',
  }[state.kind];
  return (
    <div className="claim">
      <button
        type="button"
        className="button button-primary button-large"
        disabled={!open || busy || over}
        aria-disabled={!open || busy || over}
        onClick={() => void attempt()}
      >
        {label}
      </button>
      <p className="claim-status" role="status" aria-live="polite">
        {statusText(state)}
      </p>
    </div>
  );
}

function statusText(s: ClaimState): string {
  switch (s.kind) {
    case 'waiting':
      return `Lots of members are claiming right now. Trying again in ${s.seconds} s…`;
    case 'pending':
      return 'Your claim is in the queue. Waiting for the result…';
    case 'won':
      return 'You got it! The points were taken from your balance.';
    case 'limit':
      return 'You have claimed as many as one member may.';
    case 'sold-out':
      return 'Sold out: every unit has been claimed.';
    case 'refused':
    case 'failed':
      return s.message;
    default:
      return '';
  }
}
