import { Validator } from '@seriousme/openapi-schema-validator';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSchema } from 'zod-openapi';
import { startHost, type RunningHost } from '../../src/main/host';
import { marketplaceApi, type ApiRoute } from '../../src/main/http/api';
import { BODY_LIMIT_BYTES, buildServer } from '../../src/main/http/server';
import { silentLogger } from '../../src/main/log';

/** The route table's entry Fastify keeps with a route (route.ts puts it there). */
const apiRouteOf = (config: unknown): ApiRoute | undefined =>
  config !== null && typeof config === 'object' && 'apiRoute' in config ? (config.apiRoute as ApiRoute) : undefined;

interface Operation {
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; schema: unknown }[];
  requestBody?: { required?: boolean; content: { 'application/json': { schema: unknown } } };
  responses: Record<string, unknown>;
}
interface Document {
  [key: string]: unknown;
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

/**
 * The limits around the marketplace API (rate limits shared by every host, the body limit before
 * authentication) and its OpenAPI document, generated from the route table the server registers.
 * This host keeps the real allowances (no LINGUAFLEX_RATE_LIMIT_FACTOR).
 */
describe('marketplace API limits and its OpenAPI document', () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'linguaflex-api-limits-'));
  let host: RunningHost;

  beforeAll(async () => {
    host = await startHost({
      config: { dataDir, database: { kind: 'pglite', dataDir: path.join(dataDir, 'db') }, firstAdmin: null },
      logger: silentLogger,
      demoData: 'skip',
      staticDir: path.join(dataDir, 'no-renderer'),
      env: {},
    });
  });
  afterAll(async () => {
    await host.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function post(url: string, body: unknown, token?: string) {
    const response = await fetch(`${host.url}${url}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as unknown };
  }

  describe('limits', () => {
    it('money-moving calls are limited per user: 429 with Retry-After', async () => {
      expect(
        (
          await post('/api/register/', {
            email: 'payer@limits.test',
            password: 'long enough',
            full_name: 'P',
            role: 'STUDENT',
          })
        ).status,
      ).toBe(201);
      const login = await post('/api/login/', { email: 'payer@limits.test', password: 'long enough' });
      const token = (login.body as { access_token: string }).access_token;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 60; attempt += 1)
        statuses.push(
          (await post('/api/payments/create-payment-intent/', { session_booking_id: 999_999 }, token)).status,
        );
      expect(statuses).toEqual(Array<number>(60).fill(404));
      const limited = await post('/api/payments/create-payment-intent/', { session_booking_id: 999_999 }, token);
      expect(limited.status).toBe(429);
      expect(limited.body).toEqual({ detail: expect.stringMatching(/Too many payment calls/) as string });
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('sign-ins are limited per account and per address: 429 with Retry-After', async () => {
      expect(
        (
          await post('/api/register/', {
            email: 'target@limits.test',
            password: 'long enough',
            full_name: 'T',
            role: 'TEACHER',
          })
        ).status,
      ).toBe(201);
      const guesses: number[] = [];
      for (let attempt = 0; attempt < 5; attempt += 1)
        guesses.push((await post('/api/login/', { email: 'target@limits.test', password: `guess ${attempt}` })).status);
      expect(guesses).toEqual([401, 401, 401, 401, 401]);
      const account = await post('/api/login/', { email: 'target@limits.test', password: 'long enough' });
      expect(account.status).toBe(429);
      expect(account.body).toEqual({ detail: expect.stringMatching(/for this account/) as string });
      expect(Number(account.headers.get('retry-after'))).toBeGreaterThan(0);

      // Then more than 30 sign-ins a minute from this address, whatever the emails.
      let refused: Awaited<ReturnType<typeof post>> | null = null;
      let used = 7; // the sign-ins above (and the payer's) count for this address too
      while (!refused && used < 40) {
        const answer = await post('/api/login/', { email: `nobody-${used}@limits.test`, password: 'whatever' });
        used += 1;
        if (answer.status === 429) refused = answer;
        else expect(answer.status).toBe(401);
      }
      expect(used).toBe(31);
      expect(refused?.body).toEqual({ detail: expect.stringMatching(/from this address/) as string });
      expect(Number(refused?.headers.get('retry-after'))).toBeGreaterThan(0);
    });

    it('a body over 1 MB is 413 before authentication (no token needed to be refused)', async () => {
      const big = JSON.stringify({ notes: 'x'.repeat(BODY_LIMIT_BYTES) });
      for (const url of ['/api/bookings/bookings/', '/api/register/', '/api/payments/add-payment-method/']) {
        const answer = await post(url, big);
        expect(answer.status, url).toBe(413);
        expect(answer.body).toEqual({ detail: 'The request body is larger than 1 MB' });
      }
      const withBadToken = await post('/api/bookings/bookings/', big, 'not-a-token');
      expect(withBadToken.status).toBe(413);
    });
  });

  describe('the OpenAPI document', () => {
    it('is a valid OpenAPI 3.1 document with the bearer scheme', async () => {
      const response = await fetch(`${host.url}/api/openapi.json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as Document;
      const validator = new Validator();
      const result = await validator.validate(document);
      expect(result.errors ?? []).toEqual([]);
      expect(result.valid).toBe(true);
      expect(validator.version).toBe('3.1');
      expect(document.components.securitySchemes).toEqual({
        bearerAuth: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }) as unknown,
      });
      const open = ['/api/register/', '/api/login/', '/api/token/refresh/', '/api/openapi.json'];
      for (const [url, item] of Object.entries(document.paths))
        for (const [method, operation] of Object.entries(item)) {
          expect(operation.security, `${method} ${url}`).toEqual(open.includes(url) ? [] : [{ bearerAuth: [] }]);
          if (!open.includes(url)) expect(operation.responses, `${method} ${url}`).toHaveProperty('401');
        }
    });

    it('lists exactly the routes Fastify serves, each with the very schemas the server validates with', async () => {
      // A second server over the same container, watching what the API plugin registers.
      const registered: RouteOptions[] = [];
      const app = await buildServer({
        container: host.container,
        logger: silentLogger,
        staticDir: path.join(dataDir, 'no-renderer'),
        routes: async (scope) => {
          scope.addHook('onRoute', (route) => {
            if (route.url.startsWith('/api') && route.method !== 'HEAD') registered.push(route);
          });
          await scope.register(marketplaceApi(host.container, {}));
        },
      });
      try {
        await app.ready();
        const document = (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<Document>();
        // The document the running host serves is the same one.
        expect(await (await fetch(`${host.url}/api/openapi.json`)).json()).toEqual(document);

        const served = registered.map((route) => `${String(route.method)} ${route.url}`).sort();
        const documented = Object.entries(document.paths)
          .flatMap(([url, item]) =>
            Object.keys(item).map((method) => `${method.toUpperCase()} ${url.replace(/\{(\w+)\}/g, ':$1')}`),
          )
          .sort();
        expect(documented).toEqual(served);
        // The thirteen endpoints of seed-api.md in their method and path variants, the two of R51, the document.
        expect(served).toHaveLength(23);
        expect(served).toContain('DELETE /api/bookings/bookings/:id/');
        expect(served).toContain('POST /api/bookings/bookings/:id/cancel/');
        expect(served.filter((entry) => entry.includes('reschedule'))).toEqual([
          'POST /api/bookings/bookings/:id/reschedule/',
          'POST /api/bookings/bookings/:id/reschedule/respond/',
        ]);

        for (const route of registered) {
          const apiRoute = apiRouteOf(route.config);
          expect(apiRoute, route.url).toBeDefined();
          if (!apiRoute) continue;
          const operation = document.paths[apiRoute.path]?.[apiRoute.method.toLowerCase()];
          expect(operation, `${apiRoute.method} ${apiRoute.path}`).toBeDefined();
          const input = (schema: Parameters<typeof createSchema>[0]) =>
            createSchema(schema, { io: 'input', openapiVersion: '3.1.0' }).schema;
          if (apiRoute.body) {
            expect(operation?.requestBody?.content['application/json'].schema).toEqual(input(apiRoute.body));
            expect(operation?.requestBody?.required).toBe(!apiRoute.body.safeParse({}).success);
          } else expect(operation?.requestBody).toBeUndefined();
          for (const [where, schema] of [
            ['path', apiRoute.params],
            ['query', apiRoute.query],
          ] as const) {
            const parameters = (operation?.parameters ?? []).filter((parameter) => parameter.in === where);
            expect(parameters.map((parameter) => parameter.name).sort()).toEqual(
              Object.keys(schema?.shape ?? {}).sort(),
            );
            for (const parameter of parameters) {
              const field = schema?.shape[parameter.name];
              expect(field).toBeDefined();
              if (field) expect(parameter.schema).toEqual(input(field));
            }
          }
          for (const status of Object.keys(apiRoute.responses)) expect(operation?.responses).toHaveProperty(status);
        }
      } finally {
        await app.close();
      }
    });
  });
});
