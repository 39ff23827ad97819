import type { LedgerAccount, LedgerEntryKind, LedgerLine } from '../../domain/ledger';
import type { AccountBalance, LedgerEntryRecord, LedgerEntryRef, LedgerStore } from '../../services/ports';
import { Prisma, type LedgerEntry } from '../generated/client.ts';
import { columnList } from './columns';
import type { Db } from './prisma-types';

/**
 * A refund's success entry with its lines (a row per line; none when the entry has no lines). SQL:
 * a refund's outcome reads it inside its transaction (on the driver, sql-transaction.ts).
 */
const REFUND_ENTRY = `
WITH e AS (
  SELECT ${columnList(Prisma.LedgerEntryScalarFieldEnum)} FROM "LedgerEntry"
  WHERE "refundRequestId" = $1::int AND "kind" = 'refund_succeeded'
  ORDER BY "id" DESC
  LIMIT 1
)
SELECT ${columnList(Prisma.LedgerEntryScalarFieldEnum, 'e')}, l."account" AS "lineAccount", l."amountMinor" AS "lineAmountMinor"
FROM e LEFT JOIN "LedgerLine" l ON l."entryId" = e."id"
ORDER BY l."id"`;

type EntryLineRow = LedgerEntry & { lineAccount: string | null; lineAmountMinor: number | null };

/** The append-only ledger (R40); balances and checks are aggregates in SQL, never loaded whole. */
export class PrismaLedgerRepository implements LedgerStore {
  constructor(private readonly db: Db) {}

  async post(
    entry: LedgerEntryRef & { kind: LedgerEntryKind; currency: string; at: Date },
    lines: readonly LedgerLine[],
  ): Promise<number> {
    // One statement for the entry and its lines (Prisma's createMany for the lines was a second one,
    // compiled anew on every call).
    const [id] = await this.postMany([{ entry, lines }]);
    if (id === undefined) throw new Error('The ledger entry was not written');
    return id;
  }

  async postMany(
    postings: readonly {
      entry: LedgerEntryRef & { kind: LedgerEntryKind; currency: string; at: Date };
      lines: readonly LedgerLine[];
    }[],
  ): Promise<number[]> {
    if (postings.length === 0) return [];
    // One JSON parameter for the entries and one for their lines, tied by the posting's index `k`.
    const entries = postings.map(({ entry }, k) => ({
      k,
      kind: entry.kind,
      currency: entry.currency,
      bookingId: entry.bookingId ?? null,
      paymentId: entry.paymentId ?? null,
      refundRequestId: entry.refundRequestId ?? null,
      payoutLineId: entry.payoutLineId ?? null,
      transferReversalId: entry.transferReversalId ?? null,
      teacherId: entry.teacherId ?? null,
      at: entry.at.toISOString(),
    }));
    const lines = postings.flatMap((posting, k) =>
      posting.lines.map((line) => ({ k, account: line.account, amount: line.amountMinor })),
    );
    // The entry ids are drawn first so the lines can name them in the same statement; the lines'
    // foreign key is checked at its end, when the entries exist. Lines keep the order they were given.
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      WITH e AS (
        SELECT k, kind, currency, "bookingId", "paymentId", "refundRequestId", "payoutLineId", "transferReversalId",
               "teacherId", at
        FROM jsonb_to_recordset(${JSON.stringify(entries)}::jsonb) AS e(
          k int, kind text, currency text, "bookingId" int, "paymentId" int, "refundRequestId" int,
          "payoutLineId" int, "transferReversalId" int, "teacherId" int, at text)
      ),
      ids AS MATERIALIZED (
        SELECT k, nextval(pg_get_serial_sequence('"LedgerEntry"', 'id'))::int AS id FROM e ORDER BY k
      ),
      entries AS (
        INSERT INTO "LedgerEntry"
          (id, kind, currency, "bookingId", "paymentId", "refundRequestId", "payoutLineId", "transferReversalId",
           "teacherId", at)
        SELECT ids.id, e.kind, e.currency, e."bookingId", e."paymentId", e."refundRequestId", e."payoutLineId",
               e."transferReversalId", e."teacherId", e.at::timestamp(3)
        FROM e JOIN ids ON ids.k = e.k
      ),
      lines AS (
        INSERT INTO "LedgerLine" ("entryId", account, currency, "amountMinor", at)
        SELECT ids.id, l.account, e.currency, l.amount, e.at::timestamp(3)
        FROM ROWS FROM (jsonb_to_recordset(${JSON.stringify(lines)}::jsonb) AS (k int, account text, amount int))
          WITH ORDINALITY AS l(k, account, amount, ord)
        JOIN e ON e.k = l.k JOIN ids ON ids.k = l.k
        ORDER BY l.ord
      )
      SELECT id FROM ids ORDER BY k`;
    return rows.map((row) => row.id);
  }

  async refundEntry(refundRequestId: number): Promise<LedgerEntryRecord | null> {
    const rows = await this.db.$queryRawUnsafe<EntryLineRow[]>(REFUND_ENTRY, refundRequestId);
    const [row] = rows;
    if (!row) return null;
    return {
      id: row.id,
      kind: row.kind as LedgerEntryKind,
      currency: row.currency,
      bookingId: row.bookingId,
      paymentId: row.paymentId,
      refundRequestId: row.refundRequestId,
      payoutLineId: row.payoutLineId,
      transferReversalId: row.transferReversalId,
      teacherId: row.teacherId,
      at: row.at,
      lines: rows.flatMap(({ lineAccount, lineAmountMinor }) =>
        lineAccount === null || lineAmountMinor === null
          ? []
          : [{ account: lineAccount as LedgerAccount, amountMinor: lineAmountMinor }],
      ),
    };
  }

  async balances(currency: string): Promise<AccountBalance[]> {
    const rows = await this.db.ledgerLine.groupBy({
      by: ['account'],
      where: { currency },
      _sum: { amountMinor: true },
      _count: { _all: true },
      orderBy: { account: 'asc' },
    });
    return rows.map((row) => ({
      account: row.account as LedgerAccount,
      balanceMinor: row._sum.amountMinor ?? 0,
      lines: row._count._all,
    }));
  }

  async accountLines(query: { account: string; currency: string; beforeId?: number | undefined; limit: number }) {
    const rows = await this.db.ledgerLine.findMany({
      where: {
        account: query.account,
        currency: query.currency,
        ...(query.beforeId !== undefined ? { id: { lt: query.beforeId } } : {}),
      },
      include: { entry: { select: { kind: true, bookingId: true, refundRequestId: true, payoutLineId: true } } },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    const lineIds = [...new Set(rows.flatMap((row) => (row.entry.payoutLineId ? [row.entry.payoutLineId] : [])))];
    const runs = new Map(
      lineIds.length === 0
        ? []
        : (
            await this.db.payoutLine.findMany({ where: { id: { in: lineIds } }, select: { id: true, runId: true } })
          ).map((line) => [line.id, line.runId]),
    );
    return rows.map((row) => ({
      id: row.id,
      entryId: row.entryId,
      account: row.account as LedgerAccount,
      amountMinor: row.amountMinor,
      at: row.at,
      kind: row.entry.kind as LedgerEntryKind,
      bookingId: row.entry.bookingId,
      refundRequestId: row.entry.refundRequestId,
      payoutLineId: row.entry.payoutLineId,
      payoutRunId: row.entry.payoutLineId ? (runs.get(row.entry.payoutLineId) ?? null) : null,
    }));
  }

  async sums(): Promise<{ currency: string; sumMinor: number; unbalancedEntries: number }[]> {
    const rows = await this.db.$queryRaw<{ currency: string; sum: bigint; unbalanced: bigint }[]>`
      SELECT currency, sum(total) AS sum, count(*) FILTER (WHERE total <> 0) AS unbalanced
      FROM (SELECT currency, "entryId", sum("amountMinor") AS total FROM "LedgerLine" GROUP BY currency, "entryId") e
      GROUP BY currency ORDER BY currency`;
    return rows.map((row) => ({
      currency: row.currency,
      sumMinor: Number(row.sum),
      unbalancedEntries: Number(row.unbalanced),
    }));
  }

  async teacherLines(query: { teacherId: number; currency: string; from: Date; to: Date }) {
    const rows = await this.db.ledgerLine.findMany({
      where: {
        account: `teacher_payable:${query.teacherId}`,
        currency: query.currency,
        at: { gte: query.from, lt: query.to },
      },
      include: { entry: { select: { kind: true, bookingId: true, refundRequestId: true, payoutLineId: true } } },
      orderBy: [{ at: 'asc' }, { id: 'asc' }],
    });
    return rows.map((row) => ({
      at: row.at,
      kind: row.entry.kind as LedgerEntryKind,
      amountMinor: row.amountMinor,
      bookingId: row.entry.bookingId,
      refundRequestId: row.entry.refundRequestId,
      payoutLineId: row.entry.payoutLineId,
    }));
  }

  async series(query: { currency: string; from: Date; to: Date; bucket: 'day' | 'week' | 'month' }) {
    // Payouts: the platform's balance leaving for teachers (and coming back by reversals). Revenue:
    // fees earned less the platform's parts of refunds (natural signs: both positive when earned).
    const rows = await this.db.$queryRaw<{ start: Date; payouts: bigint | null; revenue: bigint | null }[]>`
      SELECT date_trunc(${query.bucket}, l.at) AS start,
             -sum(l."amountMinor") FILTER (
               WHERE l.account = 'stripe_balance' AND e.kind IN ('payout_sent', 'transfer_reversed')) AS payouts,
             -sum(l."amountMinor") FILTER (WHERE l.account IN ('platform_revenue', 'refunds')) AS revenue
      FROM "LedgerLine" l JOIN "LedgerEntry" e ON e.id = l."entryId"
      WHERE l.currency = ${query.currency} AND l.at >= ${query.from} AND l.at < ${query.to}
      GROUP BY 1 ORDER BY 1`;
    return rows.map((row) => ({
      start: row.start,
      payoutsMinor: Number(row.payouts ?? 0),
      revenueMinor: Number(row.revenue ?? 0),
    }));
  }

  async teacherBalanceBefore(teacherId: number, currency: string, before: Date): Promise<number> {
    const result = await this.db.ledgerLine.aggregate({
      where: { account: `teacher_payable:${teacherId}`, currency, at: { lt: before } },
      _sum: { amountMinor: true },
    });
    return result._sum.amountMinor ?? 0;
  }
}
