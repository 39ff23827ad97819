import type { Clock } from '../domain/clock';
import type { BookingRecord } from './ports';
import type { EventBus } from './events';
import type { UnitOfWork } from './ports';

/** What every service is built from: a unit of work over the repositories, a clock and the event bus. */
export interface ServiceDeps {
  readonly uow: UnitOfWork;
  readonly clock: Clock;
  /** Receives an event after each committed change; optional for scripts that need none. */
  readonly events?: EventBus;
}

/**
 * What a transaction changed, collected while it runs and published only after it committed, so a
 * console never hears of a change that was rolled back.
 */
export class Changes {
  readonly bookings = new Map<number, BookingRecord>();
  readonly payments = new Map<number, { bookingId: number; status: string }>();
  readonly refunds = new Map<number, { bookingId: number; status: string }>();
  /** Outbox rows were written: the worker should look soon. */
  outbox = false;
  action = 'change';

  booking(record: BookingRecord, action: string): void {
    this.bookings.set(record.id, record);
    this.action = action;
  }

  publish(deps: Pick<ServiceDeps, 'events' | 'clock'>): void {
    const at = deps.clock.now();
    for (const booking of this.bookings.values()) {
      deps.events?.publish({
        type: 'booking.changed',
        bookingId: booking.id,
        action: this.action,
        status: booking.status,
        paymentStatus: booking.paymentStatus,
        version: booking.version,
        at: booking.updatedAt,
      });
    }
    for (const [paymentId, payment] of this.payments)
      deps.events?.publish({
        type: 'payment.changed',
        paymentId,
        bookingId: payment.bookingId,
        status: payment.status,
        at,
      });
    for (const [refundRequestId, refund] of this.refunds)
      deps.events?.publish({
        type: 'refund.changed',
        refundRequestId,
        bookingId: refund.bookingId,
        status: refund.status,
        at,
      });
  }
}

/** Runs `work` in one transaction, then publishes what it changed. */
export async function inTransaction<T>(
  deps: ServiceDeps,
  work: (repos: Parameters<Parameters<UnitOfWork['transaction']>[0]>[0], changes: Changes) => Promise<T>,
): Promise<T> {
  const changes = new Changes();
  const result = await deps.uow.transaction((repos) => work(repos, changes));
  changes.publish(deps);
  return result;
}
