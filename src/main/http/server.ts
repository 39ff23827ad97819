import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import { fastifyTRPCPlugin, type FastifyTRPCPluginOptions } from '@trpc/server/adapters/fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { type FastifyInstance, type RawServerDefault } from 'fastify';
import type { Logger as Pino } from 'pino';
import { apiContext } from '../api/context';
import { appRouter, type AppRouter } from '../api/root';
import type { Container } from '../container';
import type { Logger } from '../log';
import { CONTENT_SECURITY_POLICY_DIRECTIVES } from './security-headers';
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
}

/** Requests larger than this are refused with 413 before anything past the limit is read. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * The headless host's HTTP server (Fastify): the staff router at /trpc (batches and SSE), Stripe's
 * webhook with its raw body, the marketplace API, the built console, security headers on every
 * answer (errors included), a body limit and timeouts from Fastify's options.
 */
export async function buildServer(options: ServerOptions): Promise<FastifyInstance> {
  const { container, logger } = options;
  const app = Fastify<RawServerDefault, IncomingMessage, ServerResponse>({
    ...(options.pino ? { loggerInstance: options.pino } : { logger: false }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Slow or idle sockets are closed: a request must arrive whole within 30 s, an idle keep-alive
    // socket goes after 5 s, and a socket with no traffic at all after 2 minutes (SSE pings every 15 s).
    requestTimeout: 30_000,
    keepAliveTimeout: 5_000,
    connectionTimeout: 120_000,
    trustProxy: options.trustProxy ?? false,
    // Paths work with and without the trailing slash (the marketplace API's convention); long batch paths fit.
    routerOptions: { maxParamLength: 5000, ignoreTrailingSlash: true },
  });
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY_DIRECTIVES },
    referrerPolicy: { policy: 'no-referrer' },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });

  await app.register(fastifyTRPCPlugin, {
    prefix: '/trpc',
    trpcOptions: {
      router: appRouter,
      createContext: ({ req, info }) => {
        const fromParams = info.connectionParams?.['token'];
        return apiContext(
          container,
          logger,
          bearer(req.headers.authorization) ?? (typeof fromParams === 'string' ? fromParams : null),
        );
      },
      onError: ({ error, path: procedure }) => {
        if (error.code === 'INTERNAL_SERVER_ERROR') logger.error(`${procedure ?? 'trpc'} failed`, error);
      },
    } satisfies FastifyTRPCPluginOptions<AppRouter>['trpcOptions'],
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
    app.get('/', async (_request, reply) =>
      reply.code(503).type('text/plain; charset=utf-8').send('The console is not built yet: run npm run build'),
    );
  }

  app.setNotFoundHandler(async (request, reply) =>
    reply.code(404).send({ detail: `Nothing at ${request.method} ${request.url.split('?')[0] ?? ''}` }),
  );
  app.setErrorHandler(async (error: Error & { statusCode?: number; code?: string }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
    if (status >= 500) logger.error(`${request.method} ${request.url} failed`, error);
    const detail =
      status === 413
        ? `The request body is larger than ${BODY_LIMIT_BYTES / 1024 / 1024} MB`
        : status >= 500
          ? 'Something went wrong on the server; nothing was changed. The details are in the server log.'
          : error.message;
    return reply.code(status).send({ detail });
  });
  return app;
}
