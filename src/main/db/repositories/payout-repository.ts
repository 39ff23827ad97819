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
import { columnList } from './columns';
import { isUniqueViolation } from './errors';
import { changedColumns, jsonRow } from './json-rows';
import type { Db } from './prisma-types';
import { recordedLifecycle, versionedTransition } from './transition-log-repository';

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

/*
 * Everything a transaction calls is SQL: transactions run on the driver (SqlTransaction), which has
 * no model calls. The same texts run through Prisma's raw queries outside transactions.
 */

const RUN_COLUMNS = columnList(Prisma.PayoutRunScalarFieldEnum);
const LINE_COLUMNS = columnList(Prisma.PayoutLineScalarFieldEnum);
const REVERSAL_COLUMNS = columnList(Prisma.TransferReversalScalarFieldEnum);

type RunChanges = Parameters<PayoutStore['applyRunTransition']>[3];
type LineChanges = Parameters<PayoutStore['applyLineTransition']>[3];
type ReversalPatch = Parameters<PayoutStore['updateReversal']>[1];

/** What a run transition may change besides its status; a field left out of the changes keeps its value. */
const RUN_CHANGEABLE: Record<Exclude<keyof RunChanges, 'updatedAt'>, string> = {
  approvedById: 'integer',
  discardReason: 'text',
};

const LINE_CHANGEABLE: Record<Exclude<keyof LineChanges, 'updatedAt'>, string> = {
  attempt: 'integer',
  idempotencyKey: 'text',
  submittedAt: 'timestamp(3)',
  stripeTransferId: 'text',
  error: 'text',
  sentAt: 'timestamp(3)',
};

const REVERSAL_CHANGEABLE: Record<keyof ReversalPatch, string> = {
  status: 'text',
  submittedAt: 'timestamp(3)',
  stripeTransferId: 'text',
  stripeReversalId: 'text',
  error: 'text',
};

/** $1 currency, $2 cut-off, $3 creator, $4 when, $5 the transition (jsonRow); the run with its record. */
const INSERT_RUN = `
WITH written AS (
  INSERT INTO "PayoutRun" ("currency", "cutoff", "status", "createdById", "totalMinor", "heldMinor", "createdAt", "updatedAt")
  VALUES ($1, $2, 'DRAFT', $3, 0, 0, $4, $4)
  RETURNING ${RUN_COLUMNS}
),
${recordedLifecycle('payout_run', '$5')}
SELECT ${columnList(Prisma.PayoutRunScalarFieldEnum, 'written')} FROM written, recorded`;

const FIND_RUN = `SELECT ${RUN_COLUMNS} FROM "PayoutRun" WHERE "id" = $1`;

/** $1 id, $2 total, $3 held, $4 when (Prisma's `@updatedAt`). */
const SET_RUN_TOTALS = `
UPDATE "PayoutRun" SET "totalMinor" = $2, "heldMinor" = $3, "updatedAt" = $4
WHERE "id" = $1
RETURNING ${RUN_COLUMNS}`;

const APPLY_RUN = versionedTransition(
  'PayoutRun',
  'PayoutRunStatus',
  RUN_CHANGEABLE,
  Object.values(Prisma.PayoutRunScalarFieldEnum),
  'payout_run',
);

const RUN_LINES = `SELECT ${LINE_COLUMNS} FROM "PayoutLine" WHERE "runId" = $1 ORDER BY "teacherId" ASC`;
const FIND_LINE = `SELECT ${LINE_COLUMNS} FROM "PayoutLine" WHERE "id" = $1`;
const FIND_LINES = `SELECT ${LINE_COLUMNS} FROM "PayoutLine" WHERE "id" = ANY($1::int[]) ORDER BY "id" ASC`;
const FIND_LINE_BY_TRANSFER = `SELECT ${LINE_COLUMNS} FROM "PayoutLine" WHERE "stripeTransferId" = $1`;
/** $1 the session's claim key. */
const PAID_OUT_LINE = `
SELECT ${columnList(Prisma.PayoutLineScalarFieldEnum, 'l')}
FROM "PayoutItem" i JOIN "PayoutLine" l ON l."id" = i."lineId"
WHERE i."claimKey" = $1`;
const SENT_LINES_MISSING_TRANSFER = `SELECT "id" FROM "PayoutLine" WHERE "status" = 'SENT' AND "stripeTransferId" IS NULL`;

const APPLY_LINE = versionedTransition(
  'PayoutLine',
  'PayoutLineStatus',
  LINE_CHANGEABLE,
  Object.values(Prisma.PayoutLineScalarFieldEnum),
  'payout_line',
);

const REVERSAL_OF_REQUEST = `SELECT ${REVERSAL_COLUMNS} FROM "TransferReversal" WHERE "refundRequestId" = $1`;
const FIND_REVERSAL = `SELECT ${REVERSAL_COLUMNS} FROM "TransferReversal" WHERE "id" = $1`;
const REVERSALS_OF_LINE = `SELECT ${REVERSAL_COLUMNS} FROM "TransferReversal" WHERE "payoutLineId" = $1 ORDER BY "id" ASC`;
const REVERSALS_AWAITING = `
SELECT ${REVERSAL_COLUMNS} FROM "TransferReversal" WHERE "status" = 'PENDING' ORDER BY "id" ASC LIMIT $1`;
/** $1–$7 the reversal, $8 when (the defaults Prisma filled: `createdAt`, `@updatedAt`). */
const INSERT_REVERSAL = `
INSERT INTO "TransferReversal" ("refundRequestId", "payoutLineId", "stripeTransferId", "teacherId", "currency",
                                "amountMinor", "status", "idempotencyKey", "createdAt", "updatedAt")
VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7, $8, $8)
RETURNING ${REVERSAL_COLUMNS}`;
/** $1 id, $2 the patch (jsonRow: present keys only), $3 when (Prisma's `@updatedAt`). */
const UPDATE_REVERSAL = `
UPDATE "TransferReversal" AS r SET
    "updatedAt" = $3,
    ${changedColumns(REVERSAL_CHANGEABLE, '$2', 'r')}
WHERE r."id" = $1::int`;

const SET_TEACHER_ACCOUNT = `
UPDATE "Teacher" SET "stripeAccountId" = $2, "payoutsEnabled" = $3, "transfersActive" = $4 WHERE "id" = $1`;
const UPDATE_ACCOUNT_STATE = `
UPDATE "Teacher" SET "payoutsEnabled" = $2, "transfersActive" = $3 WHERE "stripeAccountId" = $1`;
const TEACHER_ACCOUNT = `SELECT "stripeAccountId", "payoutsEnabled", "transfersActive" FROM "Teacher" WHERE "id" = $1`;

/** Prisma's `update` refused a missing row (P2025); the callers read the row first, so this is a bug if seen. */
function updated<Row>(rows: Row[], what: string): Row {
  const [row] = rows;
  if (row === undefined) throw new Error(`${what} does not exist`);
  return row;
}

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
    const [created] = await this.db.$queryRawUnsafe<PayoutRun[]>(
      INSERT_RUN,
      run.currency,
      run.cutoff,
      run.createdById,
      run.at,
      jsonRow(transition),
    );
    if (!created) throw new Error('The payout run was not written');
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
      updated(
        await this.db.$queryRawUnsafe<PayoutRun[]>(SET_RUN_TOTALS, runId, ready, held, new Date()),
        `Payout run ${runId}`,
      ),
    );
  }

  async lockRun(id: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "PayoutRun" WHERE id = ${id} FOR UPDATE`;
  }
  async findRun(id: number): Promise<PayoutRunRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<PayoutRun[]>(FIND_RUN, id);
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
    return (await this.db.$queryRawUnsafe<PayoutLine[]>(RUN_LINES, runId)).map(toLine);
  }
  async lockLine(id: number): Promise<void> {
    await this.db.$queryRaw`SELECT id FROM "PayoutLine" WHERE id = ${id} FOR UPDATE`;
  }
  async findLine(id: number): Promise<PayoutLineRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<PayoutLine[]>(FIND_LINE, id);
    return row ? toLine(row) : null;
  }
  async findLineByTransfer(stripeTransferId: string): Promise<PayoutLineRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<PayoutLine[]>(FIND_LINE_BY_TRANSFER, stripeTransferId);
    return row ? toLine(row) : null;
  }
  async paidOutLineOf(bookingId: number): Promise<PayoutLineRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<PayoutLine[]>(PAID_OUT_LINE, `session:${bookingId}`);
    return row ? toLine(row) : null;
  }
  async applyRunTransition(
    id: number,
    expectedVersion: number,
    to: PayoutRunStatus,
    changes: RunChanges,
    transition: NewLifecycleTransition,
  ): Promise<PayoutRunRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING), its record written only when it matched.
    const [row] = await this.db.$queryRawUnsafe<PayoutRun[]>(
      APPLY_RUN,
      id,
      expectedVersion,
      to,
      jsonRow(changes),
      jsonRow(transition),
    );
    return row ? toRun(row) : null;
  }
  async applyLineTransition(
    id: number,
    expectedVersion: number,
    to: PayoutLineStatus,
    changes: LineChanges,
    transition: NewLifecycleTransition,
  ): Promise<PayoutLineRecord | null> {
    // The changed row comes back from the UPDATE itself (RETURNING), its record written only when it matched.
    const [row] = await this.db.$queryRawUnsafe<PayoutLine[]>(
      APPLY_LINE,
      id,
      expectedVersion,
      to,
      jsonRow(changes),
      jsonRow(transition),
    );
    return row ? toLine(row) : null;
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
      SELECT ${Prisma.raw(columnList(Prisma.PayoutLineScalarFieldEnum, 'l'))}, t."stripeAccountId" AS destination
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
    return (await this.db.$queryRawUnsafe<PayoutLine[]>(FIND_LINES, [...ids])).map(toLine);
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
        SELECT id, version, status, transfer, sent_at, error, action, from_state, to_state, actor_kind, actor_id,
               actor_role, reason, data, at
        FROM jsonb_to_recordset(${JSON.stringify(values)}::jsonb) AS v(
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
      if (isUniqueViolation(error)) return false;
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
    const rows = await this.db.$queryRawUnsafe<{ id: number }[]>(SENT_LINES_MISSING_TRANSFER);
    return rows.map((row) => row.id);
  }
  async reversal(refundRequestId: number): Promise<TransferReversalRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<TransferReversal[]>(REVERSAL_OF_REQUEST, refundRequestId);
    return row ? toReversal(row) : null;
  }
  async findReversal(id: number): Promise<TransferReversalRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<TransferReversal[]>(FIND_REVERSAL, id);
    return row ? toReversal(row) : null;
  }
  async createReversal(
    input: Omit<TransferReversalRecord, 'id' | 'status' | 'submittedAt' | 'stripeReversalId' | 'error'>,
  ): Promise<TransferReversalRecord> {
    const [row] = await this.db.$queryRawUnsafe<TransferReversal[]>(
      INSERT_REVERSAL,
      input.refundRequestId,
      input.payoutLineId,
      input.stripeTransferId,
      input.teacherId,
      input.currency,
      input.amountMinor,
      input.idempotencyKey,
      new Date(),
    );
    if (!row) throw new Error(`The reversal for refund request ${input.refundRequestId} was not written`);
    return toReversal(row);
  }
  async updateReversal(id: number, patch: ReversalPatch): Promise<void> {
    const count = await this.db.$executeRawUnsafe(UPDATE_REVERSAL, id, jsonRow(patch), new Date());
    if (count === 0) throw new Error(`Transfer reversal ${id} does not exist`);
  }
  async reversalsAwaiting(limit: number): Promise<TransferReversalRecord[]> {
    return (await this.db.$queryRawUnsafe<TransferReversal[]>(REVERSALS_AWAITING, limit)).map(toReversal);
  }
  async reversalsOfLine(payoutLineId: number): Promise<TransferReversalRecord[]> {
    return (await this.db.$queryRawUnsafe<TransferReversal[]>(REVERSALS_OF_LINE, payoutLineId)).map(toReversal);
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
    const count = await this.db.$executeRawUnsafe(
      SET_TEACHER_ACCOUNT,
      teacherId,
      account.stripeAccountId,
      account.payoutsEnabled,
      account.transfersActive,
    );
    if (count === 0) throw new Error(`Teacher ${teacherId} does not exist`);
  }
  async updateAccountState(
    stripeAccountId: string,
    state: { payoutsEnabled: boolean; transfersActive: boolean },
  ): Promise<number> {
    return this.db.$executeRawUnsafe(
      UPDATE_ACCOUNT_STATE,
      stripeAccountId,
      state.payoutsEnabled,
      state.transfersActive,
    );
  }
  async teacherAccount(
    teacherId: number,
  ): Promise<{ stripeAccountId: string | null; payoutsEnabled: boolean; transfersActive: boolean } | null> {
    const [row] = await this.db.$queryRawUnsafe<
      { stripeAccountId: string | null; payoutsEnabled: boolean; transfersActive: boolean }[]
    >(TEACHER_ACCOUNT, teacherId);
    return row ?? null;
  }
}
