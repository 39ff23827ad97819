import type { PayoutLineStatus, PayoutRunStatus } from '../../domain/payout-machine';
import type {
  LineOutcomeWrite,
  NewLifecycleTransition,
  PayoutLinePlanRow,
  PayoutLineRecord,
  PayoutRunRecord,
  PayoutStore,
  PayoutTotals,
  SendingLine,
  TransferReversalRecord,
} from '../../services/ports';
import { Prisma, type PayoutLine, type PayoutRun, type TransferReversal } from '../generated/client.ts';
import type { Db } from './prisma-types';
import { appendLifecycleTransition } from './transition-log-repository';

const toRun = (row: PayoutRun): PayoutRunRecord => ({ ...row });
const toLine = (row: PayoutLine): PayoutLineRecord => ({
  id: row.id,
  runId: row.runId,
  teacherId: row.teacherId,
  currency: row.currency,
  sessionsMinor: row.sessionsMinor,
  refundsMinor: row.refundsMinor,
  carriedMinor: row.carriedMinor,
  netMinor: row.netMinor,
  status: row.status,
  heldReason: row.heldReason,
  attempt: row.attempt,
  idempotencyKey: row.idempotencyKey,
  submittedAt: row.submittedAt,
  stripeTransferId: row.stripeTransferId,
  error: row.error,
  sentAt: row.sentAt,
  version: row.version,
});
const toReversal = (row: TransferReversal): TransferReversalRecord => ({
  ...row,
  status: row.status as TransferReversalRecord['status'],
});

/**
 * Sessions that are payable with this cut-off (R42: completed — or completed and then refunded —
 * ended by `endedBy`, not claimed by an approved run) with their refunded teacher parts from the
 * ledger, and debts from refunds after payout that no reversal recovered (R45).
 */
const candidates = (currency: string, endedBy: Date) => Prisma.sql`
  eligible AS (
    SELECT b.id, b."teacherId", b."teacherMinor" AS share
    FROM "Booking" b
    WHERE b.currency = ${currency} AND b.status IN ('COMPLETED', 'REFUNDED') AND b."endsAt" <= ${endedBy}
      AND NOT EXISTS (SELECT 1 FROM "PayoutItem" i WHERE i."claimKey" = 'session:' || b.id)
  ),
  refunded AS (
    SELECT e."bookingId", sum(l."amountMinor") AS part
    FROM "LedgerEntry" e
    JOIN "LedgerLine" l ON l."entryId" = e.id AND l.account = 'teacher_payable:' || e."teacherId"
    WHERE e.kind IN ('refund_succeeded', 'refund_failed') AND e.currency = ${currency}
      AND e."bookingId" IN (SELECT id FROM eligible)
    GROUP BY e."bookingId"
  ),
  debts AS (
    SELECT tr."refundRequestId", tr."teacherId", tr."amountMinor"
    FROM "TransferReversal" tr
    WHERE tr.status = 'FAILED' AND tr.currency = ${currency}
      AND NOT EXISTS (SELECT 1 FROM "PayoutItem" i WHERE i."claimKey" = 'owed:' || tr."refundRequestId")
  )`;

interface TotalsRow {
  teacherId: number;
  teacherName: string;
  stripeAccountId: string | null;
  transfersActive: boolean;
  sessions: bigint;
  sessionsMinor: bigint;
  refundsMinor: bigint;
  owedMinor: bigint;
}

const toTotals = (row: TotalsRow): PayoutTotals => ({
  teacherId: row.teacherId,
  teacherName: row.teacherName,
  stripeAccountId: row.stripeAccountId,
  transfersActive: row.transfersActive,
  sessions: Number(row.sessions),
  sessionsMinor: Number(row.sessionsMinor),
  refundsMinor: Number(row.refundsMinor),
  owedMinor: Number(row.owedMinor),
});

export class PrismaPayoutRepository implements PayoutStore {
  constructor(private readonly db: Db) {}

  async totals(query: { currency: string; endedBy: Date }): Promise<PayoutTotals[]> {
    const rows = await this.db.$queryRaw<TotalsRow[]>`
      WITH ${candidates(query.currency, query.endedBy)},
      sessions AS (
        SELECT el."teacherId", count(*) AS n, sum(el.share) AS share, coalesce(sum(r.part), 0) AS refunded
        FROM eligible el LEFT JOIN refunded r ON r."bookingId" = el.id
        GROUP BY el."teacherId"
      ),
      owed AS (SELECT "teacherId", sum("amountMinor") AS owed FROM debts GROUP BY "teacherId")
      SELECT t.id AS "teacherId", t.name AS "teacherName", t."stripeAccountId", t."transfersActive",
             coalesce(s.n, 0) AS sessions, coalesce(s.share, 0) AS "sessionsMinor",
             coalesce(s.refunded, 0) AS "refundsMinor", coalesce(o.owed, 0) AS "owedMinor"
      FROM "Teacher" t
      LEFT JOIN sessions s ON s."teacherId" = t.id
      LEFT JOIN owed o ON o."teacherId" = t.id
      WHERE s."teacherId" IS NOT NULL OR o."teacherId" IS NOT NULL
      ORDER BY t.id`;
    return rows.map(toTotals);
  }

  async createRun(
    run: { currency: string; cutoff: Date; endedBy: Date; createdById: number; at: Date },
    transition: NewLifecycleTransition,
  ): Promise<{ run: PayoutRunRecord; lines: (PayoutTotals & { lineId: number })[] }> {
    const created = await this.db.payoutRun.create({
      data: {
        currency: run.currency,
        cutoff: run.cutoff,
        status: 'DRAFT',
        createdById: run.createdById,
        totalMinor: 0,
        heldMinor: 0,
        createdAt: run.at,
        updatedAt: run.at,
      },
    });
    await appendLifecycleTransition(this.db, 'payout_run', created.id, transition);
    const stamp = `payout-run:${created.id}`;
    // One line per teacher with something to net; keys are completed once the ids exist.
    await this.db.$executeRaw`
      WITH ${candidates(run.currency, run.endedBy)}
      INSERT INTO "PayoutLine" ("runId", "teacherId", currency, "sessionsMinor", "refundsMinor", "carriedMinor",
                                "netMinor", status, "idempotencyKey", "createdAt", "updatedAt")
      SELECT ${created.id}, teacher, ${run.currency}, 0, 0, 0, 0, 'HELD', ${stamp} || ':teacher:' || teacher, ${run.at}, ${run.at}
      FROM (SELECT "teacherId" AS teacher FROM eligible UNION SELECT "teacherId" FROM debts) teachers`;
    await this.db.$executeRaw`
      UPDATE "PayoutLine" SET "idempotencyKey" = 'payout-line:' || id || ':transfer:1' WHERE "runId" = ${created.id}`;
    await this.db.$executeRaw`
      WITH ${candidates(run.currency, run.endedBy)}
      INSERT INTO "PayoutItem" ("lineId", kind, "bookingId", "amountMinor", "refundedMinor")
      SELECT l.id, 'session', el.id, el.share, coalesce(r.part, 0)
      FROM eligible el
      JOIN "PayoutLine" l ON l."runId" = ${created.id} AND l."teacherId" = el."teacherId"
      LEFT JOIN refunded r ON r."bookingId" = el.id`;
    await this.db.$executeRaw`
      WITH ${candidates(run.currency, run.endedBy)}
      INSERT INTO "PayoutItem" ("lineId", kind, "refundRequestId", "amountMinor")
      SELECT l.id, 'owed', d."refundRequestId", d."amountMinor"
      FROM debts d JOIN "PayoutLine" l ON l."runId" = ${created.id} AND l."teacherId" = d."teacherId"`;
    const lines = await this.db.$queryRaw<(TotalsRow & { lineId: number })[]>`
      SELECT l.id AS "lineId", t.id AS "teacherId", t.name AS "teacherName", t."stripeAccountId", t."transfersActive",
             count(*) FILTER (WHERE i.kind = 'session') AS sessions,
             coalesce(sum(i."amountMinor") FILTER (WHERE i.kind = 'session'), 0) AS "sessionsMinor",
             coalesce(sum(i."refundedMinor") FILTER (WHERE i.kind = 'session'), 0) AS "refundsMinor",
             coalesce(sum(i."amountMinor") FILTER (WHERE i.kind = 'owed'), 0) AS "owedMinor"
      FROM "PayoutLine" l JOIN "Teacher" t ON t.id = l."teacherId" JOIN "PayoutItem" i ON i."lineId" = l.id
      WHERE l."runId" = ${created.id}
      GROUP BY l.id, t.id ORDER BY t.id`;
    return { run: toRun(created), lines: lines.map((row) => ({ ...toTotals(row), lineId: row.lineId })) };
  }

  async planLines(runId: number, plans: readonly (PayoutLinePlanRow & { lineId: number })[]): Promise<PayoutRunRecord> {
    if (plans.length > 0) {
      // One JSON parameter for every line (never one bind parameter per value: the protocol counts them in 16 bits).
      const rows = plans.map((plan) => ({
        id: plan.lineId,
        sessions: plan.sessionsMinor,
        refunds: plan.refundsMinor,
        carried: plan.carriedMinor,
        net: plan.netMinor,
        status: plan.status,
        reason: plan.heldReason,
      }));
      await this.db.$executeRaw`
        UPDATE "PayoutLine" l SET "sessionsMinor" = v.sessions, "refundsMinor" = v.refunds, "carriedMinor" = v.carried,
               "netMinor" = v.net, status = v.status::"PayoutLineStatus", "heldReason" = v.reason
        FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
             AS v(id int, sessions int, refunds int, carried int, net int, status text, reason text)
        WHERE l.id = v.id AND l."runId" = ${runId}`;
    }
    const ready = plans.filter((plan) => plan.status === 'READY').reduce((sum, plan) => sum + plan.netMinor, 0);
    const held = plans
      .filter((plan) => plan.status === 'HELD')
      .reduce((sum, plan) => sum + Math.max(0, plan.netMinor), 0);
    return toRun(
      await this.db.payoutRun.update({ where: { id: runId }, data: { totalMinor: ready, heldMinor: held } }),
    );
  }

  async lockRun(id: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "PayoutRun" WHERE id = ${id} FOR UPDATE`;
  }
  async findRun(id: number): Promise<PayoutRunRecord | null> {
    const row = await this.db.payoutRun.findUnique({ where: { id } });
    return row ? toRun(row) : null;
  }
  async listRuns(query: {
    statuses?: readonly PayoutRunStatus[] | undefined;
    beforeId?: number | undefined;
    limit: number;
  }) {
    const rows = await this.db.payoutRun.findMany({
      where: {
        ...(query.statuses ? { status: { in: [...query.statuses] } } : {}),
        ...(query.beforeId !== undefined ? { id: { lt: query.beforeId } } : {}),
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    return rows.map(toRun);
  }
  async lines(runId: number): Promise<PayoutLineRecord[]> {
    return (await this.db.payoutLine.findMany({ where: { runId }, orderBy: { teacherId: 'asc' } })).map(toLine);
  }
  async lockLine(id: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "PayoutLine" WHERE id = ${id} FOR UPDATE`;
  }
  async findLine(id: number): Promise<PayoutLineRecord | null> {
    const row = await this.db.payoutLine.findUnique({ where: { id } });
    return row ? toLine(row) : null;
  }
  async findLineByTransfer(stripeTransferId: string): Promise<PayoutLineRecord | null> {
    const row = await this.db.payoutLine.findUnique({ where: { stripeTransferId } });
    return row ? toLine(row) : null;
  }
  async paidOutLineOf(bookingId: number): Promise<PayoutLineRecord | null> {
    const item = await this.db.payoutItem.findUnique({
      where: { claimKey: `session:${bookingId}` },
      include: { line: true },
    });
    return item ? toLine(item.line) : null;
  }
  async applyRunTransition(
    id: number,
    expectedVersion: number,
    to: PayoutRunStatus,
    changes: { approvedById?: number; discardReason?: string | null; updatedAt: Date },
    transition: NewLifecycleTransition,
  ): Promise<PayoutRunRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING) rather than from a read after it.
    const [updated] = await this.db.payoutRun.updateManyAndReturn({
      where: { id, version: expectedVersion },
      data: { ...changes, status: to, version: { increment: 1 } },
    });
    if (!updated) return null;
    await appendLifecycleTransition(this.db, 'payout_run', id, transition);
    return toRun(updated);
  }
  async applyLineTransition(
    id: number,
    expectedVersion: number,
    to: PayoutLineStatus,
    changes: {
      attempt?: number;
      idempotencyKey?: string;
      submittedAt?: Date | null;
      stripeTransferId?: string | null;
      error?: string | null;
      sentAt?: Date | null;
      updatedAt: Date;
    },
    transition: NewLifecycleTransition,
  ): Promise<PayoutLineRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING) rather than from a read after it.
    const [updated] = await this.db.payoutLine.updateManyAndReturn({
      where: { id, version: expectedVersion },
      data: { ...changes, status: to, version: { increment: 1 } },
    });
    if (!updated) return null;
    await appendLifecycleTransition(this.db, 'payout_line', id, transition);
    return toLine(updated);
  }
  async startLines(runId: number, to: PayoutLineStatus, transition: NewLifecycleTransition): Promise<number[]> {
    const rows = await this.db.$queryRaw<{ id: number }[]>`
      WITH started AS (
        UPDATE "PayoutLine" SET status = ${to}::"PayoutLineStatus", version = version + 1, "updatedAt" = ${transition.at}
        WHERE "runId" = ${runId} AND status = 'READY'
        RETURNING id
      )
      INSERT INTO "LifecycleTransition"
        (aggregate, "aggregateId", "bookingId", action, "fromState", "toState", "actorKind", "actorId", "actorRole", reason, at)
      SELECT 'payout_line', id, NULL, ${transition.action}, ${transition.fromState}, ${transition.toState},
             ${transition.actorKind}::"ActorKind", ${transition.actorId}, ${transition.actorRole}, ${transition.reason},
             ${transition.at}
      FROM started
      RETURNING "aggregateId" AS id`;
    return rows.map((row) => row.id);
  }
  async sendingLines(query: {
    runId: number;
    afterId: number;
    limit: number;
    lineIds?: readonly number[] | undefined;
  }): Promise<SendingLine[]> {
    const only = query.lineIds ? Prisma.sql`AND l.id = ANY(${[...query.lineIds]}::int[])` : Prisma.empty;
    const rows = await this.db.$queryRaw<(PayoutLine & { destination: string | null })[]>`
      SELECT l.*, t."stripeAccountId" AS destination
      FROM "PayoutLine" l LEFT JOIN "Teacher" t ON t.id = l."teacherId"
      WHERE l."runId" = ${query.runId} AND l.status = 'SENDING' AND l.id > ${query.afterId} ${only}
      ORDER BY l.id LIMIT ${query.limit}`;
    return rows.map((row) => ({ ...toLine(row), destination: row.destination }));
  }
  async markLinesSubmitted(ids: readonly number[], at: Date): Promise<void> {
    if (ids.length === 0) return;
    await this.db.$executeRaw`
      UPDATE "PayoutLine" SET "submittedAt" = ${at} WHERE id = ANY(${[...ids]}::int[]) AND status = 'SENDING'`;
  }
  async lockLines(ids: readonly number[]): Promise<void> {
    if (ids.length === 0) return;
    await this.db.$queryRaw`SELECT id FROM "PayoutLine" WHERE id = ANY(${[...ids]}::int[]) ORDER BY id FOR UPDATE`;
  }
  async findLines(ids: readonly number[]): Promise<PayoutLineRecord[]> {
    if (ids.length === 0) return [];
    return (await this.db.payoutLine.findMany({ where: { id: { in: [...ids] } }, orderBy: { id: 'asc' } })).map(toLine);
  }
  async recordLineOutcomes(rows: readonly LineOutcomeWrite[]): Promise<number[]> {
    if (rows.length === 0) return [];
    // One JSON parameter for every line (never one bind parameter per value: the protocol counts them in 16 bits).
    const values = rows.map((row) => ({
      id: row.id,
      version: row.expectedVersion,
      status: row.to,
      transfer: row.stripeTransferId,
      sent_at: row.sentAt?.toISOString() ?? null,
      error: row.error,
      action: row.transition.action,
      from_state: row.transition.fromState,
      to_state: row.transition.toState,
      actor_kind: row.transition.actorKind,
      actor_id: row.transition.actorId,
      actor_role: row.transition.actorRole,
      reason: row.transition.reason,
      data: row.transition.data,
      at: row.transition.at.toISOString(),
    }));
    // Timestamps travel as ISO text in UTC; the columns are timestamp(3) without a zone, as Prisma writes them.
    const written = await this.db.$queryRaw<{ id: number }[]>`
      WITH v AS (
        SELECT * FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(
          id int, version int, status text, transfer text, sent_at text, error text, action text, from_state text,
          to_state text, actor_kind text, actor_id int, actor_role text, reason text, data jsonb, at text)
      ),
      updated AS (
        UPDATE "PayoutLine" l
        SET status = v.status::"PayoutLineStatus", version = l.version + 1, "updatedAt" = v.at::timestamp(3),
            "stripeTransferId" = coalesce(v.transfer, l."stripeTransferId"),
            "sentAt" = coalesce(v.sent_at::timestamp(3), l."sentAt"), error = v.error
        FROM v WHERE l.id = v.id AND l.version = v.version
        RETURNING l.id
      )
      INSERT INTO "LifecycleTransition"
        (aggregate, "aggregateId", "bookingId", action, "fromState", "toState", "actorKind", "actorId", "actorRole",
         reason, data, at)
      SELECT 'payout_line', v.id, NULL, v.action, v.from_state, v.to_state, v.actor_kind::"ActorKind", v.actor_id,
             v.actor_role, v.reason, nullif(v.data, 'null'::jsonb), v.at::timestamp(3)
      FROM updated JOIN v ON v.id = updated.id
      ORDER BY v.id
      RETURNING "aggregateId" AS id`;
    return written.map((row) => row.id);
  }
  async claimItems(runId: number): Promise<boolean> {
    try {
      await this.db.$executeRaw`
        UPDATE "PayoutItem" i SET "claimKey" = CASE i.kind WHEN 'session' THEN 'session:' || i."bookingId"
                                                       ELSE 'owed:' || i."refundRequestId" END
        FROM "PayoutLine" l
        WHERE i."lineId" = l.id AND l."runId" = ${runId} AND l.status = 'READY'`;
      return true;
    } catch (error) {
      if (String(error).includes('claimKey') || String(error).includes('23505')) return false;
      throw error;
    }
  }
  async sessionsPaidTwice(): Promise<number[]> {
    const rows = await this.db.$queryRaw<{ bookingId: number }[]>`
      SELECT i."bookingId" FROM "PayoutItem" i JOIN "PayoutLine" l ON l.id = i."lineId"
      WHERE i.kind = 'session' AND l.status IN ('SENDING', 'SENT', 'FAILED')
      GROUP BY i."bookingId" HAVING count(*) > 1`;
    return rows.map((row) => row.bookingId);
  }
  async sentLinesMissingTransfer(): Promise<number[]> {
    const rows = await this.db.payoutLine.findMany({
      where: { status: 'SENT', stripeTransferId: null },
      select: { id: true },
    });
    return rows.map((row) => row.id);
  }
  async reversal(refundRequestId: number): Promise<TransferReversalRecord | null> {
    const row = await this.db.transferReversal.findUnique({ where: { refundRequestId } });
    return row ? toReversal(row) : null;
  }
  async findReversal(id: number): Promise<TransferReversalRecord | null> {
    const row = await this.db.transferReversal.findUnique({ where: { id } });
    return row ? toReversal(row) : null;
  }
  async createReversal(
    input: Omit<TransferReversalRecord, 'id' | 'status' | 'submittedAt' | 'stripeReversalId' | 'error'>,
  ): Promise<TransferReversalRecord> {
    return toReversal(await this.db.transferReversal.create({ data: { ...input, status: 'PENDING' } }));
  }
  async updateReversal(
    id: number,
    patch: {
      status?: TransferReversalRecord['status'];
      submittedAt?: Date;
      stripeReversalId?: string;
      error?: string | null;
    },
  ): Promise<void> {
    await this.db.transferReversal.update({ where: { id }, data: patch });
  }
  async reversalsAwaiting(limit: number): Promise<TransferReversalRecord[]> {
    return (
      await this.db.transferReversal.findMany({ where: { status: 'PENDING' }, orderBy: { id: 'asc' }, take: limit })
    ).map(toReversal);
  }
  async reversalsOfLine(payoutLineId: number): Promise<TransferReversalRecord[]> {
    return (await this.db.transferReversal.findMany({ where: { payoutLineId }, orderBy: { id: 'asc' } })).map(
      toReversal,
    );
  }
  async runsToReconcile(query: { updatedSince: Date; limit: number }): Promise<PayoutRunRecord[]> {
    const rows = await this.db.payoutRun.findMany({
      where: {
        OR: [
          { status: 'SENDING' },
          { status: { in: ['SENT', 'PARTIALLY_FAILED'] }, updatedAt: { gte: query.updatedSince } },
        ],
      },
      orderBy: { id: 'desc' },
      take: query.limit,
    });
    return rows.map(toRun);
  }
  async expectedPayables() {
    const rows = await this.db.$queryRaw<
      { teacherId: number; currency: string; earned: bigint; refunded: bigint; paid: bigint; reversed: bigint }[]
    >`
      WITH earned AS (
        SELECT b."teacherId", p.currency, sum(b."baseMinor") AS amount,
               sum(((p."refundedMinor"::bigint * b."baseMinor" * 2 + b."totalMinor") / (b."totalMinor"::bigint * 2))) AS refunded
        FROM "Payment" p JOIN "Booking" b ON b.id = p."bookingId"
        WHERE p.status IN ('PAID', 'PARTIALLY_REFUNDED', 'REFUNDED')
        GROUP BY b."teacherId", p.currency
      ),
      paid AS (
        SELECT "teacherId", currency, sum("netMinor") AS amount FROM "PayoutLine" WHERE status = 'SENT'
        GROUP BY "teacherId", currency
      ),
      reversed AS (
        SELECT "teacherId", currency, sum("amountMinor") AS amount FROM "TransferReversal" WHERE status = 'SUCCEEDED'
        GROUP BY "teacherId", currency
      ),
      keys AS (SELECT "teacherId", currency FROM earned UNION SELECT "teacherId", currency FROM paid
               UNION SELECT "teacherId", currency FROM reversed)
      SELECT k."teacherId", k.currency, coalesce(e.amount, 0) AS earned, coalesce(e.refunded, 0) AS refunded,
             coalesce(p.amount, 0) AS paid, coalesce(r.amount, 0) AS reversed
      FROM keys k
      LEFT JOIN earned e ON e."teacherId" = k."teacherId" AND e.currency = k.currency
      LEFT JOIN paid p ON p."teacherId" = k."teacherId" AND p.currency = k.currency
      LEFT JOIN reversed r ON r."teacherId" = k."teacherId" AND r.currency = k.currency`;
    return rows.map((row) => ({
      teacherId: row.teacherId,
      currency: row.currency,
      earnedMinor: Number(row.earned),
      refundedMinor: Number(row.refunded),
      paidMinor: Number(row.paid),
      reversedMinor: Number(row.reversed),
    }));
  }
  async setTeacherAccount(
    teacherId: number,
    account: { stripeAccountId: string; payoutsEnabled: boolean; transfersActive: boolean },
  ): Promise<void> {
    await this.db.teacher.update({ where: { id: teacherId }, data: account });
  }
  async updateAccountState(
    stripeAccountId: string,
    state: { payoutsEnabled: boolean; transfersActive: boolean },
  ): Promise<number> {
    return (await this.db.teacher.updateMany({ where: { stripeAccountId }, data: state })).count;
  }
  async teacherAccount(teacherId: number) {
    return this.db.teacher.findUnique({
      where: { id: teacherId },
      select: { stripeAccountId: true, payoutsEnabled: true, transfersActive: true },
    });
  }
}
