import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponsesObject,
  type oas31,
} from 'zod-openapi';
import type { ApiRoute } from './route';
import { declineError, detailError, stateError, validationError } from './schemas';

/**
 * The OpenAPI 3.1 document of the marketplace API, generated from the route table and the very
 * schema objects the server validates with, so it cannot drift from what is served.
 */

const BEARER = 'bearerAuth';

const json = (schema: z.ZodType) => ({ content: { 'application/json': { schema } } });

const retryAfter = z.object({
  'Retry-After': z.string().meta({ description: 'Seconds to wait before trying again' }),
});
const wwwAuthenticate = z.object({ 'WWW-Authenticate': z.string().meta({ example: 'Bearer realm="LinguaFlex"' }) });

const ERROR_ANSWERS = {
  400: { description: 'Invalid input: each invalid field with its problems', ...json(validationError) },
  401: {
    description: 'Missing, expired, revoked or invalid access token (or sign-in refused)',
    headers: wwwAuthenticate,
    ...json(detailError),
  },
  402: { description: 'The card was declined', ...json(declineError) },
  403: { description: 'Signed in, but with the wrong role', ...json(detailError) },
  404: { description: 'Absent, or not yours', ...json(detailError) },
  409: {
    description: 'The action is not open in the record’s state, or the state changed meanwhile',
    ...json(stateError),
  },
  413: { description: 'The request body is larger than 1 MB', ...json(detailError) },
  429: { description: 'Too many requests', headers: retryAfter, ...json(detailError) },
  502: { description: 'Stripe did not answer or refused; nothing was charged twice', ...json(detailError) },
} as const;

const SUCCESS_WORDS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'Done; no content' };

/** Whether a body schema needs anything at all (an empty body is read as {}). */
export const bodyRequired = (route: ApiRoute): boolean => route.body !== undefined && !route.body.safeParse({}).success;

function operation(route: ApiRoute): ZodOpenApiOperationObject {
  const responses: ZodOpenApiResponsesObject = {};
  for (const [status, schema] of Object.entries(route.responses)) {
    if (schema === undefined) continue;
    const description = SUCCESS_WORDS[Number(status)] ?? 'OK';
    responses[status as `${1 | 2 | 3 | 4 | 5}${string}`] =
      schema === null ? { description } : { description, ...json(schema) };
  }
  const errors = new Set<keyof typeof ERROR_ANSWERS>(route.errors);
  if (route.params || route.query || route.body) errors.add(400);
  if (route.body) errors.add(413);
  if (route.access !== 'public') errors.add(401);
  if (route.access === 'student' || route.access === 'teacher') errors.add(403);
  if (route.params) errors.add(404);
  if (route.moneyMoving) errors.add(429);
  for (const status of [...errors].sort((a, b) => a - b)) responses[`${status}`] = ERROR_ANSWERS[status];
  return {
    operationId: route.operationId,
    summary: route.summary,
    ...(route.description ? { description: route.description } : {}),
    tags: [...route.tags],
    security: route.access === 'public' ? [] : [{ [BEARER]: [] }],
    ...(route.params || route.query
      ? {
          requestParams: {
            ...(route.params ? { path: route.params } : {}),
            ...(route.query ? { query: route.query } : {}),
          },
        }
      : {}),
    ...(route.body ? { requestBody: { required: bodyRequired(route), ...json(route.body) } } : {}),
    responses,
  };
}

export function openApiDocument(routes: readonly ApiRoute[]): oas31.OpenAPIObject {
  const paths: ZodOpenApiPathsObject = {};
  for (const route of routes) {
    const item = (paths[route.path] ??= {});
    const method = route.method === 'GET' ? 'get' : route.method === 'POST' ? 'post' : 'delete';
    item[method] = operation(route);
  }
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'LinguaFlex marketplace API',
      version: '1.0.0',
      description:
        'The seed’s endpoints for students and teachers (seed-api.md): accounts and tokens, the catalogue of gigs, ' +
        'bookings and payments. JSON in and out; money in minor units (`_cents`) plus decimal strings; instants in ' +
        'ISO 8601 with an offset; paths answer with and without the trailing slash.',
    },
    tags: [
      { name: 'accounts', description: 'Registration, sign-in and tokens' },
      { name: 'catalogue', description: 'Teachers’ gigs' },
      { name: 'bookings', description: 'Booking lifecycle (R10–R13)' },
      { name: 'payments', description: 'Cards, payment intents and payments (R14–R23)' },
      { name: 'meta', description: 'This document' },
    ],
    paths,
    components: {
      securitySchemes: {
        [BEARER]: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'The access_token from POST /api/login/ or /api/token/refresh/',
        },
      },
    },
  });
}
