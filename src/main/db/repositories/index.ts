import type { Repositories, UnitOfWork } from '../../services/ports';
import type { ReadQuery } from '../database';
import type { PrismaClient } from '../generated/client.ts';
import { PrismaBookingRepository } from './booking-repository';
import { PrismaOutboxWorkRepository, PrismaPaymentRepository } from './payment-repository';
import { PrismaPeopleRepository } from './people-repository';
import { PrismaReportRepository } from './report-repository';
import type { Db } from './prisma-types';
import { PrismaStaffRepository } from './staff-repository';
import { PrismaAuditRepository, PrismaOutboxRepository, PrismaSettingsRepository } from './support-repositories';

/** `read`: driver-level queries for reads outside transactions (see Database.readQuery). */
export function repositoriesFor(db: Db, read?: ReadQuery): Repositories {
  return {
    staff: new PrismaStaffRepository(db),
    people: new PrismaPeopleRepository(db),
    bookings: new PrismaBookingRepository(db, read),
    outbox: new PrismaOutboxRepository(db),
    audit: new PrismaAuditRepository(db),
    settings: new PrismaSettingsRepository(db),
    reports: new PrismaReportRepository(db),
    payments: new PrismaPaymentRepository(db),
    outboxWork: new PrismaOutboxWorkRepository(db),
  };
}

export function prismaUnitOfWork(prisma: PrismaClient, read?: ReadQuery): UnitOfWork {
  return {
    read: repositoriesFor(prisma, read),
    transaction: (work) => prisma.$transaction((tx) => work(repositoriesFor(tx)), { maxWait: 10_000, timeout: 30_000 }),
  };
}
