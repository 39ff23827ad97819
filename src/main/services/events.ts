import type { BookingPaymentStatus, BookingStatus } from '../domain/states';
import type { EventLogRecord } from './ports';

/** What changed, announced to every console on every host once the transaction that changed it committed. */
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
  /** A side effect of a booking went out (its meeting, an email): consoles showing it refresh. */
  | { type: 'booking.delivered'; bookingId: number; kind: string; at: Date }
  /** A payment or refund request changed (its booking's page and the money lists refresh). */
  | { type: 'payment.changed'; paymentId: number; bookingId: number; status: string; at: Date }
  | { type: 'refund.changed'; refundRequestId: number; bookingId: number; status: string; at: Date }
  /** A payout run changed status, or some of its lines did (sent, failed, retried); the ledger moved with them. */
  | { type: 'payout.changed'; runId: number; status?: string; lineIds: number[]; at: Date }
  /** A teacher's Stripe account was connected or changed at Stripe (its payout status). */
  | { type: 'teacher.account_changed'; teacherId: number | null; stripeAccountId: string; at: Date }
  /** Sessions ended (sign-out, sign-out everywhere, a disabled account): their streams close. */
  | { type: 'sessions.revoked'; sessionIds: string[]; at: Date };

export interface StampedEvent {
  /** The event's id in the database's log: the same on every host, so a console resumes anywhere. */
  id: number;
  event: DomainEvent;
}

function revive(record: EventLogRecord): StampedEvent {
  const payload = record.payload as unknown as DomainEvent & { at: string | Date };
  return { id: record.id, event: { ...payload, at: new Date(payload.at) } };
}

const RECENT = 2000;
const PAGE = 500;

/**
 * Live updates for one host, fed from the database's event log: every committed change is a row of
 * the log (written in its own transaction) and a NOTIFY, which every host LISTENs to; `poke` reads
 * the new rows and hands them to this host's subscribers. A console that reconnects with its last
 * event id — to this host or another — misses nothing (or is told to reload when too much did).
 */
export class EventBus {
  private lastSeen = 0;
  private readonly recent: StampedEvent[] = [];
  private readonly listeners = new Set<(stamped: StampedEvent) => void>();
  private reading: Promise<void> | null = null;
  private again = false;
  private retry: NodeJS.Timeout | null = null;
  private closed = false;

  /**
   * `singleWriter`: this host is the log's only writer (the embedded database), so what it just
   * committed is announced as written, without reading it back; with shared PostgreSQL, rows of other
   * hosts may interleave, so the log is read in id order.
   */
  constructor(
    private readonly log: {
      after(id: number, limit: number): Promise<EventLogRecord[]>;
      latestId(): Promise<number>;
      oldestId(): Promise<number | null>;
    },
    private readonly singleWriter = false,
  ) {}

  /** Starts after what the log already holds: a new host announces only what happens from now on. */
  async open(): Promise<void> {
    this.lastSeen = await this.log.latestId();
  }

  /** New rows may be in the log (a commit here, or a NOTIFY from another host): read and announce them. */
  poke(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.again = false;
          for (;;) {
            const rows = await this.log.after(this.lastSeen, PAGE);
            for (const row of rows) this.deliver(revive(row));
            if (rows.length < PAGE) break;
          }
        } while (this.askedAgain());
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  /**
   * A transaction on this host committed these rows of the log. They are announced as written when
   * nothing can come before them unseen: with one writer always; with shared PostgreSQL when they
   * directly follow the last row seen, since ids are drawn in commit order (appenders take turns
   * until they commit) — a gap is another host's rows or a rolled-back id, and the log is read.
   */
  committed(rows: readonly EventLogRecord[]): void {
    if (rows.length === 0) return;
    if (!this.reading && (this.singleWriter || this.followsLastSeen(rows))) {
      for (const row of rows) this.deliver(revive(row));
      return;
    }
    this.pokeUntilRead();
  }

  private followsLastSeen(rows: readonly EventLogRecord[]): boolean {
    return rows.every((row, index) => row.id === this.lastSeen + 1 + index);
  }

  /**
   * Reads the log, and when that fails (a lost connection) tries again each second until it succeeds:
   * a host skips the NOTIFYs of its own commits, so this read is what announces them here.
   */
  pokeUntilRead(): void {
    if (this.closed) return;
    this.poke().catch(() => {
      if (this.retry || this.closed) return;
      this.retry = setTimeout(() => {
        this.retry = null;
        this.pokeUntilRead();
      }, 1000);
      this.retry.unref();
    });
  }

  /** No more reads (the host is closing its database). */
  close(): void {
    this.closed = true;
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
  }

  /** Read through a method: a poke arrives from another callback while a read awaits. */
  private askedAgain(): boolean {
    return this.again;
  }

  private deliver(stamped: StampedEvent): void {
    if (stamped.id <= this.lastSeen) return;
    this.lastSeen = stamped.id;
    this.recent.push(stamped);
    if (this.recent.length > RECENT) this.recent.shift();
    for (const listener of this.listeners) listener(stamped);
  }

  subscribe(listener: (stamped: StampedEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events after `lastId` (from memory, or the log), or null when the log no longer reaches back that far. */
  async since(lastId: number): Promise<StampedEvent[] | null> {
    if (lastId >= this.lastSeen) return [];
    const first = this.recent[0];
    if (first && first.id <= lastId) return this.recent.filter((stamped) => stamped.id > lastId);
    // Ids have gaps (a rolled-back transaction uses one up); only pruning loses events, and pruned
    // rows are all older than the oldest row left.
    const oldest = await this.log.oldestId();
    if (oldest !== null && oldest > lastId + 1) return null;
    const rows = await this.log.after(lastId, RECENT + 1);
    if (rows.length > RECENT) return null;
    return rows.map(revive).filter((stamped) => stamped.id <= this.lastSeen);
  }

  get lastId(): number {
    return this.lastSeen;
  }

  get listenerCount(): number {
    return this.listeners.size;
  }
}
