import { ApiError } from '../api/problem.ts';

/** An error as a sentence in a live region (screen readers announce it when it appears). */
export function ProblemMessage({ error }: { error: unknown }) {
  if (!error) return null;
  const text =
    error instanceof ApiError
      ? error.message
      : error instanceof Error && error.message
        ? error.message
        : 'Something went wrong. Please try again.';
  return (
    <p className="notice notice-error" role="alert">
      {text}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}
