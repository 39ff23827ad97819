import type { FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/main/container';
import { marketplaceApi } from '../../src/main/http/api';
import { buildServer } from '../../src/main/http/server';
import { REDACTED_PATHS, silentLogger } from '../../src/main/log';
import { openTestContainer } from '../support/test-db';

interface LogLine {
  msg: string;
  reqId?: string;
  req?: Record<string, unknown>;
  res?: { statusCode: number };
  responseTime?: number;
}

/**
 * The host writes one line per answered request, through a logger without pino's redaction (which
 * cost 9.5 % of a read's CPU): the line is built only of fields that cannot hold a secret. These
 * requests carry secrets everywhere a request can, and none reaches the log.
 */
describe('request log', () => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let app: FastifyInstance;
  let base: string;
  const lines: string[] = [];

  beforeAll(async () => {
    database = await openTestContainer('pglite', systemClock);
    app = await buildServer({
      container: database.container,
      logger: silentLogger,
      // As structuredLogger makes it, writing to memory.
      pino: pino(
        { level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
        { write: (line: string) => lines.push(line) },
      ),
      staticDir: path.join(database.container.db.description, 'no-renderer'),
      routes: marketplaceApi(database.container, {}),
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    app.server.closeAllConnections();
    await app.close();
    await database.dispose();
  });

  const parsed = () => lines.map((line) => JSON.parse(line) as LogLine);

  it('is one line per answered request: method, URL, addresses, status, time and request id', async () => {
    lines.length = 0;
    const answer = await fetch(`${base}/api/bookings/bookings/7/`, {
      headers: { authorization: 'Bearer secret-access-token-1', cookie: 'linguaflex_session=secret-cookie-1' },
    });
    expect(answer.status).toBe(401);
    await answer.text();
    const completed = parsed().filter((line) => line.msg === 'request completed');
    expect(completed).toHaveLength(1);
    const [line] = completed;
    expect(line?.req).toEqual({
      method: 'GET',
      url: '/api/bookings/bookings/7/',
      host: expect.stringMatching(/^127\.0\.0\.1:\d+$/) as unknown,
      remoteAddress: '127.0.0.1',
      remotePort: expect.any(Number) as unknown,
    });
    expect(line?.res).toEqual({ statusCode: 401 });
    expect(line?.responseTime).toEqual(expect.any(Number));
    expect(line?.reqId).toEqual(expect.any(String));
    expect(lines.join('\n')).not.toMatch(/secret-access-token-1|secret-cookie-1/);
  });

  it('holds no password, token or card number of a body, nor a credential in the URL', async () => {
    lines.length = 0;
    const login = await fetch(`${base}/api/login/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'nobody@log.test', password: 'secret-password-2' }),
    });
    expect(login.status).toBe(401);
    await login.text();
    const refresh = await fetch(`${base}/api/token/refresh/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh: 'secret-refresh-3' }),
    });
    expect(refresh.status).toBeGreaterThanOrEqual(400);
    await refresh.text();
    const inUrl = await fetch(`${base}/api/bookings/bookings/?access_token=secret-in-url-4`);
    expect(inUrl.status).toBe(401);
    await inUrl.text();

    const completed = parsed().filter((line) => line.msg === 'request completed');
    expect(completed.map((line) => line.req?.['url'])).toEqual([
      '/api/login/',
      '/api/token/refresh/',
      '/api/bookings/bookings/?access_token=REDACTED',
    ]);
    expect(lines.join('\n')).not.toMatch(/secret-password-2|secret-refresh-3|secret-in-url-4/);
  });
});
