import type { Clock } from '../domain/clock';
import type { DomainEvent, EventBus } from './events';
import type { BookingRecord, EventLogRecord, Repositories, UnitOfWork } from './ports';

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
  /** Payout runs whose status or lines changed (R43, R44). */
  readonly payoutRuns = new Map<number, { status?: string; lineIds: Set<number> }>();
  /** Other events of this transaction (a teacher's Stripe account, …). */
  readonly other: DomainEvent[] = [];
  /** Outbox rows were written: the worker should look soon. */
  outbox = false;
  action = 'change';

  payoutRun(runId: number, status: string): void {
    const entry = this.payoutRuns.get(runId) ?? { lineIds: new Set<number>() };
    this.payoutRuns.set(runId, { ...entry, status });
  }

  payoutLine(runId: number, lineId: number, _status: string): void {
    const entry = this.payoutRuns.get(runId) ?? { lineIds: new Set<number>() };
    entry.lineIds.add(lineId);
    this.payoutRuns.set(runId, entry);
  }

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
    events.push(...this.other);
    for (const [runId, run] of this.payoutRuns)
      events.push({
        type: 'payout.changed',
        runId,
        ...(run.status ? { status: run.status } : {}),
        // Which lines (a few): a whole run starting names none; consoles reload the run either way.
        lineIds: run.lineIds.size > 100 ? [] : [...run.lineIds],
        at,
      });
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
  const { value, logged } = await deps.uow.transaction(async (repos) => {
    const value = await work(repos, changes);
    // Its last statement: on PostgreSQL the COMMIT goes with it, so the log's turn is not held for a round trip.
    return { value, logged: await repos.eventLog.appendLast(changes.events(deps.clock.now())) };
  });
  announce(deps, logged);
  return value;
}

/** After a commit that logged events: this host announces them now rather than waiting for the NOTIFY. */
export function announce(deps: Pick<ServiceDeps, 'events'>, rows: readonly EventLogRecord[]): void {
  deps.events?.committed(rows);
}
