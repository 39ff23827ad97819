import type { CurrencyCode } from '../../domain/money';

/** The audit log, settings and revenue reports. */
export interface AuditDraft {
  actorStaffId: number | null;
  actorRole: string;
  action: string;
  entity: string;
  entityId: string;
  data?: Record<string, unknown>;
  at: Date;
}

export interface AuditRecord extends Omit<AuditDraft, 'data'> {
  id: number;
  data: unknown;
  /** The acting staff member's name (null for the system, a student or a teacher). */
  actorName: string | null;
  /** The booking an entry is about (a booking's, its payment's or its refund request's entry), if any. */
  bookingId: number | null;
  /** That booking's currency: the one any `…Minor` amount in the entry's data is in. */
  currency: string | null;
}

export interface AuditQuery {
  entity?: string | undefined;
  entityId?: string | undefined;
  /** Only entries about these entities (a role's visible part of the log). */
  entities?: readonly string[] | undefined;
  /** A booking's history: the booking, its payments and its refund requests. */
  bookingId?: number | undefined;
  /** A student's entries and their bookings' history. */
  studentId?: number | undefined;
  /** A teacher's entries, their gigs, payout lines and their bookings' history. */
  teacherId?: number | undefined;
  actorStaffId?: number | undefined;
  /** An action, or a family of them: "refund" matches "refund.request" and "refund.approve.first". */
  action?: string | undefined;
  /** At or after. */
  from?: Date | undefined;
  /** Before. */
  to?: Date | undefined;
  /** Newest first; the last id of the previous page. */
  beforeId?: number | undefined;
  limit: number;
}

export interface AuditStore {
  append(entry: AuditDraft): Promise<void>;
  list(query: AuditQuery): Promise<AuditRecord[]>;
  /** Staff who acted in entries about these entities (all entries when undefined), by name. */
  actors(entities?: readonly string[]): Promise<{ id: number; name: string; role: string }[]>;
}

export interface SettingsStore {
  all(): Promise<Record<string, unknown>>;
  set(key: string, value: unknown, updatedById: number | null): Promise<void>;
  /** Stores `value` unless the key exists; returns what is stored either way (first writer wins). */
  setIfAbsent(key: string, value: unknown): Promise<unknown>;
}

export interface RevenueRow {
  period: Date;
  grossMinor: number;
  teacherMinor: number;
  platformMinor: number;
  refundedMinor: number;
  count: number;
}

export interface TeacherSplitRow extends Omit<RevenueRow, 'period'> {
  teacherId: number;
  teacherName: string;
}

export interface ReportStore {
  revenue(query: { from: Date; to: Date; currency: CurrencyCode; groupBy: 'day' | 'month' }): Promise<RevenueRow[]>;
  teacherSplit(query: { from: Date; to: Date; currency: CurrencyCode; limit: number }): Promise<TeacherSplitRow[]>;
}
