import { describe, expect, it } from 'vitest';
import type { Locale } from '../domain/kinds.ts';
import type { RenderedMessage } from '../domain/render.ts';
import {
  compileMjml,
  createMailHtml,
  mjmlSource,
  shapesCachedMax,
  type CompileMjml,
} from './mail-html.ts';

/** Values that break naive templating: markup, entities, `$` replacement patterns, bidi. */
const tricky = [
  'Tom & Jerry',
  '<script>alert(1)</script>',
  `"double" and 'single' quotes`,
  "costs $& or $1 or $$ or $` or $' — literally",
  'Ünïcödé 日本語 🎉 naïve',
  '\u202Eright to left\u202C with \u200F marks \u200E',
  'already &amp; escaped &lt;b&gt;',
  'mjmlslot_0123456789ab_title_ looks like a placeholder',
  `long ${'word '.repeat(2000)}end`,
  'inner\nnew line',
];
const urls = [
  'https://shop.example/o/1?a=1&b=$&#frag',
  'http://shop.example/ü?q="<x>"&r=$1',
  'https://shop.example/o/2',
];

function message(i: number, lineCount: number, unsubscribe: boolean, locale: Locale) {
  const v = (k: number): string => tricky[(i + k) % tricky.length]!;
  const m: RenderedMessage = {
    template: unsubscribe ? 'drop_opening' : 'order_confirmation',
    category: unsubscribe ? 'marketing' : 'transactional',
    locale,
    subject: v(0),
    heading: v(1),
    lines: Array.from({ length: lineCount }, (_, k) => v(2 + k)),
    action: { label: v(7), url: urls[i % urls.length]! },
    footer: v(8),
    unsubscribe: unsubscribe ? { label: v(9), url: urls[(i + 1) % urls.length]! } : null,
    text: '',
    sms: '',
    push: { title: '', body: '', url: '' },
  };
  return m;
}

/** Every shape: 0..5 lines, with and without unsubscribe, both locales. */
function everyShape(offset: number): RenderedMessage[] {
  const out: RenderedMessage[] = [];
  for (const locale of ['en', 'fr'] as const)
    for (let lines = 0; lines <= 5; lines++)
      for (const unsubscribe of [false, true])
        out.push(message(out.length + offset, lines, unsubscribe, locale));
  return out;
}

function counting(compile: CompileMjml = compileMjml) {
  const calls = { n: 0 };
  const counted: CompileMjml = (source) => {
    calls.n++;
    return compile(source);
  };
  return { calls, compile: counted };
}

const outcome = (p: Promise<string>) =>
  p.then(
    (html) => ({ html }),
    (e: unknown) => ({ error: String(e) }),
  );

describe('mailHtml', () => {
  it('gives exactly the HTML of compiling the whole mail, first and later renders of a shape', async () => {
    const mailHtml = createMailHtml({ onWholeShape: (s, r) => expect.fail(`${s}: ${r}`) });
    for (const offset of [0, 3, 7]) {
      for (const m of everyShape(offset)) {
        const html = await mailHtml(m);
        expect(html).toBe(await compileMjml(mjmlSource(m)));
        expect(html).not.toContain('<script>');
      }
    }
  });

  it('compiles each shape once, whatever the values', async () => {
    const { calls, compile } = counting();
    const mailHtml = createMailHtml({ compile });
    await mailHtml(message(0, 2, false, 'en'));
    expect(calls.n).toBe(1);
    await mailHtml(message(1, 2, false, 'en'));
    await mailHtml(message(5, 2, false, 'en'));
    expect(calls.n).toBe(1);
    await mailHtml(message(1, 2, true, 'en'));
    await mailHtml(message(1, 2, false, 'fr'));
    await mailHtml(message(1, 3, false, 'en'));
    expect(calls.n).toBe(4);
    await Promise.all(everyShape(2).map((m) => mailHtml(m)));
    expect(calls.n).toBe(24); // 2 locales x 6 line counts x unsubscribe or not
  });

  it('compiles mails whose values MJML would trim whole, with the same result', async () => {
    const { calls, compile } = counting();
    const mailHtml = createMailHtml({ compile });
    const base = message(0, 2, true, 'en');
    const edgy: RenderedMessage[] = [
      { ...base, heading: ' padded heading ' },
      { ...base, lines: ['', 'second'] },
      { ...base, lines: ['trailing new line\n', 'x'] },
      { ...base, subject: '\u00a0non-breaking space' },
      { ...base, footer: '' },
      { ...base, footer: '', unsubscribe: null },
      { ...base, action: { ...base.action, label: '' } },
    ];
    for (const m of edgy) {
      const expected = await outcome(compileMjml(mjmlSource(m)));
      expect(await outcome(mailHtml(m))).toEqual(expected);
    }
    expect(calls.n).toBe(edgy.length);
  });

  it('refuses a javascript: link, before and after its shape is cached', async () => {
    const mailHtml = createMailHtml();
    const m = message(0, 1, true, 'en');
    await mailHtml(m);
    const evil = 'javascript:alert(document.cookie)';
    await expect(mailHtml({ ...m, action: { ...m.action, url: evil } })).rejects.toThrow(
      /refusing a javascript: link/,
    );
    await expect(mailHtml({ ...m, unsubscribe: { label: 'x', url: evil } })).rejects.toThrow(
      /refusing a javascript: link/,
    );
    expect(() => mjmlSource({ ...m, action: { ...m.action, url: evil } })).toThrow();
  });

  it('compiles every mail of a shape whole, and says so once, when MJML alters a placeholder', async () => {
    // An MJML that rewrote text would leave the first line's placeholder unrecognisable.
    const altering: CompileMjml = async (s) => (await compileMjml(s)).replace(/line0_/, 'LINE0_');
    const { calls, compile } = counting(altering);
    const told: string[] = [];
    const mailHtml = createMailHtml({ compile, onWholeShape: (shape) => told.push(shape) });
    for (const i of [0, 1, 2]) {
      const m = message(i, 1, false, 'en');
      expect(await mailHtml(m)).toBe(await altering(mjmlSource(m)));
    }
    expect(told).toEqual(['en/1/none']);
    expect(calls.n).toBe(4); // the shape, then each of the three mails whole
  });

  it(`keeps at most ${shapesCachedMax} shapes, the least recently used evicted`, async () => {
    const { calls, compile } = counting();
    const mailHtml = createMailHtml({ compile });
    for (let lines = 1; lines <= shapesCachedMax; lines++)
      await mailHtml(message(0, lines, false, 'en'));
    await mailHtml(message(0, 1, false, 'en')); // used again: now the most recent
    expect(calls.n).toBe(shapesCachedMax);
    await mailHtml(message(0, 0, false, 'en')); // one more shape evicts 2 lines, not 1
    await mailHtml(message(0, 1, false, 'en'));
    expect(calls.n).toBe(shapesCachedMax + 1);
    await mailHtml(message(0, 2, false, 'en'));
    expect(calls.n).toBe(shapesCachedMax + 2);
  });
});
