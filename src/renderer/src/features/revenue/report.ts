/**
 * Revenue as finance reads it, apart from React so it can be tested: preset ranges with an inclusive
 * end date, every period of the range (empty days included), and the two CSV tables. Amounts stay
 * integer minor units until they are written as exact decimals (R1); currencies are never summed
 * together (R6), each has its own columns.
 */
import { CURRENCIES, minorToDecimalString, type CurrencyCode } from '../../../../shared/currency';

export type GroupBy = 'day' | 'month';
export type Preset = 'thisMonth' | 'lastMonth' | 'thisQuarter' | 'lastQuarter';

export const PRESETS: readonly { id: Preset; label: string }[] = [
  { id: 'thisMonth', label: 'This month' },
  { id: 'lastMonth', label: 'Last month' },
  { id: 'thisQuarter', label: 'This quarter' },
  { id: 'lastQuarter', label: 'Last quarter' },
];

/** A range of whole UTC days, both ends included ("2026-11-01" … "2026-11-30"). */
export interface DayRange {
  from: string;
  to: string;
}

export const isoDay = (date: Date): string => date.toISOString().slice(0, 10);
const utcDay = (year: number, month: number, day: number) => isoDay(new Date(Date.UTC(year, month, day)));

/** The preset's days in UTC (the report is by session date in UTC), `to` included. */
export function presetRange(preset: Preset, today: Date): DayRange {
  const year = today.getUTCFullYear();
  const month = today.getUTCMonth();
  const quarterStart = month - (month % 3);
  switch (preset) {
    case 'thisMonth':
      return { from: utcDay(year, month, 1), to: utcDay(year, month + 1, 0) };
    case 'lastMonth':
      return { from: utcDay(year, month - 1, 1), to: utcDay(year, month, 0) };
    case 'thisQuarter':
      return { from: utcDay(year, quarterStart, 1), to: utcDay(year, quarterStart + 3, 0) };
    case 'lastQuarter':
      return { from: utcDay(year, quarterStart - 3, 1), to: utcDay(year, quarterStart, 0) };
  }
}

/** The instants the server is asked for: from the first day's start to the day after the last (exclusive). */
export function rangeInstants(range: DayRange): { from: Date; to: Date } | null {
  const from = new Date(`${range.from}T00:00:00Z`);
  const last = new Date(`${range.to}T00:00:00Z`);
  if (Number.isNaN(from.getTime()) || Number.isNaN(last.getTime()) || last < from) return null;
  return { from, to: new Date(last.getTime() + 86_400_000) };
}

export function periodKey(period: Date, groupBy: GroupBy): string {
  return groupBy === 'month' ? period.toISOString().slice(0, 7) : isoDay(period);
}

/** Every day (or month) of the range, in order: a day without sessions is a period with zeros, not a gap. */
export function periodsOf(range: DayRange, groupBy: GroupBy): string[] {
  const instants = rangeInstants(range);
  if (!instants) return [];
  const keys: string[] = [];
  const cursor = new Date(instants.from);
  if (groupBy === 'month') cursor.setUTCDate(1);
  while (cursor < instants.to && keys.length < 4000) {
    keys.push(periodKey(cursor, groupBy));
    if (groupBy === 'day') cursor.setUTCDate(cursor.getUTCDate() + 1);
    else cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return keys;
}

export interface Figures {
  count: number;
  grossMinor: number;
  teacherMinor: number;
  platformMinor: number;
  refundedMinor: number;
  netMinor: number;
}

export const ZERO: Figures = {
  count: 0,
  grossMinor: 0,
  teacherMinor: 0,
  platformMinor: 0,
  refundedMinor: 0,
  netMinor: 0,
};

/** Net after refunds, when a server that predates the field did not send it. */
export function figuresOf(row: Omit<Figures, 'netMinor'> & { netMinor?: number }): Figures {
  return {
    count: row.count,
    grossMinor: row.grossMinor,
    teacherMinor: row.teacherMinor,
    platformMinor: row.platformMinor,
    refundedMinor: row.refundedMinor,
    netMinor: row.netMinor ?? row.grossMinor - row.refundedMinor,
  };
}

/** One currency's report, as the page holds it. */
export interface CurrencyReport {
  currency: CurrencyCode;
  rows: (Figures & { period: Date })[];
  totals: Figures;
  teachers: (Figures & { teacherId: number; teacherName: string })[];
}

/** The report's rows keyed by period, every period of the range present. */
export function filledRows(
  report: CurrencyReport,
  range: DayRange,
  groupBy: GroupBy,
): (Figures & { period: string })[] {
  const byPeriod = new Map(report.rows.map((row) => [periodKey(row.period, groupBy), figuresOf(row)]));
  return periodsOf(range, groupBy).map((period) => ({ period, ...(byPeriod.get(period) ?? ZERO) }));
}

const MEASURES = [
  ['sessions', 'count'],
  ['gross', 'grossMinor'],
  ['teacher share', 'teacherMinor'],
  ['platform fee', 'platformMinor'],
  ['refunded', 'refundedMinor'],
  ['net after refunds', 'netMinor'],
] as const;

/** "USD gross (USD, major units, 2 decimals)": the column says its currency and its unit. */
function header(currency: CurrencyCode, measure: string): string {
  if (measure === 'sessions') return `${currency} sessions (count)`;
  const digits: number = CURRENCIES[currency].exponent;
  return `${currency} ${measure} (${currency}, major units, ${digits} decimal${digits === 1 ? '' : 's'})`;
}

function cells(currency: CurrencyCode, figures: Figures): string[] {
  return MEASURES.map(([, key]) =>
    key === 'count' ? String(figures.count) : minorToDecimalString(figures[key], currency),
  );
}

/** File 1: one row per period of the range, each currency's figures side by side. */
export function revenueTable(reports: readonly CurrencyReport[], range: DayRange, groupBy: GroupBy): string[][] {
  const filled = reports.map((report) => new Map(filledRows(report, range, groupBy).map((row) => [row.period, row])));
  return [
    [
      groupBy === 'day' ? 'day (UTC)' : 'month (UTC)',
      ...reports.flatMap((r) => MEASURES.map(([m]) => header(r.currency, m))),
    ],
    ...periodsOf(range, groupBy).map((period) => [
      period,
      ...reports.flatMap((report, index) => cells(report.currency, filled[index]?.get(period) ?? ZERO)),
    ]),
  ];
}

/** File 2: one row per teacher, each currency's figures side by side (zeros where they taught none in it). */
export function teacherTable(reports: readonly CurrencyReport[]): string[][] {
  const names = new Map<number, string>();
  for (const report of reports) for (const row of report.teachers) names.set(row.teacherId, row.teacherName);
  const ids = [...names.keys()].sort((a, b) => a - b);
  return [
    ['teacher id', 'teacher', ...reports.flatMap((r) => MEASURES.map(([m]) => header(r.currency, m)))],
    ...ids.map((id) => [
      String(id),
      names.get(id) ?? '',
      ...reports.flatMap((report) => {
        const row = report.teachers.find((teacher) => teacher.teacherId === id);
        return cells(report.currency, row ? figuresOf(row) : ZERO);
      }),
    ]),
  ];
}
