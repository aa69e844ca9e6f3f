import { randomBytes } from 'node:crypto';
import { escapeHtml, type RenderedMessage } from '../domain/render.ts';

type Mjml = typeof import('mjml');
let mjml: Promise<Mjml> | undefined;

/**
 * MJML is loaded on the first mail, not at start-up: importing it takes a second or more
 * (cheerio, juice, cssnano), which every process would pay even when it never sends mail.
 */
const loadMjml = (): Promise<Mjml> => (mjml ??= import('mjml').then((m) => m.default ?? m));

/** MJML source to HTML; injectable so tests can count compiles. */
export type CompileMjml = (source: string) => Promise<string>;

/** Strict validation: a layout mistake throws rather than sending a broken mail. */
export const compileMjml: CompileMjml = async (source) => {
  const render = await loadMjml();
  const out = await render(source, { validationLevel: 'strict', minify: false });
  return out.html;
};

/**
 * Compiled shapes kept (locale x line count x unsubscribe or not: about 20 today). Each is one
 * mail's HTML, some 8 KB; the bound only matters if templates ever grow many line counts.
 */
export const shapesCachedMax = 64;

const colours = { brand: '#7a3e00', text: '#1f2328', muted: '#59636e', background: '#f6f8fa' };

/** Only web links go into an href: a template value can never become `javascript:`. */
function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new Error(`refusing a ${parsed.protocol} link in a mail`);
  return escapeHtml(parsed.href);
}

/** A mail's values as they go into the MJML: every one already escaped (or a placeholder). */
interface MailFields {
  locale: string;
  title: string;
  preview: string;
  heading: string;
  lines: readonly string[];
  actionHref: string;
  actionLabel: string;
  actionText: string;
  footer: string;
  unsubscribe: { href: string; label: string } | null;
}

function escapedFields(m: RenderedMessage): MailFields {
  // The unsubscribe link is checked before the action link, as it always was.
  const unsubscribe = m.unsubscribe
    ? { href: safeUrl(m.unsubscribe.url), label: escapeHtml(m.unsubscribe.label) }
    : null;
  return {
    locale: m.locale,
    title: escapeHtml(m.subject),
    preview: escapeHtml(m.lines[m.lines.length - 1] ?? m.heading),
    heading: escapeHtml(m.heading),
    lines: m.lines.map(escapeHtml),
    actionHref: safeUrl(m.action.url),
    actionLabel: escapeHtml(m.action.label),
    actionText: escapeHtml(m.action.url),
    footer: escapeHtml(m.footer),
    unsubscribe,
  };
}

const footerContent = (f: MailFields): string =>
  f.unsubscribe
    ? `${f.footer} <a href="${f.unsubscribe.href}" style="color:${colours.muted}">${f.unsubscribe.label}</a>`
    : f.footer;

function sourceOf(f: MailFields): string {
  const lines = f.lines
    .map(
      (l) => `<mj-text color="${colours.text}" font-size="16px" line-height="24px">${l}</mj-text>`,
    )
    .join('\n');
  return `<mjml lang="${f.locale}">
  <mj-head>
    <mj-title>${f.title}</mj-title>
    <mj-preview>${f.preview}</mj-preview>
    <mj-attributes><mj-all font-family="Helvetica, Arial, sans-serif" /></mj-attributes>
  </mj-head>
  <mj-body background-color="${colours.background}">
    <mj-section background-color="#ffffff" padding="24px">
      <mj-column>
        <mj-text font-size="24px" font-weight="bold" color="${colours.brand}">${f.heading}</mj-text>
        ${lines}
        <mj-button href="${f.actionHref}" background-color="${colours.brand}" font-size="16px">${f.actionLabel}</mj-button>
        <mj-text color="${colours.muted}" font-size="13px">${f.actionText}</mj-text>
      </mj-column>
    </mj-section>
    <mj-section>
      <mj-column>
        <mj-text color="${colours.muted}" font-size="12px">${footerContent(f)}</mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;
}

/** The message as MJML; every value is escaped, so member-chosen names cannot add markup. */
export function mjmlSource(m: RenderedMessage): string {
  return sourceOf(escapedFields(m));
}

/**
 * Placeholders are letters, digits and underscores, which neither escaping nor MJML changes;
 * the per-process nonce keeps MJML's own markup from ever looking like one.
 */
const slotPrefix = `mjmlslot_${randomBytes(6).toString('hex')}_`;
const slotPattern = new RegExp(`${slotPrefix}([A-Za-z0-9]+)_`);
const slot = (name: string): string => `${slotPrefix}${name}_`;

/** The fields of a shape, each value a placeholder named after the field. */
function placeholderFields(locale: string, lineCount: number, unsubscribe: boolean): MailFields {
  return {
    locale,
    title: slot('title'),
    preview: slot('preview'),
    heading: slot('heading'),
    lines: Array.from({ length: lineCount }, (_, i) => slot(`line${i}`)),
    actionHref: slot('actionHref'),
    actionLabel: slot('actionLabel'),
    actionText: slot('actionText'),
    footer: slot('footer'),
    unsubscribe: unsubscribe
      ? { href: slot('unsubscribeHref'), label: slot('unsubscribeLabel') }
      : null,
  };
}

/** Placeholder name -> escaped value, the same names as `placeholderFields`. */
function slotValues(f: MailFields): Map<string, string> {
  const values = new Map<string, string>([
    ['title', f.title],
    ['preview', f.preview],
    ['heading', f.heading],
    ['actionHref', f.actionHref],
    ['actionLabel', f.actionLabel],
    ['actionText', f.actionText],
    ['footer', f.footer],
  ]);
  f.lines.forEach((l, i) => values.set(`line${i}`, l));
  if (f.unsubscribe) {
    values.set('unsubscribeHref', f.unsubscribe.href);
    values.set('unsubscribeLabel', f.unsubscribe.label);
  }
  return values;
}

/**
 * MJML trims each element's text and drops an empty one, so a value at the edge of an element
 * that starts or ends with white space (or is empty) would not come out as it went in: such a
 * mail is compiled whole. Everything else MJML copies verbatim, which the shape check confirms.
 */
function fillable(f: MailFields): boolean {
  const texts = [f.title, f.preview, f.heading, ...f.lines, f.actionLabel, f.actionText];
  return [...texts, footerContent(f)].every((t) => t !== '' && t.trim() === t);
}

/** Compiled HTML cut at its placeholders: text, slot name, text, ..., text. */
type Shape = { kind: 'filled'; parts: string[] } | { kind: 'whole'; reason: string };

/**
 * How often MJML 5 writes each value: the title also labels the body (`aria-label`), the rest
 * once. Another MJML that differs only makes the shape compile whole (with a warning).
 */
function slotCounts(placeholders: MailFields): Map<string, number> {
  const counts = new Map([...slotValues(placeholders).keys()].map((name) => [name, 1]));
  counts.set('title', 2);
  return counts;
}

/** Each placeholder as often as expected and nothing left that looks like one, or no shape. */
function cutAtSlots(html: string, expected: ReadonlyMap<string, number>): Shape {
  const parts = html.split(new RegExp(slotPattern.source, 'g'));
  const seen = new Map<string, number>();
  for (let i = 1; i < parts.length; i += 2) seen.set(parts[i]!, (seen.get(parts[i]!) ?? 0) + 1);
  const wrong = [...new Set([...expected.keys(), ...seen.keys()])].filter(
    (name) => seen.get(name) !== expected.get(name),
  );
  if (wrong.length > 0) {
    const counts = wrong.map((n) => `${n} ${seen.get(n) ?? 0}x, not ${expected.get(n) ?? 0}x`);
    return { kind: 'whole', reason: `placeholders out of MJML: ${counts.join(', ')}` };
  }
  if (parts.some((t, i) => i % 2 === 0 && t.includes(slotPrefix)))
    return { kind: 'whole', reason: 'a placeholder came out of MJML altered' };
  return { kind: 'filled', parts };
}

function fillShape(parts: readonly string[], values: ReadonlyMap<string, string>): string {
  let html = parts[0] ?? '';
  for (let i = 1; i < parts.length; i += 2) html += values.get(parts[i]!)! + parts[i + 1]!;
  return html;
}

export interface MailHtmlOptions {
  compile?: CompileMjml;
  /** Told once per shape whose placeholders MJML did not copy verbatim (then compiled whole). */
  onWholeShape?: (shape: string, reason: string) => void;
}

const warnWholeShape = (shape: string, reason: string): void =>
  process.emitWarning(`mail shape ${shape} is compiled whole for every mail: ${reason}`);

/**
 * Responsive HTML for a message. MJML costs milliseconds of CPU per compile, on the event loop
 * that also serves checkouts, so each shape (what changes the MJML's structure) is compiled once
 * with placeholders and the escaped values are put into the HTML, byte for byte what compiling
 * the whole mail gives.
 */
export function createMailHtml(
  opts: MailHtmlOptions = {},
): (m: RenderedMessage) => Promise<string> {
  const compile = opts.compile ?? compileMjml;
  const onWholeShape = opts.onWholeShape ?? warnWholeShape;
  const shapes = new Map<string, Promise<Shape>>();

  const shapeFor = (f: MailFields): Promise<Shape> => {
    const key = `${f.locale}/${f.lines.length}/${f.unsubscribe ? 'unsubscribe' : 'none'}`;
    const cached = shapes.get(key);
    if (cached) {
      shapes.delete(key); // most recently used goes last; the first is evicted
      shapes.set(key, cached);
      return cached;
    }
    const placeholders = placeholderFields(f.locale, f.lines.length, f.unsubscribe !== null);
    const shape = compile(sourceOf(placeholders)).then((html) => {
      const cut = cutAtSlots(html, slotCounts(placeholders));
      if (cut.kind === 'whole') onWholeShape(key, cut.reason);
      return cut;
    });
    shape.catch(() => {
      if (shapes.get(key) === shape) shapes.delete(key); // a failed compile is tried again
    });
    if (shapes.size >= shapesCachedMax) shapes.delete(shapes.keys().next().value!);
    shapes.set(key, shape);
    return shape;
  };

  return async (m) => {
    const f = escapedFields(m);
    if (!fillable(f)) return compile(sourceOf(f));
    const shape = await shapeFor(f);
    return shape.kind === 'filled' ? fillShape(shape.parts, slotValues(f)) : compile(sourceOf(f));
  };
}

/** Responsive HTML for the message (MJML, strict validation: a layout mistake throws). */
export const mailHtml = createMailHtml();
