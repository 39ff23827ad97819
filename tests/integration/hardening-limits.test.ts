import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMIT_BYTES } from '../../src/main/http/server';
import { openHostileHost, type HostileHost } from '../support/hostile-host';

const TIMEOUTS = { headersMs: 600, requestMs: 1_200, keepAliveMs: 400, idleMs: 5_000, checkEveryMs: 100 };

/** The headers helmet gives the console's pages, which every other answer must carry too. */
function expectSecurityHeaders(headers: Headers | http.IncomingHttpHeaders, where: string) {
  const get = (name: string) =>
    headers instanceof Headers ? headers.get(name) : ((headers[name] as string | undefined) ?? null);
  expect(get('content-security-policy'), where).toMatch(/default-src 'self'/);
  expect(get('x-frame-options'), where).toBe('DENY');
  expect(get('x-content-type-options'), where).toBe('nosniff');
  expect(get('referrer-policy'), where).toBe('no-referrer');
  expect(get('strict-transport-security'), where).toMatch(/max-age=/);
}

/** Sends `total` bytes to /trpc/auth.login in 64 kB pieces, stopping as soon as the host answers. */
function sendLargeBody(base: string, total: number, chunked: boolean) {
  return new Promise<{ status: number; sent: number; headers: http.IncomingHttpHeaders }>((resolve, reject) => {
    const url = new URL('/trpc/auth.login', base);
    let sent = 0;
    let answered = false;
    const request = http.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(chunked ? {} : { 'content-length': String(total) }) },
    });
    request.on('response', (response) => {
      answered = true;
      response.resume();
      resolve({ status: response.statusCode ?? 0, sent, headers: response.headers });
      request.destroy();
    });
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    const piece = Buffer.alloc(64 * 1024, 'a');
    request.write('{"json":{"email":"a@b.c","password":"');
    const pump = () => {
      while (!answered && sent < total) {
        sent += piece.length;
        if (!request.write(piece)) {
          request.once('drain', pump);
          return;
        }
      }
      if (!answered) request.end('"}}');
    };
    pump();
  });
}

/**
 * Issue 10, points 3 (the body limit and the server's timeouts) and 10 (headers everywhere): a 600 MB
 * login used to be buffered whole (the host grew to 2.5 GB), slow sockets stayed open, and /healthz,
 * webhooks and error answers had none of the console's security headers.
 */
describe('limits and headers on every answer', () => {
  let host: HostileHost;

  beforeAll(async () => {
    host = await openHostileHost({ timeouts: TIMEOUTS });
  });
  afterAll(async () => {
    await host.close();
  });

  it('a 5 MB body to /trpc is 413 before the body is read past the limit (declared or chunked)', async () => {
    const memoryBefore = process.memoryUsage().rss;
    const declared = await sendLargeBody(host.base, 5 * 1024 * 1024, false);
    expect(declared.status).toBe(413);
    // Refused on its declared length: the host did not wait for the body.
    expect(declared.sent).toBeLessThan(5 * 1024 * 1024);
    expect(declared.headers['connection']).toBe('close');
    expectSecurityHeaders(declared.headers, '413');

    const chunked = await sendLargeBody(host.base, 5 * 1024 * 1024, true);
    expect(chunked.status).toBe(413);
    // Read only up to the limit (and what was already in flight), not the rest.
    expect(chunked.sent).toBeLessThan(5 * 1024 * 1024);
    expect(process.memoryUsage().rss - memoryBefore).toBeLessThan(200 * 1024 * 1024);

    // A batch of logins is no way around it either; just under the limit is read as usual.
    const under = await fetch(`${host.base}/trpc/auth.login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ json: { email: 'a@b.c', password: 'x'.repeat(BODY_LIMIT_BYTES - 200) } }),
    });
    expect(under.status).toBe(400); // the password is too long: refused by its schema, not the limit
  });

  it('another content type on /trpc (multipart, text) is 415 before it is read', async () => {
    const form = new FormData();
    form.set('email', 'a@b.c');
    const multipart = await fetch(`${host.base}/trpc/auth.login`, { method: 'POST', body: form });
    expect(multipart.status).toBe(415);
    expectSecurityHeaders(multipart.headers, '415');
  });

  it('a socket that sends its headers too slowly is answered 408 and closed', async () => {
    const { port } = new URL(host.base);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
    const started = Date.now();
    const received = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      socket.on('close', () => resolve(text));
    });
    expect(Date.now() - started).toBeLessThan(TIMEOUTS.headersMs + TIMEOUTS.checkEveryMs + 2_000);
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    expect(received).toMatch(/\r\nx-frame-options: DENY\r\n/i);
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
  });

  it('a body that trickles in slower than the request timeout is cut off', async () => {
    const { port } = new URL(host.base);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      'POST /trpc/auth.login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{',
    );
    socket.on('error', () => undefined); // a write racing the close (EPIPE) is the point
    socket.resume();
    const trickle = setInterval(() => socket.writable && socket.write(' '), 200);
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    clearInterval(trickle);
    expect(Date.now() - started).toBeLessThan(TIMEOUTS.requestMs + 2_000);
  });

  it('an idle keep-alive socket is closed', async () => {
    const { port } = new URL(host.base);
    const socket = net.connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    socket.resume(); // read the answer, then nothing more is sent
    const started = Date.now();
    await new Promise((resolve) => socket.on('close', resolve));
    expect(Date.now() - started).toBeLessThan(TIMEOUTS.keepAliveMs + 2_000);
  });

  it('the security headers are on /healthz, webhooks, the API, 404s and error answers', async () => {
    const answers: [string, Response][] = [
      ['/healthz', await fetch(`${host.base}/healthz`)],
      [
        'webhook with a bad signature',
        await fetch(`${host.base}/webhooks/stripe`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=00' },
          body: '{}',
        }),
      ],
      ['/api/openapi.json', await fetch(`${host.base}/api/openapi.json`)],
      ['/api 401', await fetch(`${host.base}/api/bookings/bookings/`)],
      ['/trpc 401', await fetch(`${host.base}/trpc/auth.me`)],
      ['404', await fetch(`${host.base}/no/such/page`)],
      ['bad URL', await fetch(`${host.base}/api/gigs/%ED%A0%80/`)],
      ['token in URL', await fetch(`${host.base}/healthz?access_token=abc`)],
      [
        'malformed JSON',
        await fetch(`${host.base}/trpc/auth.login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{',
        }),
      ],
    ];
    for (const [where, answer] of answers) expectSecurityHeaders(answer.headers, `${where} (${answer.status})`);
    expect(answers.map(([where, answer]) => `${where}: ${answer.status}`)).toEqual([
      '/healthz: 200',
      'webhook with a bad signature: 400',
      '/api/openapi.json: 200',
      '/api 401: 401',
      '/trpc 401: 401',
      '404: 404',
      'bad URL: 400',
      'token in URL: 401',
      'malformed JSON: 400',
    ]);
  });
});
