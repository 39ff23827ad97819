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
}

export interface AuditStore {
  append(entry: AuditDraft): Promise<void>;
  list(query: {
    entity?: string | undefined;
    entityId?: string | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<AuditRecord[]>;
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
