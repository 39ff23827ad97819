import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { appRouter } from './api/root';
import type { ApiContext } from './api/trpc';
import type { AppConfig } from './config/config';
import type { Clock } from './domain/clock';
import { projectRoot } from './db/paths';
import { securityHeaders, serveStatic } from './http/static-files';
import { startJobs } from './jobs';
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
  jobIntervalMs?: number;
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
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const jobs = startJobs(container.services, logger, () => container.db.maintain(), options.jobIntervalMs);
  void jobs.runOnce();
  const staticDir = path.resolve(options.staticDir ?? path.join(projectRoot(), 'out', 'renderer'));
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    createContext: ({ req, info }): ApiContext => {
      const fromParams = info.connectionParams?.['token'];
      return {
        services: container.services,
        events: container.events,
        logger,
        token: bearer(req.headers.authorization) ?? (typeof fromParams === 'string' ? fromParams : null),
      };
    },
  });
  const server = http.createServer((request, response) => {
    const pathname = (request.url ?? '/').split('?')[0] ?? '/';
    if (pathname.startsWith('/trpc/')) {
      securityHeaders(response);
      trpc(request, response);
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
  let closed = false;
  return {
    url,
    container,
    close: async () => {
      if (closed) return;
      closed = true;
      jobs.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await container.close();
    },
  };
}
