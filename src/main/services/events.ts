import type { BookingPaymentStatus, BookingStatus } from '../domain/states';

/** What changed, published after the transaction that changed it committed. */
export type DomainEvent =
  | {
      type: 'booking.changed';
      bookingId: number;
      action: string;
      status: BookingStatus;
      paymentStatus: BookingPaymentStatus;
      version: number;
      at: Date;
    }
  | { type: 'settings.changed'; at: Date }
  /** A payment or refund request changed (its booking's page and the money lists refresh). */
  | { type: 'payment.changed'; paymentId: number; bookingId: number; status: string; at: Date }
  | { type: 'refund.changed'; refundRequestId: number; bookingId: number; status: string; at: Date }
  /** A side effect of a booking went out (its meeting, an email): consoles showing it refresh. */
  | { type: 'booking.delivered'; bookingId: number; kind: string; at: Date };

export interface StampedEvent {
  /** Increasing per process; subscribers resume from the last id they saw. */
  id: number;
  event: DomainEvent;
}

/**
 * In-process publish/subscribe with a short replay buffer, so a console that reconnects with its
 * last event id misses nothing that happened in between (or is told to reload when too much did).
 */
export class EventBus {
  private sequence = 0;
  private readonly recent: StampedEvent[] = [];
  private readonly listeners = new Set<(stamped: StampedEvent) => void>();

  constructor(private readonly capacity = 2000) {}

  publish(event: DomainEvent): void {
    const stamped = { id: (this.sequence += 1), event };
    this.recent.push(stamped);
    if (this.recent.length > this.capacity) this.recent.shift();
    for (const listener of this.listeners) listener(stamped);
  }

  subscribe(listener: (stamped: StampedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `lastId`, or null when the buffer no longer reaches back that far. */
  since(lastId: number): StampedEvent[] | null {
    if (lastId >= this.sequence) return [];
    const first = this.recent[0];
    if (!first || first.id > lastId + 1) return null;
    return this.recent.filter((stamped) => stamped.id > lastId);
  }

  get lastId(): number {
    return this.sequence;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
