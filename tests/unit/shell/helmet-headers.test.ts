import http from 'node:http';
import type { AddressInfo } from 'node:net';
import helmet from 'helmet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, HELMET_OPTIONS, helmetHeaders } from '../../../src/main/http/security-headers';

/**
 * The host adds helmet's headers taken once (helmetHeaders) instead of running helmet for every
 * request: they must be exactly what helmet's own middleware sets on a real response.
 */
describe('helmet headers taken once', () => {
  let server: http.Server;
  let base: string;
  beforeAll(async () => {
    const middleware = helmet(HELMET_OPTIONS);
    server = http.createServer((request, response) => {
      response.setHeader('x-powered-by', 'something'); // helmet removes it
      middleware(request, response, () => response.end('ok'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('are the headers helmet sets on a real answer, and nothing else', async () => {
    const answer = await fetch(base);
    const real: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!['content-length', 'date', 'connection', 'keep-alive', 'content-type'].includes(name)) real[name] = value;
    });
    expect(helmetHeaders()).toEqual(real);
    expect(real['x-powered-by']).toBeUndefined();
  });

  it('carry the console’s policy and the options chosen', () => {
    const headers = helmetHeaders();
    expect(headers['content-security-policy']?.split(';').join('; ')).toBe(CONTENT_SECURITY_POLICY);
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(headers['cross-origin-embedder-policy']).toBeUndefined();
    expect(Object.isFrozen(headers)).toBe(true);
  });

  it('refuse options helmet refuses', () => {
    expect(() =>
      helmetHeaders({ contentSecurityPolicy: { directives: { defaultSrc: ["'self'", 'bad value;'] } } }),
    ).toThrow();
  });
});
