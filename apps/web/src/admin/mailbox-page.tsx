import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, must } from '../api/client.ts';
import { dateTime } from '../app/format.ts';
import { usePageTitle } from '../app/use-page-title.ts';
import { Loading, ProblemMessage } from '../components/problem-message.tsx';

/** Messages one page lists (the route's default page size). */
const pageSize = 20;
/** Links are only ever our own http(s) URLs; anything else stays text. */
const linkPattern = /(https?:\/\/[^\s<>"']+)/g;

/** A message's text with its links clickable (text only: the HTML part is never rendered here). */
function TextWithLinks({ text }: { text: string }) {
  return (
    <pre className="mail-text">
      {text.split(linkPattern).map((part, i) =>
        i % 2 === 1 ? (
          <a key={i} href={part} rel="noreferrer">
            {part}
          </a>
        ) : (
          part
        ),
      )}
    </pre>
  );
}

/**
 * The dev mailbox: what notifications "sent" when no SMTP server (or SMS, Web Push provider) is
 * configured, newest first; admins only, since a reset link opens the member's account.
 */
export function MailboxPage() {
  usePageTitle('Admin: dev mailbox');
  const [recipient, setRecipient] = useState('');
  const [open, setOpen] = useState<string | null>(null);
  const messages = useQuery({
    queryKey: ['mailbox', recipient],
    queryFn: () =>
      must(
        api.GET('/api/notifications/mailbox', {
          params: { query: { limit: pageSize, ...(recipient ? { recipient } : {}) } },
        }),
      ),
  });
  return (
    <section>
      <h1>Dev mailbox</h1>
      <p className="muted">
        Mail and messages the platform sent while no provider is configured (set SMTP_URL to send
        real mail).
      </p>
      <label>
        Recipient{' '}
        <input
          type="search"
          value={recipient}
          maxLength={320}
          onChange={(e) => setRecipient(e.target.value.trim())}
          placeholder="alice@example.com"
        />
      </label>
      <ProblemMessage error={messages.error} />
      {messages.isPending ? (
        <Loading what="messages" />
      ) : messages.data?.items.length === 0 ? (
        <p>No messages.</p>
      ) : (
        <ul className="mailbox" data-testid="mailbox">
          {messages.data?.items.map((m) => (
            <li key={m.id}>
              <button
                type="button"
                className="link-button"
                aria-expanded={open === m.id}
                onClick={() => setOpen(open === m.id ? null : m.id)}
              >
                <strong>{m.subject}</strong> to {m.recipient}{' '}
                <span className="muted small">
                  {m.channel}, {dateTime(m.created_at)}
                </span>
              </button>
              {open === m.id && <TextWithLinks text={m.text} />}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
