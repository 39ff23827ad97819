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
import { StartTimer } from './start-timings';
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
  /** Records the start's phases (a new one when not given). */
  timer?: StartTimer;
  /** How long after the console is usable the deferred work starts (default 1.5 s). */
  backgroundDelayMs?: number;
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (ms <= 0 || signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}

export interface RunningHost {
  url: string;
  container: Container;
  /** How long each phase of this start took (printed with --verbose). */
  timer: StartTimer;
  /** Settles when what waited for the console to be usable is done (demo set, start-up reconciliation). */
  background: Promise<void>;
  close(): Promise<void>;
}

/**
 * The trusted side without Electron: the same container and services, over HTTP — the staff router
 * at /trpc (batch link; subscriptions as server-sent events), the marketplace API at /api, Stripe's
 * webhook, and the built renderer as a web console. Several hosts may share one PostgreSQL.
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const { logger } = options;
  const timer = options.timer ?? new StartTimer();
  const { container, afterStart } = await startApp({
    config: options.config,
    logger,
    timer,
    demoData: options.demoData ?? 'load',
    ...(options.integrations ? { integrations: options.integrations } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const jobs = startJobs(container.services, logger, () => container.maintain(), options.jobIntervalMs);
  const poller = startStripePoller(container, logger, options.pollIntervalMs ?? 60_000);
  const app = await timer.time('http server', () =>
    buildServer({
      container,
      logger,
      pino: options.pino,
      staticDir: options.staticDir ?? path.join(projectRoot(), 'out', 'renderer'),
      trustProxy: options.trustProxy,
      routes: marketplaceApi(container, options.env ?? process.env),
    }),
  );
  await timer.time('listen', () => app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' }));
  const address = app.server.address() as AddressInfo;
  const hostName = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${hostName}:${address.port}`;
  // The local Stripe sandbox signs and delivers its events to this host, as Stripe would.
  container.integrations.sandboxes.stripe?.setWebhook(
    `http://127.0.0.1:${address.port}/webhooks/stripe`,
    container.integrations.webhookSecret,
  );
  timer.markUsable();
  // What can wait, after the console answers: the first sweep (R16, R17) and upkeep, the demo set of
  // a fresh database, the start-up reconciliation with Stripe.
  const stopping = new AbortController();
  const background = (async () => {
    // A moment's grace first, so the first pages and the sign-in are not queued behind this work on
    // the embedded database's single connection.
    await pause(options.backgroundDelayMs ?? 1500, stopping.signal);
    if (stopping.signal.aborted) return;
    await jobs.runOnce();
    await afterStart(stopping.signal);
  })();
  let closed = false;
  return {
    url,
    container,
    timer,
    background,
    close: async () => {
      if (closed) return;
      closed = true;
      stopping.abort();
      jobs.stop();
      poller.stop();
      await background;
      app.server.closeAllConnections();
      await app.close();
      await container.close();
    },
  };
}
