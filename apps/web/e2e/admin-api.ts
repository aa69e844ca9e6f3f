/** Setup steps the journeys need but do not test, straight through the API as the admin. */
export interface AdminApi {
  grant(username: string, points: number): Promise<void>;
  userId(username: string): Promise<string>;
  /** The text of the newest dev mailbox message to `recipient` whose subject matches, if any. */
  mailText(recipient: string, subject: RegExp): Promise<string | undefined>;
}

export async function adminApi(baseUrl: string, adminPassword: string): Promise<AdminApi> {
  const login = await fetch(`${baseUrl}/api/users/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin@redemption.local', password: adminPassword }),
  });
  if (!login.ok) throw new Error(`admin login failed: ${login.status} ${await login.text()}`);
  const token = ((await login.json()) as { access_token: string }).access_token;
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  async function userId(username: string): Promise<string> {
    const res = await fetch(`${baseUrl}/api/users?q=${encodeURIComponent(username)}`, {
      headers: auth,
    });
    const items = ((await res.json()) as { items: Array<{ id: string; username: string }> }).items;
    const user = items.find((u) => u.username === username);
    if (!user) throw new Error(`no user ${username}`);
    return user.id;
  }
  return {
    userId,
    async mailText(recipient, subject) {
      const res = await fetch(
        `${baseUrl}/api/notifications/mailbox?recipient=${encodeURIComponent(recipient)}`,
        { headers: auth },
      );
      if (!res.ok) throw new Error(`mailbox: ${res.status} ${await res.text()}`);
      const items = ((await res.json()) as { items: Array<{ subject: string; text: string }> })
        .items;
      return items.find((m) => subject.test(m.subject))?.text;
    },
    async grant(username, points) {
      const res = await fetch(`${baseUrl}/api/loyalty/earn`, {
        method: 'POST',
        headers: { ...auth, 'idempotency-key': crypto.randomUUID() },
        body: JSON.stringify({
          member_id: await userId(username),
          points,
          reason: 'journey setup',
        }),
      });
      if (res.status !== 201 && res.status !== 200)
        throw new Error(`earn failed: ${res.status} ${await res.text()}`);
    },
  };
}
