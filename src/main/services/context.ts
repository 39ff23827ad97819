import type { Clock } from '../domain/clock';
import type { DomainEvent, EventBus } from './events';
import type { BookingRecord, Repositories, UnitOfWork } from './ports';

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

  /** The events of what changed, appended to the event log in the same transaction. */
  events(at: Date): { type: string; payload: Record<string, unknown>; at: Date }[] {
    const events: DomainEvent[] = [];
    for (const booking of this.bookings.values())
      events.push({
        type: 'booking.changed',
        bookingId: booking.id,
        action: this.action,
        status: booking.status,
        paymentStatus: booking.paymentStatus,
        version: booking.version,
        at: booking.updatedAt,
      });
    for (const [paymentId, payment] of this.payments)
      events.push({ type: 'payment.changed', paymentId, bookingId: payment.bookingId, status: payment.status, at });
    for (const [refundRequestId, refund] of this.refunds)
      events.push({ type: 'refund.changed', refundRequestId, bookingId: refund.bookingId, status: refund.status, at });
    return events.map(logged);
  }
}

/** A domain event as a row of the event log. */
export function logged(event: DomainEvent): { type: string; payload: Record<string, unknown>; at: Date } {
  return { type: event.type, payload: { ...event }, at: event.at };
}

/**
 * Runs `work` in one transaction whose last write logs what it changed; once it committed, this
 * host announces it at once (other hosts hear the log's NOTIFY).
 */
export async function inTransaction<T>(
  deps: ServiceDeps,
  work: (repos: Repositories, changes: Changes) => Promise<T>,
): Promise<T> {
  const changes = new Changes();
  const result = await deps.uow.transaction(async (repos) => {
    const value = await work(repos, changes);
    await repos.eventLog.append(changes.events(deps.clock.now()));
    return value;
  });
  announce(deps);
  return result;
}

/** After a commit that logged events: this host reads them now rather than waiting for the NOTIFY. */
export function announce(deps: Pick<ServiceDeps, 'events'>): void {
  void deps.events?.poke().catch(() => undefined);
}
