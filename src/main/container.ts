import type { AppConfig } from './config/config';
import type { Clock } from './domain/clock';
import { openDatabase, type Database } from './db/database';
import { applyPendingMigrations } from './db/migrate';
import { prismaUnitOfWork } from './db/repositories';
import { createServices, type Services } from './services';
import { EventBus } from './services/events';
import type { UnitOfWork } from './services/ports';

export const systemClock: Clock = { now: () => new Date() };

export interface Container {
  readonly db: Database;
  readonly uow: UnitOfWork;
  readonly services: Services;
  readonly events: EventBus;
  readonly clock: Clock;
  /** Migrations this start applied (empty when the database was up to date). */
  readonly appliedMigrations: readonly string[];
  close(): Promise<void>;
}

/** The composition root: configuration → database (migrated) → repositories → services. */
export async function createContainer(options: { config: AppConfig; clock?: Clock }): Promise<Container> {
  const clock = options.clock ?? systemClock;
  const db = await openDatabase(options.config.database);
  try {
    const appliedMigrations = await applyPendingMigrations(db);
    const uow = prismaUnitOfWork(db.prisma);
    const events = new EventBus();
    const services = createServices({ uow, clock, events });
    return { db, uow, services, events, clock, appliedMigrations, close: () => db.close() };
  } catch (error) {
    await db.close();
    throw error;
  }
}
