import { useState, type FormEvent } from 'react';
import { publicApi } from '../api/public-client.ts';
import { ApiError, toProblem } from '../api/problem.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { ProblemMessage } from '../components/problem-message.tsx';

export default function ForgotPasswordPage() {
  usePageTitle('Reset your password');
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit(e: FormEvent): Promise<void> {
    e.preventDefault();
    setError(null);
    const { error: problem, response } = await publicApi
      .POST('/api/users/password-reset', { body: { email } })
      .catch(() => ({ error: undefined, response: new Response(null, { status: 599 }) }));
    if (response.ok) setSent(true);
    else setError(new ApiError(toProblem(problem, response.status === 599 ? 0 : response.status)));
  }

  return (
    <section className="narrow">
      <h1>Reset your password</h1>
      {sent ? (
        <p role="status">
          If an account uses {email}, a reset link is on its way. It works once, for 30 minutes.
        </p>
      ) : (
        <form onSubmit={(e) => void submit(e)}>
          <div className="field">
            <label htmlFor="fp-email">E-mail</label>
            <input
              id="fp-email"
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </div>
          <ProblemMessage error={error} />
          <button type="submit" className="button button-primary">
            Send the reset link
          </button>
        </form>
      )}
    </section>
  );
}
