import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { AppConfig } from './config/config';
import type { Clock } from './domain/clock';
import { openDatabase, type Database } from './db/database';
import { describePrivateFolder, makeFolderPrivate } from './db/paths';
import { createRateLimits } from './db/rate-limits';
import { applyPendingMigrations } from './db/migrate';
import { migrationsDir } from './db/paths';
import { readMigrationsDirectory } from './db/schema-engine';
import { prismaUnitOfWork } from './db/repositories';
import { EVENT_CHANNEL, type EventLogWriters } from './db/repositories/event-log-repository';
import {
  createIntegrations,
  credentialsFromEnv,
  type Credentials,
  type IntegrationOptions,
  type Integrations,
} from './integrations';
import { silentLogger, type Logger } from './log';
import { createOutboxWorker, type OutboxWorker } from './outbox/worker';
import { createServices, type Services } from './services';
import { EventBus } from './services/events';
import type { UnitOfWork } from './services/ports';
import type { StartTimer } from './start-timings';

export const systemClock: Clock = { now: () => new Date() };

/** LINGUAFLEX_RATE_LIMIT_FACTOR scales every rate limit (a load test from one address needs more). */
function rateLimitFactor(env: NodeJS.ProcessEnv): number {
  const factor = Number(env['LINGUAFLEX_RATE_LIMIT_FACTOR'] ?? '1');
  return Number.isFinite(factor) && factor > 0 ? factor : 1;
}

/** Live-update history kept for consoles that reconnect; older ones reload instead. */
const EVENT_LOG_KEPT_MS = 24 * 60 * 60 * 1000;

export interface Container {
  readonly db: Database;
  readonly uow: UnitOfWork;
  readonly services: Services;
  readonly events: EventBus;
  readonly clock: Clock;
  readonly integrations: Integrations;
  readonly outbox: OutboxWorker;
  /** Hourly upkeep: planner statistics for the embedded database, the event log pruned to a day. */
  maintain(): Promise<void>;
  /** Migrations this start applied (empty when the database was up to date). */
  readonly appliedMigrations: readonly string[];
  close(): Promise<void>;
}

export interface ContainerOptions {
  config: AppConfig;
  clock?: Clock;
  logger?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Credentials from elsewhere than the environment (the desktop's keychain); they win over env. */
  credentials?: Credentials;
  integrations?: IntegrationOptions;
  /** Records how long each phase of the start takes (printed with --verbose). */
  timer?: StartTimer;
}

/** The composition root: configuration → database (migrated) → repositories → integrations → services. */
export async function createContainer(options: ContainerOptions): Promise<Container> {
  const clock = options.clock ?? systemClock;
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  // A data folder on disk (the embedded database's, the sandboxes' state) is the owner's alone: made
  // so, or repaired and said so once, before anything in it is opened.
  if (options.config.database.kind !== 'pglite-memory') {
    const repair = describePrivateFolder(options.config.dataDir, makeFolderPrivate(options.config.dataDir));
    if (repair) logger.warn(repair);
  }
  const time = <T>(name: string, work: () => Promise<T>): Promise<T> =>
    options.timer ? options.timer.time(name, work) : work();
  // What does not need the database starts while it opens (issue 10, point 8): the migrations folder
  // is read and the local sandboxes start (their state is files and ports, not tables). Opening the
  // embedded database waits on files and WebAssembly compilation, and this work fills those waits.
  const target = options.config.database;
  // The data folder was just made private, the database's folder with it when it lies inside.
  const inside = target.kind === 'pglite' ? path.relative(options.config.dataDir, target.dataDir) : '..';
  const madePrivate = !inside.startsWith('..') && !path.isAbsolute(inside);
  let lockHeld: () => void = () => undefined;
  const locked = new Promise<void>((resolve) => (lockHeld = resolve));
  const opening = time('database open', () =>
    openDatabase(target, { warn: (line) => logger.warn(line), folderMadePrivate: madePrivate, onLocked: lockHeld }),
  );
  const migrations = readMigrationsDirectory(migrationsDir());
  // A data folder on disk keeps the sandboxes' state beside the database's (an in-memory test database has none).
  const stateDir =
    options.config.database.kind === 'pglite-memory' ? undefined : path.join(options.config.dataDir, 'sandboxes');
  // Only once the folder is ours: a second start on a folder in use must not touch the sandboxes' files
  // (it fails on the lock, and that failure is what it reports).
  const starting = Promise.race([locked, opening]).then(() =>
    time('integrations (local sandboxes start, while the database opens)', () =>
      createIntegrations(
        { ...credentialsFromEnv(env), ...options.credentials },
        { ...(stateDir ? { stateDir } : {}), ...options.integrations },
      ),
    ),
  );
  // Its error, if any, is reported by the migrations check; not an unhandled rejection if we fail before.
  migrations.catch(() => undefined);
  // Both settle before anything goes on, so that whichever failed, the other is closed again.
  const [dbResult, integrationsResult] = await Promise.allSettled([opening, starting]);
  if (dbResult.status === 'rejected') {
    if (integrationsResult.status === 'fulfilled') await integrationsResult.value.close();
    throw dbResult.reason as Error;
  }
  const db = dbResult.value;
  if (integrationsResult.status === 'rejected') {
    await db.close();
    throw integrationsResult.reason as Error;
  }
  const integrations = integrationsResult.value;
  try {
    const appliedMigrations = await time('migrations check', () =>
      applyPendingMigrations(db, migrationsDir(), migrations),
    );
    // Several hosts may share PostgreSQL; the embedded database (locked to this process) has one writer.
    const shared = options.config.database.kind === 'postgres';
    const writers: EventLogWriters = shared ? { shared, host: randomUUID() } : { shared };
    // This host's worker is kicked by this host's commits that enqueued outbox rows (not by every change
    // any host announces: with several hosts, all their workers raced for each row, mostly claiming nothing).
    const deliveryKick: { kick: () => void } = { kick: () => undefined };
    const uow = prismaUnitOfWork(db, writers, () => deliveryKick.kick());
    const events = new EventBus(uow.read.eventLog, !shared);
    await time('event log', () => events.open());
    // Changes committed by other hosts (or other connections) arrive as NOTIFY on the event log; this
    // host's own commits name it and were read already, as each commit here announces what it logged.
    const unlisten = await db.listen(EVENT_CHANNEL, (from) => {
      if (writers.shared && from === writers.host) return;
      events.pokeUntilRead();
    });
    const services = createServices(
      { uow, clock, events },
      {
        gateway: integrations.gateway,
        tokenSecret: env['LINGUAFLEX_TOKEN_SECRET'],
        connectReturnUrl: env['LINGUAFLEX_CONNECT_RETURN_URL'],
        rateLimits: createRateLimits(db.pgShaped, rateLimitFactor(env)),
      },
      deliveryKick,
    );
    const outbox = createOutboxWorker({
      events,
      uow,
      clock,
      logger,
      meetings: integrations.meetings,
      mailer: integrations.mailer,
      intents: services.payments,
      submitRefund: services.refunds.submit,
      reverseTransfer: (id) => services.payouts.transfers.reverse(id),
    });
    deliveryKick.kick = () => outbox.kick();
    const opened = integrations;
    return {
      db,
      uow,
      services,
      events,
      clock,
      integrations: opened,
      outbox,
      appliedMigrations,
      maintain: async () => {
        await db.maintain();
        await uow.transaction((repos) =>
          repos.eventLog.pruneBefore(new Date(clock.now().getTime() - EVENT_LOG_KEPT_MS)),
        );
      },
      close: async () => {
        await unlisten();
        events.close();
        outbox.stop();
        await outbox.idle();
        await opened.close();
        await db.close();
      },
    };
  } catch (error) {
    await integrations.close();
    await db.close();
    throw error;
  }
}
