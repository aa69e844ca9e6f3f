import type { Category, Locale, TemplateName } from './kinds.ts';
import { templateSpecs } from './kinds.ts';
import { catalogs, footers } from './strings.ts';

/** Longest SMS body sent (three concatenated segments); longer texts are cut with an ellipsis. */
export const smsLengthMax = 459;
/** Longest push body; push services cap the whole encrypted payload at about 4 KB. */
export const pushBodyLengthMax = 240;

export type MessageVars = Readonly<Record<string, string>>;

/** A message in one language with every placeholder filled; not yet escaped for HTML. */
export interface RenderedMessage {
  template: TemplateName;
  category: Category;
  locale: Locale;
  subject: string;
  heading: string;
  lines: string[];
  action: { label: string; url: string };
  footer: string;
  /** Only for messages one can unsubscribe from (marketing). */
  unsubscribe: { label: string; url: string } | null;
  text: string;
  sms: string;
  push: { title: string; body: string; url: string };
}

/** A template asked for a value the message does not have: a bug, never sent half-filled. */
export class MissingVariableError extends Error {}

/** Replaces each `{key}` with its value; an unknown key throws. */
export function fill(text: string, vars: MessageVars): string {
  return text.replace(/\{([a-z_]+)\}/g, (_, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new MissingVariableError(`no value for {${key}}`);
    return value;
  });
}

const cut = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

export function renderMessage(
  template: TemplateName,
  locale: Locale,
  vars: MessageVars & { link: string },
  unsubscribeUrl: string | null,
): RenderedMessage {
  const strings = catalogs[locale][template];
  const category = templateSpecs[template].category;
  const footer = footers[locale];
  const unsubscribe =
    category === 'marketing' && unsubscribeUrl
      ? { label: footer.unsubscribe, url: unsubscribeUrl }
      : null;
  const message = {
    template,
    category,
    locale,
    subject: fill(strings.subject, vars),
    heading: fill(strings.heading, vars),
    lines: strings.lines.map((l) => fill(l, vars)),
    action: { label: fill(strings.action, vars), url: vars.link },
    footer: footer[category],
    unsubscribe,
    sms: strings.sms ? cut(fill(strings.sms, vars), smsLengthMax) : '',
    push: {
      title: fill(strings.pushTitle, vars),
      body: cut(fill(strings.pushBody, vars), pushBodyLengthMax),
      url: vars.link,
    },
  };
  return { ...message, text: plainText(message) };
}

/** The text/plain part: the same words as the HTML, the link written out. */
function plainText(m: Omit<RenderedMessage, 'text'>): string {
  const parts = [m.heading, ...m.lines, `${m.action.label}: ${m.action.url}`, `-- \n${m.footer}`];
  if (m.unsubscribe) parts.push(`${m.unsubscribe.label}: ${m.unsubscribe.url}`);
  return `${parts.join('\n\n')}\n`;
}

/** For HTML text and attribute values (always double-quoted by the layout). */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
