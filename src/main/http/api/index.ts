import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import type { Container } from '../../container';
import type { Services } from '../../services';
import { malformedJson, notJson } from './errors';
import { openApiDocument } from './openapi';
import { defineRoute, registerRoutes, sendProblem, type ApiRoute } from './route';
import { accountRoutes } from './routes/accounts';
import { bookingRoutes } from './routes/bookings';
import { catalogueRoutes } from './routes/catalogue';
import { paymentRoutes } from './routes/payments';
import { openApiDocumentSchema } from './schemas';

export type { ApiRoute } from './route';

/**
 * The route table of the marketplace API (seed-api.md), its OpenAPI document included. The
 * rescheduling endpoints (R51–R53) are not served yet.
 */
export function apiRoutes(services: Services): readonly ApiRoute[] {
  const routes: ApiRoute[] = [
    ...accountRoutes(services),
    ...catalogueRoutes(services),
    ...bookingRoutes(services),
    ...paymentRoutes(services),
  ];
  let document: z.input<typeof openApiDocumentSchema> | null = null;
  routes.push(
    defineRoute({
      method: 'GET',
      path: '/api/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This API’s OpenAPI 3.1 document',
      tags: ['meta'],
      access: 'public',
      responses: { 200: openApiDocumentSchema },
      // Generated once, from this very table (this route included).
    }).handle(() =>
      Promise.resolve({
        status: 200,
        body: (document ??= openApiDocument(routes) as unknown as z.input<typeof openApiDocumentSchema>),
      }),
    ),
  );
  return routes;
}

/** The marketplace API of seed-api.md under /api (R50), as an encapsulated Fastify plugin. */
export function marketplaceApi(container: Container, _env: NodeJS.ProcessEnv) {
  const routes = apiRoutes(container.services);
  return async function api(app: FastifyInstance): Promise<void> {
    // Bodies are JSON objects. An empty body sent as JSON is {}; anything unreadable, or another
    // content type, is a 400 in the API's shape (Fastify's own answers differ). The body limit stays
    // the server's: 413 before anything is read past it, and before authentication.
    const strictJson = app.getDefaultJsonParser('error', 'error');
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      if (text.trim() === '') {
        done(null, {});
        return;
      }
      void strictJson(request, text, (error, parsed) => {
        if (error) done(malformedJson(), undefined);
        else done(null, parsed);
      });
    });
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) => {
      done(notJson(), undefined);
    });
    // Errors raised before a handler runs (body too large, unreadable body) get the API's shapes too.
    app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
    registerRoutes(app, routes, container.services.accounts);
    // The access-token key is loaded lazily, through a read outside any transaction; the first
    // sign-in would otherwise load it inside its transaction, which on the embedded database (one
    // connection) waits for itself until the transaction times out. Load it now, before serving.
    await container.services.accounts.actorFor('warm-up').catch(() => undefined);
  };
}
