/**
 * A queue as CSV: one row per booking, one table. Each row names its currency and the total is an
 * exact decimal in that currency's major units (R1); instants are ISO-8601 in UTC so a spreadsheet
 * in any zone reads the same moment.
 */
import { isCurrencyCode, minorToDecimalString } from '../../../../shared/currency';

export interface QueueCsvRow {
  id: number;
  startsAt: Date;
  studentName: string;
  teacherName: string;
  language: string;
  minutes: number;
  currency: string;
  totalMinor: number;
  status: string;
  paymentStatus: string;
  createdAt: Date;
}

export const QUEUE_CSV_HEADER = [
  'booking id',
  'starts (UTC, ISO 8601)',
  'student',
  'teacher',
  'language',
  'minutes',
  'currency',
  'total (major units of the currency)',
  'status',
  'payment status',
  'requested (UTC, ISO 8601)',
];

export function queueTable(rows: readonly QueueCsvRow[]): (string | number)[][] {
  return [
    QUEUE_CSV_HEADER,
    ...rows.map((row) => [
      row.id,
      row.startsAt.toISOString(),
      row.studentName,
      row.teacherName,
      row.language,
      row.minutes,
      row.currency,
      isCurrencyCode(row.currency) ? minorToDecimalString(row.totalMinor, row.currency) : String(row.totalMinor),
      row.status,
      row.paymentStatus,
      row.createdAt.toISOString(),
    ]),
  ];
}
