import { useEffect, useState } from 'react';

/** The current time, re-read every `everyMs` (for countdowns). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return d > 0 ? `${d}d ${pad(h)}:${pad(m)}:${pad(sec)}` : `${pad(h)}:${pad(m)}:${pad(sec)}`;
}

/**
 * Time left until `targetIso`. The visible clock ticks each second but is hidden from screen
 * readers, which get a minute-level summary instead of an announcement every second.
 */
export function Countdown({ targetIso, label }: { targetIso: string; label: string }) {
  const now = useNow();
  const left = Date.parse(targetIso) - now;
  const minutes = Math.ceil(left / 60_000);
  return (
    <p className="countdown">
      <span>{label} </span>
      <strong aria-hidden="true" data-testid="countdown">
        {formatDuration(left)}
      </strong>
      <span className="visually-hidden">
        {minutes <= 1 ? 'less than a minute' : `about ${minutes} minutes`}
      </span>
    </p>
  );
}
