import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { seedDatabase } from './db/bulk-seed';
import type { AppConfig } from './config/config';
import { createContainer, type Container } from './container';
import type { Clock } from './domain/clock';
import type { Credentials, IntegrationOptions } from './integrations';
import type { Logger } from './log';

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
}

export interface StartupReport {
  container: Container;
  lines: string[];
}

/**
 * What every start does, in the Electron shell and the headless host alike: open and migrate the
 * database, make sure someone can sign in, and offer demo data on a fresh embedded database.
 */
export async function startApp(options: StartupOptions): Promise<StartupReport> {
  const { config, logger } = options;
  const container = await createContainer({
    config,
    logger,
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
    const firstAdmin = await container.services.staff.ensureFirstAdmin(config.firstAdmin);
    if (firstAdmin === 'created') {
      lines.push(
        `Created the first admin ${config.firstAdmin?.email ?? ''} from LINGUAFLEX_ADMIN_EMAIL/LINGUAFLEX_ADMIN_PASSWORD`,
      );
    } else if (firstAdmin === 'missing' && embedded) {
      // A desktop's first start with nothing configured: make a local admin and tell the user once.
      const email = 'admin@linguaflex.local';
      const password = randomBytes(12).toString('base64url');
      await container.services.staff.ensureFirstAdmin({ email, password });
      const file = path.join(config.dataDir, 'first-admin.txt');
      writeFileSync(file, `email: ${email}\npassword: ${password}\n`, { mode: 0o600 });
      lines.push(
        `Created the first admin ${email} with password ${password} (also saved in ${file}; change it after signing in)`,
      );
    } else if (firstAdmin === 'missing') {
      lines.push(
        'No staff account yet: set LINGUAFLEX_ADMIN_EMAIL and LINGUAFLEX_ADMIN_PASSWORD and start again to create the first admin',
      );
    } else if (embedded && existsSync(path.join(config.dataDir, 'first-admin.txt'))) {
      lines.push(`First admin credentials: ${path.join(config.dataDir, 'first-admin.txt')}`);
    }

    const fresh =
      embedded &&
      (await container.uow.read.bookings.count()) === 0 &&
      (await container.uow.read.people.countTeachers()) === 0;
    if (fresh) {
      const load =
        options.demoData === 'load'
          ? true
          : options.demoData === 'skip'
            ? false
            : await options.demoData(
                `This database is empty. Load a small demo set (${DEMO_BOOKINGS} bookings)? [Y/n] `,
              );
      if (load) {
        const result = await seedDatabase(container.db, {
          bookings: DEMO_BOOKINGS,
          seed: 1,
          now: startOfUtcDay(container.clock.now()),
        });
        lines.push(
          `Loaded demo data: ${result.teachers} teachers, ${result.students} students, ${result.bookings} bookings`,
        );
      } else {
        lines.push(`Demo data not loaded (npm run seed -- --bookings ${DEMO_BOOKINGS} loads it later)`);
      }
    }
    for (const integration of container.integrations.describe()) lines.push(`${integration.name}: ${integration.mode}`);
    // Deliver side effects, and settle payments a crash may have left PENDING (R26).
    container.outbox.start();
    const reconciled = await container.services.reconciliation.run().catch((error: unknown) => {
      logger.warn(
        `Start-up reconciliation could not reach Stripe: ${error instanceof Error ? error.message : String(error)}`,
      );
      return null;
    });
    if (reconciled && (reconciled.settled > 0 || reconciled.mismatches > 0)) {
      lines.push(
        `Reconciliation: ${reconciled.settled} payment(s) settled from Stripe, ${reconciled.mismatches} new mismatch(es) to review`,
      );
    }
    for (const line of lines) logger.info(line);
    return { container, lines };
  } catch (error) {
    await container.close();
    throw error;
  }
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
