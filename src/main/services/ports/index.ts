import type { BookingStore } from './bookings';
import type { DeliveryStore, OutboxStore, OutboxWorkStore } from './deliveries';
import type { TransitionLogStore } from './lifecycle';
import type { PaymentStore } from './payments';
import type { PeopleStore, StaffStore } from './people';
import type { MismatchStore, StripeEventStore } from './reconciliation';
import type { RefundStore } from './refunds';
import type { EventLogStore, SessionStore } from './sessions';
import type { LedgerStore } from './ledger';
import type { PayoutStore } from './payouts';
import type { AuditStore, ReportStore, SettingsStore } from './support';

/**
 * What the services need from persistence, in the services' own types. Repositories in src/main/db
 * implement these; nothing here knows Prisma. Each aggregate with a lifecycle has exactly one write
 * of its status: `applyTransition`, versioned, which also records the transition.
 */
export interface Repositories {
  staff: StaffStore;
  people: PeopleStore;
  bookings: BookingStore;
  payments: PaymentStore;
  refunds: RefundStore;
  transitions: TransitionLogStore;
  deliveries: DeliveryStore;
  mismatches: MismatchStore;
  stripeEvents: StripeEventStore;
  outbox: OutboxStore;
  outboxWork: OutboxWorkStore;
  audit: AuditStore;
  settings: SettingsStore;
  sessions: SessionStore;
  eventLog: EventLogStore;
  ledger: LedgerStore;
  payouts: PayoutStore;
  reports: ReportStore;
}

/** Runs a use case's writes in one transaction: all of them commit, or none. */
export interface UnitOfWork {
  /**
   * The repositories outside any transaction: reads, and writes of one statement that need nothing
   * else to commit with them (a claim, a Stripe id recorded as soon as it is known).
   */
  readonly read: Repositories;
  transaction<T>(work: (repos: Repositories) => Promise<T>): Promise<T>;
}

export type * from './bookings';
export type * from './deliveries';
export type * from './lifecycle';
export type * from './payments';
export type * from './people';
export type * from './reconciliation';
export type * from './refunds';
export type * from './sessions';
export type * from './rate-limits';
export type * from './ledger';
export type * from './payouts';
export type * from './support';
