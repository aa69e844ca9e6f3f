import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { newIdempotencyKey } from '../api/client.ts';
import { ApiError, toProblem } from '../api/problem.ts';
import { publicApi } from '../api/public-client.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { signIn } from '../auth/session.ts';
import { ProblemMessage } from '../components/problem-message.tsx';

/** The API's rule (NIST 800-63B: length over composition). */
const passwordLengthMin = 12;

export function SignUpPage() {
  usePageTitle('Create an account');
  const navigate = useNavigate();
  const [form, setForm] = useState({ username: '', email: '', full_name: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [key] = useState(newIdempotencyKey);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { error: problem, response } = await publicApi.POST('/api/users/register', {
        headers: { 'idempotency-key': key },
        body: { ...form, full_name: form.full_name || undefined },
      });
      if (!response.ok) throw new ApiError(toProblem(problem, response.status));
      await signIn(form.username, form.password);
      void navigate('/account');
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(toProblem(undefined, 0)));
    } finally {
      setBusy(false);
    }
  }
  const bind = (k: keyof typeof form) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
  });

  return (
    <section className="narrow">
      <h1>Create an account</h1>
      <form onSubmit={(e) => void submit(e)}>
        <div className="field">
          <label htmlFor="su-username">Username</label>
          <input
            id="su-username"
            autoComplete="username"
            required
            maxLength={64}
            {...bind('username')}
          />
        </div>
        <div className="field">
          <label htmlFor="su-email">E-mail</label>
          <input id="su-email" type="email" autoComplete="email" required {...bind('email')} />
        </div>
        <div className="field">
          <label htmlFor="su-name">Full name (optional)</label>
          <input id="su-name" autoComplete="name" {...bind('full_name')} />
        </div>
        <div className="field">
          <label htmlFor="su-password">Password</label>
          <input
            id="su-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={passwordLengthMin}
            aria-describedby="su-password-hint"
            {...bind('password')}
          />
          <p id="su-password-hint" className="muted">
            At least {passwordLengthMin} characters; a few words make a good one.
          </p>
        </div>
        <ProblemMessage error={error} />
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating your account…' : 'Create account'}
        </button>
      </form>
      <p>
        Already a member? <Link to="/sign-in">Sign in</Link>
      </p>
    </section>
  );
}
