import type { BookingRecord } from './bookings';
import type { EventLogRecord } from './sessions';
/** What the outbox delivers and what it delivered: rows, meetings, emails. */
export interface OutboxDraft {
  key: string;
  kind: string;
  bookingId: number | null;
  payload: Record<string, unknown>;
  /** Not before this time (a safety net that should normally find its work already done). */
  notBefore?: Date;
}

export interface OutboxRecord {
  id: number;
  key: string;
  kind: string;
  bookingId: number | null;
  payload: Record<string, unknown>;
  status: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  nextAttemptAt: Date;
  lastError: string | null;
  createdAt: Date;
  deliveredAt: Date | null;
  /**
   * Set when the worker claims the row: an earlier delivery of it was claimed and never recorded an
   * outcome (the process died half-way), so its effect may already have happened.
   */
  interrupted?: boolean;
}

export interface MeetingRecord {
  bookingId: number;
  zoomMeetingId: string;
  topic: string;
  startsAt: Date;
  minutes: number;
  timezone: string;
  joinUrl: string;
  startUrl: string;
  password: string;
  createdAt: Date;
  deletedAt: Date | null;
}

export interface SentEmailRecord {
  outboxKey: string;
  bookingId: number | null;
  template: string;
  recipientRole: string;
  recipient: string;
  subject: string;
  messageId: string;
  sentAt: Date;
}

/** What a delivery records once its effect happened: the email it sent, the meeting it made or moved. */
export type DeliveryRecord =
  | { kind: 'email'; email: SentEmailRecord }
  | { kind: 'meeting'; meeting: Omit<MeetingRecord, 'createdAt' | 'deletedAt'> }
  | { kind: 'meeting_moved'; bookingId: number; startsAt: Date; minutes: number };

/** Outbox rows are written only from transition effects, in the transaction of the transition. */
export interface OutboxStore {
  enqueue(messages: readonly OutboxDraft[]): Promise<void>;
  listForBooking(bookingId: number): Promise<{ key: string; kind: string; status: string; payload: unknown }[]>;
  /** The status of the row with this key, or null when there is none. */
  statusOf(key: string): Promise<OutboxRecord['status'] | null>;
}

export interface OutboxWorkStore {
  /** Claims up to `limit` due rows for `leaseMs` (so a second worker skips them). */
  claimDue(now: Date, leaseMs: number, limit: number): Promise<OutboxRecord[]>;
  /**
   * One statement, so all of it or none: what the delivery did (`record`), its row marked delivered,
   * and `events` appended to the log. Returns the logged rows, for announcing.
   */
  settle(
    id: number,
    at: Date,
    record: DeliveryRecord | undefined,
    events: readonly { type: string; payload: Record<string, unknown>; at: Date }[],
  ): Promise<EventLogRecord[]>;
  /**
   * The row is tried again at `nextAttemptAt` (or given up). `countAttempt: false` for a row that only
   * waited for another (WaitFor): waiting is not failing, so it spends none of the row's attempts.
   */
  markFailed(id: number, error: string, nextAttemptAt: Date, giveUp: boolean, countAttempt?: boolean): Promise<void>;
  retry(id: number, at: Date): Promise<OutboxRecord | null>;
  failures(limit: number): Promise<OutboxRecord[]>;
  find(id: number): Promise<OutboxRecord | null>;
}

/** What an email or a meeting about a booking needs, read at once. */
export interface BookingContext {
  booking: BookingRecord;
  student: { name: string; email: string; timezone: string };
  teacher: { name: string; email: string; timezone: string };
  gig: { title: string; language: string };
  meeting: { joinUrl: string; deletedAt: Date | null } | null;
}

export interface DeliveryStore {
  /** The booking with its parties, gig and meeting, in one query. */
  bookingContext(bookingId: number): Promise<BookingContext | null>;
  findMeeting(bookingId: number): Promise<MeetingRecord | null>;
  markMeetingDeleted(bookingId: number, at: Date): Promise<void>;
  recordEmail(email: SentEmailRecord): Promise<void>;
  emails(bookingId: number): Promise<SentEmailRecord[]>;
}
