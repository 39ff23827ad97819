import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AppConfig } from './config/config';
import { createContainer, type Container } from './container';
import type { Clock } from './domain/clock';
import type { Credentials, IntegrationOptions } from './integrations';
import type { Logger } from './log';
import { loadDemoData } from './seed/demo';
import { passwordProblem } from './services/password-policy';
import { StartTimer } from './start-timings';

export const DEMO_BOOKINGS = 200;

export interface StartupOptions {
  config: AppConfig;
  logger: Logger;
  clock?: Clock;
  /** What to do on a fresh embedded database: load a small demo set, or not. */
  demoData: 'load' | 'skip' | ((question: string) => Promise<boolean>);
  integrations?: IntegrationOptions;
  credentials?: Credentials;
  env?: NodeJS.ProcessEnv;
  /** Records the start's phases (a new one when not given). */
  timer?: StartTimer;
}

export interface StartupReport {
  container: Container;
  lines: string[];
  timer: StartTimer;
  /**
   * What can wait until the console is usable: the demo set of a fresh database (made through the
   * product's paths, so it takes a while and appears live) and the start-up reconciliation with
   * Stripe (R26). The caller runs it once the console answers; it never rejects (problems are logged).
   * An aborted `signal` stops the demo set between two steps (the app is closing).
   */
  afterStart: (signal?: AbortSignal) => Promise<void>;
}

/**
 * What every start does, in the Electron shell and the headless host alike: open and migrate the
 * database, make sure someone can sign in, and decide on demo data on a fresh embedded database.
 * Only what the console needs to answer happens before it returns; the rest is `afterStart`.
 */
export async function startApp(options: StartupOptions): Promise<StartupReport> {
  const { config, logger } = options;
  const timer = options.timer ?? new StartTimer();
  const container = await createContainer({
    config,
    logger,
    timer,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.integrations ? { integrations: options.integrations } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const lines: string[] = [];
  try {
    lines.push(`Database: ${container.db.description}`);
    lines.push(
      container.appliedMigrations.length > 0
        ? `Migrations applied now: ${container.appliedMigrations.join(', ')}`
        : 'Migrations: up to date',
    );
    const embedded = config.database.kind !== 'postgres';
    const firstAdmin = await timer.time('first admin', () =>
      container.services.staff.ensureFirstAdmin(config.firstAdmin),
    );
    if (firstAdmin === 'created') {
      lines.push(
        `Created the first admin ${config.firstAdmin?.email ?? ''} from LINGUAFLEX_ADMIN_EMAIL/LINGUAFLEX_ADMIN_PASSWORD`,
      );
      const weak = config.firstAdmin ? passwordProblem(config.firstAdmin.password, [config.firstAdmin.email]) : null;
      if (weak) lines.push(`${weak}: it must be changed at the first sign-in`);
    } else if (firstAdmin === 'missing' && embedded) {
      // A desktop's first start with nothing configured: make a local admin and tell the user once.
      const email = 'admin@linguaflex.local';
      const password = randomBytes(12).toString('base64url');
      // Printed once and saved in a file: it must be changed at the first sign-in (R34).
      await container.services.staff.ensureFirstAdmin({ email, password }, { generated: true });
      const file = path.join(config.dataDir, 'first-admin.txt');
      writeFileSync(file, `email: ${email}\npassword: ${password}\n`, { mode: 0o600 });
      lines.push(
        `Created the first admin ${email} with password ${password} (also saved in ${file}; you will be asked to change it when you first sign in)`,
      );
    } else if (firstAdmin === 'missing') {
      lines.push(
        'No staff account yet: set LINGUAFLEX_ADMIN_EMAIL and LINGUAFLEX_ADMIN_PASSWORD and start again to create the first admin',
      );
    } else if (embedded && existsSync(path.join(config.dataDir, 'first-admin.txt'))) {
      lines.push(`First admin credentials: ${path.join(config.dataDir, 'first-admin.txt')}`);
    }

    const fresh = await timer.time(
      'demo data check',
      async () =>
        embedded &&
        (await container.uow.read.bookings.count()) === 0 &&
        (await container.uow.read.people.countTeachers()) === 0,
    );
    let loadDemo = false;
    if (fresh) {
      loadDemo =
        options.demoData === 'load'
          ? true
          : options.demoData === 'skip'
            ? false
            : await options.demoData(
                `This database is empty. Load a small demo set (${DEMO_BOOKINGS} bookings)? [Y/n] `,
              );
      lines.push(
        loadDemo
          ? `Loading a demo set of ${DEMO_BOOKINGS} bookings through the product's own paths once the console is up; it appears as it is made`
          : `Demo data not loaded (npm run seed -- --bookings ${DEMO_BOOKINGS} writes benchmark data later)`,
      );
    }
    for (const integration of container.integrations.describe()) lines.push(`${integration.name}: ${integration.mode}`);
    // Deliver side effects from now on (a pass runs at once for what a crash left behind).
    container.outbox.start();
    for (const line of lines) logger.info(line);

    let started: Promise<void> | null = null;
    const afterStart = (signal?: AbortSignal): Promise<void> => {
      started ??= (async () => {
        if (loadDemo) {
          try {
            const result = await timer.time(
              'demo data',
              () =>
                loadDemoData(
                  container,
                  { bookings: DEMO_BOOKINGS, seed: 1, now: startOfUtcDay(container.clock.now()) },
                  signal,
                ),
              true,
            );
            logger.info(
              `Loaded demo data: ${result.teachers} teachers, ${result.students} students, ${result.bookings} bookings`,
            );
            for (const problem of result.problems) logger.warn(`Demo data: ${problem}`);
          } catch (error) {
            logger.error('Loading the demo data failed', error);
          }
        }
        if (signal?.aborted) return;
        // Settle payments a crash may have left PENDING, compare everything with Stripe (R26).
        const reconciled = await timer
          .time('start-up reconciliation', () => container.services.reconciliation.run(), true)
          .catch((error: unknown) => {
            logger.warn(
              `Start-up reconciliation could not reach Stripe: ${error instanceof Error ? error.message : String(error)}`,
            );
            return null;
          });
        if (reconciled && (reconciled.settled > 0 || reconciled.mismatches > 0)) {
          logger.info(
            `Reconciliation: ${reconciled.settled} payment(s) settled from Stripe, ${reconciled.mismatches} new mismatch(es) to review`,
          );
        }
      })();
      return started;
    };
    return { container, lines, timer, afterStart };
  } catch (error) {
    await container.close();
    throw error;
  }
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
