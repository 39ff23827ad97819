import type { CurrencyCode } from '../../domain/money';
import type { ReportStore, RevenueRow, TeacherSplitRow } from '../../services/ports';
import { Prisma } from '../generated/client.ts';
import type { Db } from './prisma-types';

const REVENUE_STATUSES = Prisma.sql`('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')`;

/** Sums in SQL (bigint), converted back to safe integers: money stays in minor units end to end (R1). */
const toSafe = (value: bigint | number | null): number => {
  const number = Number(value ?? 0);
  if (!Number.isSafeInteger(number)) throw new Error('A revenue total exceeds the safe integer range');
  return number;
};

export class PrismaReportRepository implements ReportStore {
  constructor(private readonly db: Db) {}

  async revenue(query: {
    from: Date;
    to: Date;
    currency: CurrencyCode;
    groupBy: 'day' | 'month';
  }): Promise<RevenueRow[]> {
    const unit = query.groupBy === 'day' ? Prisma.raw(`'day'`) : Prisma.raw(`'month'`);
    const rows = await this.db.$queryRaw<
      { period: Date; gross: bigint; teacher: bigint; platform: bigint; refunded: bigint; count: bigint }[]
    >`
      SELECT date_trunc(${unit}, b."startsAt") AS period,
             sum(b."totalMinor") AS gross, sum(b."teacherMinor") AS teacher, sum(b."platformMinor") AS platform,
             coalesce(sum(p."refundedMinor"), 0) AS refunded, count(*) AS count
      FROM "Booking" b
      LEFT JOIN "Payment" p ON p."bookingId" = b.id AND p.status IN ${REVENUE_STATUSES}
      WHERE b."paymentStatus" IN ${REVENUE_STATUSES} AND b.currency = ${query.currency}
        AND b."startsAt" >= ${query.from} AND b."startsAt" < ${query.to}
      GROUP BY 1 ORDER BY 1`;
    return rows.map((row) => ({
      period: row.period,
      grossMinor: toSafe(row.gross),
      teacherMinor: toSafe(row.teacher),
      platformMinor: toSafe(row.platform),
      refundedMinor: toSafe(row.refunded),
      count: toSafe(row.count),
    }));
  }

  async teacherSplit(query: {
    from: Date;
    to: Date;
    currency: CurrencyCode;
    limit: number;
  }): Promise<TeacherSplitRow[]> {
    const rows = await this.db.$queryRaw<
      {
        teacherId: number;
        teacherName: string;
        gross: bigint;
        teacher: bigint;
        platform: bigint;
        refunded: bigint;
        count: bigint;
      }[]
    >`
      SELECT b."teacherId" AS "teacherId", t.name AS "teacherName",
             sum(b."totalMinor") AS gross, sum(b."teacherMinor") AS teacher, sum(b."platformMinor") AS platform,
             coalesce(sum(p."refundedMinor"), 0) AS refunded, count(*) AS count
      FROM "Booking" b
      JOIN "Teacher" t ON t.id = b."teacherId"
      LEFT JOIN "Payment" p ON p."bookingId" = b.id AND p.status IN ${REVENUE_STATUSES}
      WHERE b."paymentStatus" IN ${REVENUE_STATUSES} AND b.currency = ${query.currency}
        AND b."startsAt" >= ${query.from} AND b."startsAt" < ${query.to}
      GROUP BY b."teacherId", t.name ORDER BY gross DESC, b."teacherId" LIMIT ${query.limit}`;
    return rows.map((row) => ({
      teacherId: row.teacherId,
      teacherName: row.teacherName,
      grossMinor: toSafe(row.gross),
      teacherMinor: toSafe(row.teacher),
      platformMinor: toSafe(row.platform),
      refundedMinor: toSafe(row.refunded),
      count: toSafe(row.count),
    }));
  }
}
