import type { App } from '@redemption/kernel';
import { badRequest, problemResponses } from '@redemption/kernel';
import { Type } from 'typebox';
import type { NotificationsService } from '../app/notifications.service.ts';
import { escapeHtml } from '../domain/render.ts';
import { UnsubscribeQuery, UnsubscribeView } from './notifications.schemas.ts';
import { tags } from './notifications.routes.ts';

/** What a mail client's one-click POST may carry; only its presence matters (RFC 8058). */
const formBodyBytesMax = 1_024;

const invalidToken = () =>
  badRequest('querystring.token is not a valid unsubscribe link', 'querystring.token');

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${title}</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem"><h1>${title}</h1>${body}</body></html>`;

/**
 * Unsubscribe without signing in, by the signed link in the mail. GET only shows a button (link
 * scanners and previews fetch URLs; they must not unsubscribe anyone); POST unsubscribes: the
 * mail client's RFC 8058 one-click (`List-Unsubscribe=One-Click`, form-encoded) or that button.
 */
export async function unsubscribeRoutes(
  app: App,
  deps: { service: NotificationsService; key: string },
): Promise<void> {
  await app.register(async (instance) => {
    const scoped = instance as unknown as App; // the same type provider as the parent
    // Only here: the one-click POST is a form, which Fastify does not parse by default.
    for (const type of ['application/x-www-form-urlencoded', 'multipart/form-data'])
      scoped.addContentTypeParser(
        type,
        { parseAs: 'string', bodyLimit: formBodyBytesMax },
        (_req, body, done) => done(null, { form: String(body) }),
      );

    scoped.get('/api/notifications/unsubscribe', {
      config: { public: true },
      schema: {
        tags,
        operationId: 'showUnsubscribe',
        summary: 'The page an unsubscribe link opens (a button that POSTs; GET changes nothing)',
        querystring: UnsubscribeQuery,
        response: { 200: Type.String({ description: 'text/html' }) },
      },
      handler: async (req, reply) => {
        const action = `/api/notifications/unsubscribe?token=${encodeURIComponent(req.query.token)}`;
        const form = `<p>Stop these messages?</p><form method="post" action="${escapeHtml(action)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`;
        return reply.type('text/html; charset=utf-8').send(page('Unsubscribe', form));
      },
    });

    scoped.post('/api/notifications/unsubscribe', {
      config: { public: true },
      schema: {
        tags,
        operationId: 'unsubscribe',
        summary: 'Unsubscribe by a signed link (RFC 8058 one-click); no sign-in',
        querystring: UnsubscribeQuery,
        response: { 200: UnsubscribeView, ...problemResponses(400) },
      },
      handler: async (req, reply) => {
        if (!(await deps.service.unsubscribe(deps.key, req.query.token))) throw invalidToken();
        // The page's own button (a browser) gets a page; a mail client's one-click gets JSON.
        if (req.headers.accept?.includes('text/html'))
          return reply
            .type('text/html; charset=utf-8')
            .send(
              page('Unsubscribed', '<p>You will not get these messages any more.</p>') as never,
            );
        return { unsubscribed: true as const };
      },
    });
  });
}
