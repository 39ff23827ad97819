import type { Repositories, UnitOfWork } from '../../services/ports';
import type { Database, DirectQuery } from '../database';
import { PrismaAuditRepository } from './audit-repository';
import { PrismaBookingRepository } from './booking-repository';
import { PrismaDeliveryRepository } from './delivery-repository';
import { PrismaLedgerRepository } from './ledger-repository';
import { PrismaMismatchRepository } from './mismatch-repository';
import { raceAsConflict } from './errors';
import { PrismaOutboxRepository, PrismaOutboxWorkRepository } from './outbox-repository';
import { PrismaPaymentRepository } from './payment-repository';
import { PrismaPayoutRepository } from './payout-repository';
import { PrismaPeopleRepository } from './people-repository';
import { PendingWrites } from './pending-writes';
import type { Db } from './prisma-types';
import { PrismaRefundRepository } from './refund-repository';
import { PrismaReportRepository } from './report-repository';
import { PrismaSettingsRepository } from './settings-repository';
import { SqlTransaction } from './sql-transaction';
import { PrismaSessionRepository } from './session-repository';
import { PrismaEventLogRepository, type EventLogWriters } from './event-log-repository';
import { PrismaStaffRepository } from './staff-repository';
import { PrismaStripeEventRepository } from './stripe-event-repository';
import { PrismaTransitionLogRepository } from './transition-log-repository';

/** Several hosts, none named (scripts and tests that do not listen to the log). */
const UNNAMED_SHARED: EventLogWriters = { shared: true, host: '' };

/**
 * `direct`: the driver's own statements outside transactions (see Database.directQuery). `writers`:
 * several hosts write to this database (PostgreSQL), so the event log orders its writers and
 * notifies the others; the embedded database has one writer.
 */
export function repositoriesFor(
  db: Db,
  direct?: DirectQuery,
  writers: EventLogWriters = UNNAMED_SHARED,
  pending?: PendingWrites,
): Repositories {
  return {
    staff: new PrismaStaffRepository(db),
    people: new PrismaPeopleRepository(db, direct),
    bookings: new PrismaBookingRepository(db, direct),
    payments: new PrismaPaymentRepository(db, direct),
    refunds: new PrismaRefundRepository(db),
    transitions: new PrismaTransitionLogRepository(db),
    deliveries: new PrismaDeliveryRepository(db, direct),
    mismatches: new PrismaMismatchRepository(db),
    stripeEvents: new PrismaStripeEventRepository(db, direct),
    outbox: new PrismaOutboxRepository(db, direct, pending),
    outboxWork: new PrismaOutboxWorkRepository(db, writers, direct),
    audit: new PrismaAuditRepository(db, pending),
    settings: new PrismaSettingsRepository(db, direct),
    reports: new PrismaReportRepository(db),
    sessions: new PrismaSessionRepository(db, direct),
    eventLog: new PrismaEventLogRepository(db, writers, direct, pending),
    ledger: new PrismaLedgerRepository(db),
    payouts: new PrismaPayoutRepository(db),
  };
}

/**
 * A transaction holds its rows' locks until it ends: one that runs longer than this (a stuck caller)
 * is refused its next statement and rolled back, as Prisma's interactive transactions were.
 */
const TRANSACTION_TIMEOUT_MS = 30_000;

/**
 * `outboxCommitted`: called after a transaction of this process that enqueued outbox rows commits —
 * this host's worker delivers what its own commits asked for at once; another host's rows reach it
 * only through its regular poll (a host that died before delivering), so the hosts' workers do not
 * all race for every row.
 */
export function prismaUnitOfWork(
  db: Pick<Database, 'prisma' | 'directQuery' | 'transaction'>,
  writers: EventLogWriters = UNNAMED_SHARED,
  outboxCommitted: () => void = () => undefined,
): UnitOfWork {
  return {
    read: repositoriesFor(db.prisma, db.directQuery, writers),
    transaction: async (work) => {
      // Audit entries and outbox rows ride on the event log's statement; any after it are written here.
      const pending = new PendingWrites();
      const value = await raceAsConflict(() =>
        db.transaction(async (query, last) => {
          const transaction = new SqlTransaction(query, performance.now() + TRANSACTION_TIMEOUT_MS, last);
          const tx = transaction.asDb();
          try {
            const result = await work(repositoriesFor(tx, undefined, writers, pending));
            // Committed with its last statement (the event log's): nothing is left to write or check.
            if (transaction.committedWithLast) return result;
            await pending.flush(tx);
            transaction.checkDeadline();
            return result;
          } finally {
            // A use case that loads side by side may still have a branch running when another fails: no
            // statement of it may follow the ROLLBACK (it would run on its own, or in the transaction of
            // whoever gets the connection next).
            transaction.close();
          }
        }),
      );
      if (pending.enqueuedOutbox) outboxCommitted();
      return value;
    },
  };
}
