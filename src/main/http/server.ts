import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import path from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RawServerDefault } from 'fastify';
import type { Logger as Pino } from 'pino';
import { apiContext } from '../api/context';
import { appRouter, type AppRouter } from '../api/root';
import { retryAfterOf } from '../api/trpc';
import type { Container } from '../container';
import type { Logger } from '../log';
import { credentialInUrl } from './credentials-in-url';
import { requestLogOptions } from './request-log';
import { helmetHeaders } from './security-headers';
import { registerStripeWebhook } from './stripe-webhook';

export interface ServerOptions {
  container: Container;
  logger: Logger;
  /** pino for Fastify's request logs (redacting secrets); none: no request logs. */
  pino?: Pino | undefined;
  /** The built renderer (electron-vite's out/renderer). */
  staticDir: string;
  /** Trust X-Forwarded-For from a load balancer in front (the client address rate limits key on). */
  trustProxy?: boolean | string | undefined;
  /** Extra routes (the marketplace API) registered with the same server. */
  routes?: ((app: FastifyInstance) => Promise<void>) | undefined;
  /** The socket timeouts; the defaults are SERVER_TIMEOUTS (a test may shorten them). */
  timeouts?: Partial<ServerTimeouts> | undefined;
}

/** Requests larger than this are refused with 413 before anything past the limit is read. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export interface ServerTimeouts {
  /** The request line and headers must have arrived this long after the request began (slowloris). */
  headersMs: number;
  /** The whole request, body included, must have arrived this long after it began (408 otherwise). */
  requestMs: number;
  /** A keep-alive socket idle between requests is closed after this long. */
  keepAliveMs: number;
  /** A socket with no traffic at all in either direction is closed after this long (SSE pings every 15 s). */
  idleMs: number;
  /** How often Node looks for requests past headersMs or requestMs (its default, 30 s, would double them). */
  checkEveryMs: number;
}

/** Slow or idle sockets are closed: none of them may hold a connection open for long. */
export const SERVER_TIMEOUTS: ServerTimeouts = {
  headersMs: 10_000,
  requestMs: 30_000,
  keepAliveMs: 5_000,
  idleMs: 120_000,
  checkEveryMs: 2_000,
};

/** helmet's headers, the same for every answer (security-headers.ts). */
const SECURITY_HEADERS = helmetHeaders();
const SECURITY_HEADER_ENTRIES = Object.entries(SECURITY_HEADERS);

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/** The browser console's session cookie (HttpOnly, SameSite=Strict, sent to /trpc only). */
export const SESSION_COOKIE = 'linguaflex_session';
/**
 * The header the browser console sends with every call to use the cookie session. A cookie alone
 * is never enough: another site cannot add a custom header to a request without CORS, which the
 * host does not allow, so the header is a second guard beside SameSite=Strict against forged calls.
 */
export const COOKIE_SESSION_HEADER = 'x-linguaflex-session';

/** The cookie session of a browser-console call: the token it carries, and how to set or clear it. */
function cookieSessionOf(request: FastifyRequest, reply: FastifyReply) {
  if (request.headers[COOKIE_SESSION_HEADER] !== 'cookie') return { token: null, holder: undefined };
  const options = { path: '/trpc', httpOnly: true, sameSite: 'strict', secure: request.protocol === 'https' } as const;
  return {
    token: request.cookies[SESSION_COOKIE] ?? null,
    holder: {
      hold: (token: string, expiresAt: Date) =>
        void reply.setCookie(SESSION_COOKIE, token, { ...options, expires: expiresAt }),
      forget: () => void reply.clearCookie(SESSION_COOKIE, options),
    },
  };
}

export const TOKEN_IN_URL_MESSAGE =
  'Tokens are not accepted in a URL (addresses end up in logs, proxies and browser history): ' +
  'send the token in the Authorization header, as "Authorization: Bearer <token>".';

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** Methods whose requests may carry a body; /trpc reads only JSON ones. */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(request: FastifyRequest): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * The headless host's HTTP server (Fastify): the staff router at /trpc (batches and SSE), Stripe's
 * webhook with its raw body, the marketplace API, the built console; security headers on every
 * answer (errors, 404s and answers written before routing included), a body limit that holds for
 * every content type, tokens refused in URLs, and timeouts for slow or idle sockets.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { container, logger } = options;
  const timeouts = { ...SERVER_TIMEOUTS, ...options.timeouts };
  const securityHeaders = SECURITY_HEADERS;
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse>({
    ...requestLogOptions(options.pino),
    bodyLimit: BODY_LIMIT_BYTES,
    requestTimeout: timeouts.requestMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    connectionTimeout: timeouts.idleMs,
    http: {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: timeouts.checkEveryMs,
    },
    trustProxy: options.trustProxy ?? false,
    // Paths work with and without the trailing slash (the marketplace API's convention); long batch paths fit.
    routerOptions: { maxParamLength: 5000, ignoreTrailingSlash: true },
    // An undecodable URL is answered before any hook runs: it gets the headers here.
    // The marketplace API answers it in its own 400 shape, naming the path (seed-api.md's conventions).
    frameworkErrors: (error, request, reply) => {
      const detail =
        error.code === 'FST_ERR_BAD_URL'
          ? 'The address is not a valid URL (it must be UTF-8 when percent-decoded)'
          : 'The request cannot be read';
      void (reply as FastifyReply)
        .headers(securityHeaders)
        .code(400)
        .send(request.url.startsWith('/api/') ? { error: 'Invalid input', details: { path: [detail] } } : { detail });
    },
    // Malformed requests, oversized headers and timeouts are answered on the socket itself.
    clientErrorHandler: (error: Error & { code?: string }, socket: Socket) => {
      if (error.code === 'ECONNRESET' || socket.destroyed) return;
      const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      const body = JSON.stringify({
        detail:
          status === 408
            ? 'The request did not arrive in time; the connection is closed'
            : status === 431
              ? 'The request headers are too large'
              : 'The request cannot be read',
      });
      if (socket.writable) {
        const headers = Object.entries({
          ...securityHeaders,
          'content-type': 'application/json; charset=utf-8',
          'content-length': String(Buffer.byteLength(body)),
          connection: 'close',
        })
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        socket.write(`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Bad Request'}\r\n${headers}\r\n${body}`);
      }
      socket.destroy();
    },
  });

  // Before any plugin: every part (the tRPC plugin included) answers its errors and 404s here.
  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ detail: `Nothing at ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );
  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) logger.error(`${request.method} ${request.url.split('?')[0] ?? ''} failed`, error);
    // Whatever of a refused body is still on its way is not read: the connection ends with the answer.
    if (status === 413) void reply.header('connection', 'close');
    const detail =
      status === 413
        ? `The request body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MB`
        : status >= 500
          ? 'Something went wrong on the server; nothing was changed. The details are in the server log.'
          : error.message;
    return reply.code(status).send({ detail });
  });

  // helmet's headers on every answer, on the raw response as helmet sets them (so answers written
  // past Fastify's reply, as server-sent events are, carry them too).
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of SECURITY_HEADER_ENTRIES) reply.raw.setHeader(name, value);
    done();
  });

  // A token travels in the Authorization header only: a URL carrying one is refused, wherever it points.
  app.addHook('onRequest', async (request, reply) => {
    if (credentialInUrl(request.url) === null) return;
    await reply
      .code(401)
      .header('www-authenticate', 'Bearer realm="LinguaFlex", error="invalid_request"')
      .send({ detail: TOKEN_IN_URL_MESSAGE });
  });

  await app.register(async function trpc(scope) {
    // The tRPC plugin would read any multipart body whole (it parses it itself, past the body limit):
    // /trpc takes JSON or nothing, refused before the body is read.
    scope.addHook('onRequest', async (request, reply) => {
      if (!BODY_METHODS.has(request.method) || !hasBody(request)) return;
      const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
      if (type === 'application/json') return;
      await reply
        .code(415)
        .header('connection', 'close')
        .send({ detail: 'Send calls to /trpc as JSON (Content-Type: application/json)' });
    });
    // Reads and writes the browser console's session cookie (only /trpc ever sees it).
    await scope.register(fastifyCookie);
    await scope.register(fastifyTRPCPlugin, {
      prefix: '/trpc',
      trpcOptions: {
        router: appRouter,
        // The session token comes from the Authorization header, and from nowhere else.
        // The browser console's HttpOnly cookie stands in for it when no header is sent (see cookieSessionOf).
        createContext: ({ req, res }) => {
          const session = cookieSessionOf(req, res);
          return apiContext(
            container,
            logger,
            bearer(req.headers.authorization) ?? session.token,
            undefined,
            undefined,
            // Staff sign-ins are throttled per client address (request.ip honours trustProxy).
            req.ip,
            session.holder,
          );
        },
        // A sign-in refused for too many attempts says when to try again (RFC 9110 Retry-After).
        responseMeta: ({ errors }) => {
          const seconds = retryAfterOf(errors);
          return seconds === null ? {} : { headers: { 'retry-after': String(seconds) } };
        },
        onError: ({ error, path: procedure }) => {
          if (error.code === 'INTERNAL_SERVER_ERROR') logger.error(`${procedure ?? 'trpc'} failed`, error);
        },
      } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
    });
  });

  await app.register(registerStripeWebhook(container, logger));
  if (options.routes) await app.register(options.routes);

  app.get('/healthz', (_request, reply) => reply.send({ ok: true }));

  const staticDir = path.resolve(options.staticDir);
  if (existsSync(path.join(staticDir, 'index.html'))) {
    await app.register(fastifyStatic, {
      root: staticDir,
      index: 'index.html',
      // Hashed asset names never change; index.html must always be fresh.
      setHeaders: (response, file) => {
        response.header(
          'Cache-Control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  } else {
    app.get('/', async (_request, reply: FastifyReply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built yet: run npm run build'),
    );
  }
  return app;
}
