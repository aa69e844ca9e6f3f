import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { api, must } from '../api/client.ts';
import { signOut, signOutEverywhere } from '../auth/session.ts';
import { ProblemMessage } from '../components/problem-message.tsx';

export function ProfileForm({ userId }: { userId: string }) {
  const queryClient = useQueryClient();
  const profile = useQuery({
    queryKey: ['user', userId],
    queryFn: () => must(api.GET('/api/users/{id}', { params: { path: { id: userId } } })),
  });
  const [form, setForm] = useState({ full_name: '', phone: '', address: '' });
  useEffect(() => {
    if (profile.data)
      setForm({
        full_name: profile.data.full_name ?? '',
        phone: profile.data.phone ?? '',
        address: profile.data.address ?? '',
      });
  }, [profile.data]);
  const save = useMutation({
    mutationFn: () =>
      must(api.PUT('/api/users/{id}', { params: { path: { id: userId } }, body: form })),
    onSuccess: (u) => queryClient.setQueryData(['user', userId], u),
  });
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    save.mutate();
  };
  const bind = (k: keyof typeof form) => ({
    value: form[k],
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [k]: e.target.value }),
  });
  return (
    <form className="card profile" onSubmit={submit} aria-labelledby="profile-heading">
      <h2 id="profile-heading">Profile</h2>
      {profile.data && (
        <p className="muted">
          Signed in as <strong>{profile.data.username}</strong> ({profile.data.email})
        </p>
      )}
      <div className="field">
        <label htmlFor="pf-name">Full name</label>
        <input id="pf-name" autoComplete="name" {...bind('full_name')} />
      </div>
      <div className="field">
        <label htmlFor="pf-phone">Phone</label>
        <input id="pf-phone" type="tel" autoComplete="tel" {...bind('phone')} />
      </div>
      <div className="field">
        <label htmlFor="pf-address">Address</label>
        <input id="pf-address" autoComplete="street-address" {...bind('address')} />
      </div>
      <ProblemMessage error={save.error ?? profile.error} />
      <p role="status">{save.isSuccess ? 'Saved.' : ''}</p>
      <button type="submit" className="button button-primary" disabled={save.isPending}>
        Save profile
      </button>
    </form>
  );
}

/** Sign out here, everywhere, or delete the account (asks first). */
export function SessionActions({ userId }: { userId: string }) {
  const navigate = useNavigate();
  const [error, setError] = useState<unknown>(null);
  const [confirming, setConfirming] = useState(false);
  const run = (fn: () => Promise<void>) => async () => {
    setError(null);
    try {
      await fn();
      void navigate('/');
    } catch (err) {
      setError(err);
    }
  };
  const remove = run(async () => {
    await must(api.DELETE('/api/users/{id}', { params: { path: { id: userId } } }));
    await signOut();
  });
  return (
    <div className="card">
      <h2>Sessions</h2>
      <ProblemMessage error={error} />
      <p className="actions">
        <button type="button" className="button" onClick={() => void run(signOut)()}>
          Sign out
        </button>
        <button type="button" className="button" onClick={() => void run(signOutEverywhere)()}>
          Sign out everywhere
        </button>
      </p>
      <h2>Delete your account</h2>
      {confirming ? (
        <p className="actions">
          <span>Delete the account for good? Your points are lost.</span>
          <button type="button" className="button button-danger" onClick={() => void remove()}>
            Yes, delete my account
          </button>
          <button type="button" className="button" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </p>
      ) : (
        <button type="button" className="button button-danger" onClick={() => setConfirming(true)}>
          Delete account…
        </button>
      )}
    </div>
  );
}
