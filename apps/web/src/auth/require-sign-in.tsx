import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { Loading } from '../components/problem-message.tsx';
import type { SessionUser } from './session.ts';
import { useSession } from './use-session.ts';

/** Renders its page for a signed-in member only; otherwise a way to sign in and come back. */
export function RequireSignIn({ children }: { children: (user: SessionUser) => ReactNode }) {
  const s = useSession();
  const location = useLocation();
  if (s.status === 'loading') return <Loading what="your session" />;
  if (s.status === 'signed-out' || !s.user)
    return (
      <section>
        <h1>Please sign in</h1>
        <p>
          <Link to={`/sign-in?next=${encodeURIComponent(location.pathname + location.search)}`}>
            Sign in
          </Link>{' '}
          or <Link to="/sign-up">create an account</Link> to continue.
        </p>
      </section>
    );
  return <>{children(s.user)}</>;
}
