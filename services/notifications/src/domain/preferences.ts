import type { Category, Channel, TemplateName } from './kinds.ts';
import { templateSpecs } from './kinds.ts';

/** A member's choice for one category on one channel (absent: the default below). */
export interface Preference {
  category: Category;
  channel: Channel;
  enabled: boolean;
}

/**
 * Transactional e-mail is always on (receipts, resets: the account needs them); SMS and push
 * are opt-in for transactional messages, and everything marketing is opt-in.
 */
export const enabledByDefault = (category: Category, channel: Channel): boolean =>
  category === 'transactional' && channel === 'email';

/** Choices a member cannot change. */
export const isLocked = (category: Category, channel: Channel): boolean =>
  category === 'transactional' && channel === 'email';

export function isEnabled(
  prefs: readonly Preference[],
  category: Category,
  channel: Channel,
): boolean {
  if (isLocked(category, channel)) return true;
  const chosen = prefs.find((p) => p.category === category && p.channel === channel);
  return chosen ? chosen.enabled : enabledByDefault(category, channel);
}

/** The channels a template goes out on for this member. */
export function channelsFor(template: TemplateName, prefs: readonly Preference[]): Channel[] {
  const spec = templateSpecs[template];
  return spec.channels.filter((c) => isEnabled(prefs, spec.category, c));
}
