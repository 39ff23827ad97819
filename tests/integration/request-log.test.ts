import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDACTED_PATHS } from '../../src/main/log';
import { openHostileHost, type HostileHost } from '../support/hostile-host';

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
  let host: HostileHost;
  let base: string;
  const lines: string[] = [];

  beforeAll(async () => {
    // As structuredLogger makes it, writing to memory.
    host = await openHostileHost({
      pino: pino(
        { level: 'info', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } },
        { write: (line: string) => lines.push(line) },
      ),
    });
    base = host.base;
  });
  afterAll(() => host.close());

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
