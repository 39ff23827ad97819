import { z } from 'zod';
import { DAY_MS } from '../domain/clock';
import { DomainError } from '../domain/errors';
import { checkedSum } from '../domain/money';
import { currencySchema, instantSchema } from '../../shared/schemas';
import type { ServiceDeps } from './context';
import type { RevenueRow, TeacherSplitRow } from './ports';
import { implement, spec } from './use-case';

export const revenueInput = z.object({
  from: instantSchema,
  to: instantSchema,
  groupBy: z.enum(['day', 'month'], { error: "groupBy must be 'day' or 'month'" }),
  currency: currencySchema,
});

const MAX_RANGE_DAYS = 3 * 366;

export const REPORT_USE_CASES = { revenue: spec('reports.revenue', 'reports.read', revenueInput) };

/** What students paid minus what was refunded to them: finance's "net after refunds". */
type WithNet<T> = T & { netMinor: number };
function withNet<T extends { grossMinor: number; refundedMinor: number }>(row: T): WithNet<T> {
  // Both are safe integers and refunded ≤ paid (R24), so the difference is exact.
  return { ...row, netMinor: row.grossMinor - row.refundedMinor };
}

/**
 * Revenue by session date (UTC): what students paid (gross), the teachers' share, the platform fee
 * and what was refunded, for paid sessions of one currency. Amounts never mix currencies (R6).
 */
export function createReportService({ uow }: ServiceDeps) {
  return {
    revenue: implement(
      REPORT_USE_CASES.revenue,
      async (
        _actor,
        query,
      ): Promise<{
        rows: WithNet<RevenueRow>[];
        totals: WithNet<Omit<RevenueRow, 'period'>>;
        teachers: WithNet<TeacherSplitRow>[];
      }> => {
        if (query.to <= query.from) throw new DomainError('VALIDATION', 'The report range must end after it starts');
        if (query.to.getTime() - query.from.getTime() > MAX_RANGE_DAYS * DAY_MS) {
          throw new DomainError('VALIDATION', `The report range can be at most ${MAX_RANGE_DAYS} days`);
        }
        const [rows, teachers] = await Promise.all([
          uow.read.reports.revenue(query),
          uow.read.reports.teacherSplit({ ...query, limit: 500 }),
        ]);
        const sum = (pick: (row: RevenueRow) => number, what: string) => checkedSum(rows.map(pick), what);
        return {
          rows: rows.map(withNet),
          totals: withNet({
            grossMinor: sum((row) => row.grossMinor, 'gross total'),
            teacherMinor: sum((row) => row.teacherMinor, 'teacher total'),
            platformMinor: sum((row) => row.platformMinor, 'platform total'),
            refundedMinor: sum((row) => row.refundedMinor, 'refund total'),
            count: sum((row) => row.count, 'session count'),
          }),
          teachers: teachers.map(withNet),
        };
      },
    ),
  };
}

export type ReportService = ReturnType<typeof createReportService>;
