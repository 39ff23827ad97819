import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Logger as Pino } from 'pino';
import type { AppConfig } from './config/config';
import type { Container } from './container';
import type { Clock } from './domain/clock';
import { projectRoot } from './db/paths';
import { marketplaceApi } from './http/api';
import { buildServer } from './http/server';
import { startJobs, startStripePoller } from './jobs';
import type { Logger } from './log';
import { startApp, type StartupOptions } from './startup';

export interface HostOptions {
  config: AppConfig;
  logger: Logger;
  /** Structured request logs (pino, secrets redacted); none: no request logs. */
  pino?: Pino;
  host?: string;
  port?: number;
  /** The built renderer (electron-vite's out/renderer). */
  staticDir?: string;
  clock?: Clock;
  demoData?: StartupOptions['demoData'];
  integrations?: StartupOptions['integrations'];
  env?: NodeJS.ProcessEnv;
  jobIntervalMs?: number;
  pollIntervalMs?: number;
  trustProxy?: boolean | string;
}

export interface RunningHost {
  url: string;
  container: Container;
  close(): Promise<void>;
}

/**
 * The trusted side without Electron: the same container and services, over HTTP — the staff router
 * at /trpc (batch link; subscriptions as server-sent events), the marketplace API at /api, Stripe's
 * webhook, and the built renderer as a web console. Several hosts may share one PostgreSQL.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { logger } = options;
  const { container } = await startApp({
    config: options.config,
    logger,
    demoData: options.demoData ?? 'load',
    ...(options.integrations ? { integrations: options.integrations } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const jobs = startJobs(container.services, logger, () => container.maintain(), options.jobIntervalMs);
  void jobs.runOnce();
  const poller = startStripePoller(container, logger, options.pollIntervalMs ?? 60_000);
  const app = await buildServer({
    container,
    logger,
    pino: options.pino,
    staticDir: options.staticDir ?? path.join(projectRoot(), 'out', 'renderer'),
    trustProxy: options.trustProxy,
    routes: marketplaceApi(container, options.env ?? process.env),
  });
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  const address = app.server.address() as AddressInfo;
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
      app.server.closeAllConnections();
      await app.close();
      await container.close();
    },
  };
}
