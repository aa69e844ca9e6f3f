import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { publicApi } from '../api/public-client.ts';
import { ApiError, toProblem } from '../api/problem.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { ProblemMessage } from '../components/problem-message.tsx';

/** The token comes in the URL fragment (#token=…), which is never sent to any server. */
const tokenFromHash = (): string =>
  new URLSearchParams(window.location.hash.slice(1)).get('token') ?? '';

export default function ResetPasswordPage() {
  usePageTitle('Choose a new password');
  const [token] = useState(tokenFromHash);
  const [password, setPassword] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    const { error: problem, response } = await publicApi.POST('/api/users/password-reset/confirm', {
      body: { token, new_password: password },
    });
    if (response.ok) setDone(true);
    else setError(new ApiError(toProblem(problem, response.status)));
  }

  if (!token)
    return (
      <section className="narrow">
        <h1>Choose a new password</h1>
        <p>
          This page needs the link from the reset e-mail.{' '}
          <Link to="/forgot-password">Ask for a new one</Link>.
        </p>
      </section>
    );
  return (
    <section className="narrow">
      <h1>Choose a new password</h1>
      {done ? (
        <p role="status">
          Your password is changed and every session was signed out.{' '}
          <Link to="/sign-in">Sign in</Link>
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="rp-password">New password</label>
            <input
              id="rp-password"
              type="password"
              autoComplete="new-password"
              required
              minLength={12}
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </div>
          <ProblemMessage error={error} />
          <button type="submit" className="button button-primary">
            Set the new password
          </button>
        </form>
      )}
    </section>
  );
}
