import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from './api/root';
import { apiContext } from './api/context';
import type { ApiContext } from './api/trpc';
import type { AppConfig } from './config/config';
import type { Clock } from './domain/clock';
import { projectRoot } from './db/paths';
import { securityHeaders, serveStatic } from './http/static-files';
import { startJobs, startStripePoller } from './jobs';
import type { Logger } from './log';
import { startApp, type StartupOptions } from './startup';
import type { Container } from './container';

export interface HostOptions {
  config: AppConfig;
  logger: Logger;
  host?: string;
  port?: number;
  /** The built renderer (electron-vite's out/renderer). */
  staticDir?: string;
  clock?: Clock;
  demoData?: StartupOptions['demoData'];
  integrations?: StartupOptions['integrations'];
  jobIntervalMs?: number;
  pollIntervalMs?: number;
}

export interface RunningHost {
  url: string;
  container: Container;
  close(): Promise<void>;
}

function bearer(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match?.[1] ?? null;
}

/**
 * The trusted side without Electron: the same container, services and router, over HTTP at /trpc
 * (batch link; subscriptions as server-sent events), plus the built renderer as a web console.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { logger } = options;
  const { container } = await startApp({
    config: options.config,
    logger,
    demoData: options.demoData ?? 'load',
    ...(options.integrations ? { integrations: options.integrations } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const jobs = startJobs(container.services, logger, () => container.maintain(), options.jobIntervalMs);
  void jobs.runOnce();
  const poller = startStripePoller(container, logger, options.pollIntervalMs ?? 60_000);
  const staticDir = path.resolve(options.staticDir ?? path.join(projectRoot(), 'out', 'renderer'));
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req, info }): ApiContext => {
      const fromParams = info.connectionParams?.['token'];
      return apiContext(
        container,
        logger,
        bearer(req.headers.authorization) ?? (typeof fromParams === 'string' ? fromParams : null),
      );
    },
  });
  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    if (pathname.startsWith('/trpc/')) {
      securityHeaders(response);
      trpc(request, response);
      return;
    }
    if (pathname === '/webhooks/stripe') {
      void handleStripeWebhook(container, logger, request, response);
      return;
    }
    if (pathname === '/healthz') {
      response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ ok: true }));
      return;
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    serveStatic(staticDir, request, response);
  });
  // Long-lived SSE responses must not be cut by the default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const hostName = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostName}:${address.port}`;
  // The local Stripe sandbox signs and delivers its events to this host, as Stripe would.
  container.integrations.sandboxes.stripe?.setWebhook(
    `http://127.0.0.1:${address.port}/webhooks/stripe`,
    container.integrations.webhookSecret,
  );
  let closed = false;
  return {
    url,
    container,
    close: async () => {
      if (closed) return;
      closed = true;
      jobs.stop();
      poller.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
    },
  };
}

const MAX_WEBHOOK_BYTES = 1024 * 1024;

/**
 * POST /webhooks/stripe: the raw body is verified against Stripe-Signature (300 s tolerance) before
 * anything is parsed; a bad or stale signature is a 400 and changes nothing (R25).
 */
async function handleStripeWebhook(
  container: Container,
  logger: Logger,
  request: http.IncomingMessage,
  response: http.ServerResponse,
): Promise<void> {
  const reply = (status: number, body: Record<string, unknown>): void => {
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };
  if (request.method !== 'POST') {
    reply(405, { error: 'POST only' });
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_WEBHOOK_BYTES) {
      reply(413, { error: 'payload too large' });
      return;
    }
    chunks.push(chunk as Buffer);
  }
  const raw = Buffer.concat(chunks).toString('utf8');
  const signature = request.headers['stripe-signature'];
  let event;
  try {
    if (typeof signature !== 'string') throw new Error('missing Stripe-Signature header');
    event = container.integrations.gateway.verifyWebhook(raw, signature);
  } catch (error) {
    reply(400, {
      error: `Webhook signature verification failed: ${error instanceof Error ? error.message : String(error)}`,
    });
    return;
  }
  try {
    const outcome = await container.services.payments.handleEvent(event);
    reply(200, { received: true, outcome });
  } catch (error) {
    logger.warn(
      `Stripe webhook ${event.id} (${event.type}) failed: ${error instanceof Error ? error.message : String(error)}`,
    );
    // A 5xx makes Stripe deliver it again later; the poller is a second chance.
    reply(500, { error: 'could not apply the event yet' });
  }
}
