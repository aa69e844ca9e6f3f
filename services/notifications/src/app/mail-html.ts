import { escapeHtml, type RenderedMessage } from '../domain/render.ts';

type Mjml = typeof import('mjml');
let mjml: Promise<Mjml> | undefined;

/**
 * MJML is loaded on the first mail, not at start-up: importing it takes a second or more
 * (cheerio, juice, cssnano), which every process would pay even when it never sends mail.
 */
const loadMjml = (): Promise<Mjml> => (mjml ??= import('mjml').then((m) => m.default ?? m));

const colours = { brand: '#7a3e00', text: '#1f2328', muted: '#59636e', background: '#f6f8fa' };

/** Only web links go into an href: a template value can never become `javascript:`. */
function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Error(`refusing a ${parsed.protocol} link in a mail`);
  return escapeHtml(parsed.href);
}

/** The message as MJML; every value is escaped, so member-chosen names cannot add markup. */
export function mjmlSource(m: RenderedMessage): string {
  const lines = m.lines
    .map(
      (l) =>
        `<mj-text color="${colours.text}" font-size="16px" line-height="24px">${escapeHtml(l)}</mj-text>`,
    )
    .join('\n');
  const unsubscribe = m.unsubscribe
    ? ` <a href="${safeUrl(m.unsubscribe.url)}" style="color:${colours.muted}">${escapeHtml(m.unsubscribe.label)}</a>`
    : '';
  return `<mjml lang="${m.locale}">
  <mj-head>
    <mj-title>${escapeHtml(m.subject)}</mj-title>
    <mj-preview>${escapeHtml(m.lines[m.lines.length - 1] ?? m.heading)}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="${colours.background}">
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-text font-size="24px" font-weight="bold" color="${colours.brand}">${escapeHtml(m.heading)}</mj-text>
        ${lines}
        <mj-button href="${safeUrl(m.action.url)}" background-color="${colours.brand}" font-size="16px">${escapeHtml(m.action.label)}</mj-button>
        <mj-text color="${colours.muted}" font-size="13px">${escapeHtml(m.action.url)}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section>
      <mj-column>
        <mj-text color="${colours.muted}" font-size="12px">${escapeHtml(m.footer)}${unsubscribe}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

/** Responsive HTML for the message (MJML, strict validation: a layout mistake throws). */
export async function mailHtml(m: RenderedMessage): Promise<string> {
  const render = await loadMjml();
  const out = await render(mjmlSource(m), { validationLevel: 'strict', minify: false });
  return out.html;
}
