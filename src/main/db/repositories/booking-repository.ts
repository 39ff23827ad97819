import type { CurrencyCode } from '../../domain/money';
import type { BookingQueue, BookingState } from '../../domain/states';
import type {
  BookingPartyRow,
  PartyBookingQuery,
  BookingListQuery,
  BookingListRow,
  BookingQueueFilter,
  BookingRecord,
  BookingStore,
  NewBooking,
  NewTransition,
  RescheduleRequestRecord,
  RescheduleStatus,
  TransitionRecord,
} from '../../services/ports';
import { Prisma, type Booking, type BookingTransition, type RescheduleRequest } from '../generated/client.ts';
import type { DirectQuery } from '../database';
import { applyBookingTransition, insertBooking } from './booking-writes';
import { columnList } from './columns';
import { utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';
import { runStatement } from './statement';

export function toBookingRecord(row: Booking): BookingRecord {
  return {
    id: row.id,
    studentId: row.studentId,
    teacherId: row.teacherId,
    gigId: row.gigId,
    startsAt: row.startsAt,
    endsAt: row.endsAt,
    minutes: row.minutes,
    status: row.status,
    paymentStatus: row.paymentStatus,
    notes: row.notes,
    cancelReason: row.cancelReason,
    rescheduleCount: row.rescheduleCount,
    currency: row.currency as CurrencyCode,
    hourlyRateMinor: row.hourlyRateMinor,
    baseMinor: row.baseMinor,
    feeMinor: row.feeMinor,
    totalMinor: row.totalMinor,
    teacherMinor: row.teacherMinor,
    platformMinor: row.platformMinor,
    feeRateBps: row.feeRateBps,
    minimumFeeMinor: row.minimumFeeMinor,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

function toTransitionRecord(row: BookingTransition): TransitionRecord {
  return {
    id: row.id,
    bookingId: row.bookingId,
    action: row.action,
    fromStatus: row.fromStatus,
    toStatus: row.toStatus,
    fromPaymentStatus: row.fromPaymentStatus,
    toPaymentStatus: row.toPaymentStatus,
    actorKind: row.actorKind,
    actorId: row.actorId,
    actorRole: row.actorRole,
    reason: row.reason,
    fromStartsAt: row.fromStartsAt,
    toStartsAt: row.toStartsAt,
    at: row.at,
  };
}

function toRescheduleRecord(row: RescheduleRequest): RescheduleRequestRecord {
  return {
    ...row,
    requestedByKind: row.requestedByKind === 'TEACHER' ? 'TEACHER' : 'STUDENT',
  };
}

const ACTIVE_FOR_OVERLAP = ['PENDING', 'CONFIRMED'] as const;

/** Positional SQL for queries built from optional filters; runs on the driver or through Prisma. */
class SqlText {
  readonly values: unknown[] = [];
  param(value: unknown, cast: string): string {
    // Dates travel as UTC ISO text: a `timestamp` column ignores the zone, and we store UTC.
    this.values.push(value instanceof Date ? value.toISOString() : value);
    return `$${this.values.length}::${cast}`;
  }
}

function queueCondition(sql: SqlText, queue: BookingQueueFilter, now: Date): string {
  switch (queue) {
    case 'UPCOMING':
      return `b."queue" = 'PAID' AND b."startsAt" >= ${sql.param(now, 'timestamp(3)')}`;
    case 'TO_COMPLETE': {
      const at = sql.param(now, 'timestamp(3)');
      return `b."queue" = 'PAID' AND b."startsAt" < ${at} AND b."endsAt" <= ${at}`;
    }
    default:
      return `b."queue" = ${sql.param(queue, '"BookingQueue"')}`;
  }
}

/**
 * The SQL of `list()`, built once from the query: exported so the benchmark can run exactly this text raw
 * on the same connection and compare.
 */
export function bookingListSql(query: BookingListQuery): { text: string; values: unknown[] } {
  const sql = new SqlText();
  const conditions: string[] = [];
  if (query.queue) conditions.push(queueCondition(sql, query.queue, query.now));
  if (query.status) conditions.push(`b."status" = ${sql.param(query.status, '"BookingStatus"')}`);
  if (query.paymentStatus)
    conditions.push(`b."paymentStatus" = ${sql.param(query.paymentStatus, '"BookingPaymentStatus"')}`);
  if (query.teacherId !== undefined) conditions.push(`b."teacherId" = ${sql.param(query.teacherId, 'int')}`);
  if (query.studentId !== undefined) conditions.push(`b."studentId" = ${sql.param(query.studentId, 'int')}`);
  if (query.from) conditions.push(`b."startsAt" >= ${sql.param(query.from, 'timestamp(3)')}`);
  if (query.to) conditions.push(`b."startsAt" < ${sql.param(query.to, 'timestamp(3)')}`);
  const search = query.search?.trim();
  if (search) {
    const idMatch = /^#?(\d{1,9})$/.exec(search);
    const pattern = sql.param(`%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`, 'text');
    const byName = `(b."studentId" IN (SELECT id FROM "Student" WHERE name ILIKE ${pattern} OR email ILIKE ${pattern})
      OR b."teacherId" IN (SELECT id FROM "Teacher" WHERE name ILIKE ${pattern} OR email ILIKE ${pattern}))`;
    conditions.push(idMatch?.[1] ? `(b.id = ${sql.param(Number(idMatch[1]), 'int')} OR ${byName})` : byName);
  }
  const where = (extra: string[]) => {
    const all = [...conditions, ...extra];
    return all.length > 0 ? `WHERE ${all.join(' AND ')}` : '';
  };
  const limit = sql.param(query.limit, 'int');
  const offset = query.offset ? `OFFSET ${sql.param(query.offset, 'int')}` : '';
  let page: string;
  let order: string;
  if (query.sort === 'upcoming') {
    // Two key ranges, each an index range in its own order: upcoming (start >= pivot) ascending,
    // then past (start < pivot) descending. A cursor in the upcoming part continues it and then takes
    // the past from its start; a cursor in the past part continues only the past.
    const pivot = sql.param(query.pivot ?? query.now, 'timestamp(3)');
    const soon = [`b."startsAt" >= ${pivot}`];
    const past = [`b."startsAt" < ${pivot}`];
    if (query.after) {
      const at = sql.param(query.after.at, 'timestamp(3)');
      const id = sql.param(query.after.id, 'int');
      soon.push(`${at} >= ${pivot}`, `(b."startsAt", b.id) > (${at}, ${id})`);
      past.push(`(${at} >= ${pivot} OR (b."startsAt", b.id) < (${at}, ${id}))`);
    }
    // Each part needs at most the rows the page (and any offset) could take from it.
    const each = query.offset ? sql.param(query.limit + query.offset, 'int') : limit;
    order = `ORDER BY b."part", CASE WHEN b."part" = 0 THEN b."startsAt" END ASC,
      CASE WHEN b."part" = 1 THEN b."startsAt" END DESC, CASE WHEN b."part" = 0 THEN b.id ELSE -b.id END ASC`;
    page = `
      SELECT b.* FROM (
        (SELECT b.*, 0 AS "part" FROM "Booking" b ${where(soon)} ORDER BY b."startsAt" ASC, b.id ASC LIMIT ${each})
        UNION ALL
        (SELECT b.*, 1 AS "part" FROM "Booking" b ${where(past)} ORDER BY b."startsAt" DESC, b.id DESC LIMIT ${each})
      ) b ${order}
      LIMIT ${limit} ${offset}`;
  } else {
    const column = query.sort.endsWith('createdAt') ? 'b."createdAt"' : 'b."startsAt"';
    const direction = query.sort.startsWith('-') ? 'DESC' : 'ASC';
    const keyset = query.after
      ? [
          `(${column}, b.id) ${direction === 'DESC' ? '<' : '>'} (${sql.param(query.after.at, 'timestamp(3)')}, ${sql.param(query.after.id, 'int')})`,
        ]
      : [];
    order = `ORDER BY ${column} ${direction}, b.id ${direction}`;
    page = `SELECT b.* FROM "Booking" b ${where(keyset)} ${order} LIMIT ${limit} ${offset}`;
  }
  // Page the bookings first (an index range in key order), then join the names for just that page,
  // so the plan does not depend on statistics being fresh.
  const text = `
    SELECT b.*, s.name AS "studentName", s.email AS "studentEmail", t.name AS "teacherName",
           g.title AS "gigTitle", g.language AS "language", m."joinUrl" AS "meetingJoinUrl"
    FROM (${page}) b
    JOIN "Student" s ON s.id = b."studentId"
    JOIN "Teacher" t ON t.id = b."teacherId"
    JOIN "Gig" g ON g.id = b."gigId"
    LEFT JOIN "Meeting" m ON m."bookingId" = b.id AND m."deletedAt" IS NULL
    ${order}`;
  return { text, values: sql.values };
}

type RawPartyRow = Booking & {
  studentName: string;
  teacherName: string;
  paymentId: number | null;
  zoomMeetingId: string | null;
  joinUrl: string | null;
  startUrl: string | null;
  meetingPassword: string | null;
  rescheduleStatus: RescheduleStatus | null;
  rescheduleRequestedBy: 'STUDENT' | 'TEACHER' | null;
  rescheduleStartsAt: Date | null;
  rescheduleEndsAt: Date | null;
  rescheduleReason: string | null;
};

/** One query for what a student's or teacher's app shows of bookings: names, payment, live meeting. */
function partySql(where: string, order: string): string {
  return `
    SELECT ${columnList(Prisma.BookingScalarFieldEnum, 'b')}, s.name AS "studentName", t.name AS "teacherName",
           (SELECT p.id FROM "Payment" p WHERE p."bookingId" = b.id AND p.status <> 'CANCELED'
             ORDER BY p.id DESC LIMIT 1) AS "paymentId",
           m."zoomMeetingId", m."joinUrl", m."startUrl", m.password AS "meetingPassword",
           r.status AS "rescheduleStatus", r."requestedByKind" AS "rescheduleRequestedBy",
           r."startsAt" AS "rescheduleStartsAt", r."endsAt" AS "rescheduleEndsAt", r.reason AS "rescheduleReason"
    FROM "Booking" b
    JOIN "Student" s ON s.id = b."studentId"
    JOIN "Teacher" t ON t.id = b."teacherId"
    LEFT JOIN "Meeting" m ON m."bookingId" = b.id AND m."deletedAt" IS NULL
    LEFT JOIN LATERAL (
      SELECT status, "requestedByKind", "startsAt", "endsAt", reason FROM "RescheduleRequest"
      WHERE "bookingId" = b.id ORDER BY id DESC LIMIT 1
    ) r ON true
    ${where} ${order}`;
}

const toPartyRow = (row: RawPartyRow): BookingPartyRow => ({
  ...toBookingRecord(row),
  studentName: row.studentName,
  teacherName: row.teacherName,
  paymentId: row.paymentId,
  meeting:
    row.zoomMeetingId !== null && row.joinUrl !== null
      ? {
          zoomMeetingId: row.zoomMeetingId,
          joinUrl: row.joinUrl,
          startUrl: row.startUrl ?? '',
          password: row.meetingPassword ?? '',
        }
      : null,
  reschedule:
    row.rescheduleStatus && row.rescheduleStartsAt && row.rescheduleEndsAt
      ? {
          status: row.rescheduleStatus,
          requestedBy: row.rescheduleRequestedBy === 'TEACHER' ? 'TEACHER' : 'STUDENT',
          startsAt: row.rescheduleStartsAt,
          endsAt: row.rescheduleEndsAt,
          reason: row.rescheduleReason ?? '',
        }
      : null,
});

type RawListRow = Booking & {
  studentName: string;
  studentEmail: string;
  teacherName: string;
  gigTitle: string;
  language: string;
  meetingJoinUrl: string | null;
};

const BOOKING_COLUMN_LIST = columnList(Prisma.BookingScalarFieldEnum);
const BOOKING_COLUMNS = Prisma.raw(BOOKING_COLUMN_LIST);
const FIND_BY_ID = `SELECT ${BOOKING_COLUMN_LIST} FROM "Booking" WHERE "id" = $1`;
/** $1 teacher, $2–$3 the time, $4 a booking to leave out (or null). */
const TEACHER_OVERLAP = `
SELECT "id" FROM "Booking"
WHERE "teacherId" = $1::int
  AND "status" IN (${ACTIVE_FOR_OVERLAP.map((status) => `'${status}'`).join(', ')})
  AND "startsAt" < $3::timestamp(3) AND "endsAt" > $2::timestamp(3)
  AND ($4::int IS NULL OR "id" <> $4::int)
LIMIT 1`;
const OPEN_RESCHEDULE = `SELECT ${columnList(Prisma.RescheduleRequestScalarFieldEnum)} FROM "RescheduleRequest"
WHERE "bookingId" = $1 AND "status" = 'REQUESTED' LIMIT 1`;

// Reschedule requests are read and written inside transactions, which run on the driver: SQL.
const RESCHEDULE_COLUMNS = columnList(Prisma.RescheduleRequestScalarFieldEnum);
const COUNT = 'SELECT count(*) AS n FROM "Booking"';
const LATEST_RESCHEDULE = `SELECT ${RESCHEDULE_COLUMNS} FROM "RescheduleRequest"
WHERE "bookingId" = $1 ORDER BY "id" DESC LIMIT 1`;
const INSERT_RESCHEDULE = `INSERT INTO "RescheduleRequest" ("bookingId", "requestedByKind", "requestedById",
  "fromStartsAt", "startsAt", "endsAt", "reason", "status", "expiresAt", "createdAt")
VALUES ($1, $2::text::"ActorKind", $3, $4, $5, $6, $7, 'REQUESTED', $8, $9)
RETURNING ${RESCHEDULE_COLUMNS}`;
/** Only a request still open is answered: of two answers at once, one counts. */
const CLOSE_RESCHEDULE = `UPDATE "RescheduleRequest" SET "status" = $2::text::"RescheduleRequestStatus",
  "answeredByKind" = $3::text::"ActorKind", "answeredById" = $4, "answerReason" = $5, "answeredAt" = $6
WHERE "id" = $1 AND "status" = 'REQUESTED'`;
const TRANSITIONS = `SELECT ${columnList(Prisma.BookingTransitionScalarFieldEnum)} FROM "BookingTransition"
WHERE "bookingId" = $1 ORDER BY "id"`;

/** One booking as its student or teacher sees it, by id: the API's most frequent read. */
const PARTY_VIEW_SQL = partySql('WHERE b.id = $1::int', '');

export class PrismaBookingRepository implements BookingStore {
  constructor(
    private readonly db: Db,
    private readonly direct?: DirectQuery,
  ) {}

  async count(): Promise<number> {
    const [row] = await this.db.$queryRawUnsafe<{ n: bigint }[]>(COUNT);
    return Number(row?.n ?? 0);
  }

  async findById(id: number): Promise<BookingRecord | null> {
    const [row] = await runStatement<Booking>(this.db, this.direct, FIND_BY_ID, [id], true);
    return row ? toBookingRecord(row) : null;
  }

  async lock(id: number): Promise<BookingRecord | null> {
    // Lock and read in one statement: the use cases read what they locked.
    const [row] = await this.db.$queryRaw<
      Booking[]
    >`SELECT ${BOOKING_COLUMNS} FROM "Booking" WHERE id = ${id} FOR UPDATE`;
    return row ? toBookingRecord(row) : null;
  }

  insert(booking: NewBooking, transition: NewTransition): Promise<{ booking: BookingRecord; transitionId: number }> {
    return insertBooking(this.db, booking, transition, toBookingRecord);
  }

  applyTransition(
    id: number,
    expectedVersion: number,
    to: BookingState,
    changes: { cancelReason?: string | null; moveTo?: { startsAt: Date; endsAt: Date }; updatedAt: Date },
    transition: NewTransition,
  ): Promise<{ booking: BookingRecord; transitionId: number } | null> {
    return applyBookingTransition(this.db, id, expectedVersion, to, changes, transition, toBookingRecord);
  }

  async hasTeacherOverlap(teacherId: number, startsAt: Date, endsAt: Date, exceptBookingId?: number): Promise<boolean> {
    const overlapping = await runStatement<{ id: number }>(
      this.db,
      this.direct,
      TEACHER_OVERLAP,
      [teacherId, utcTimestamp(startsAt), utcTimestamp(endsAt), exceptBookingId ?? null],
      true,
    );
    return overlapping.length > 0;
  }

  async openReschedule(bookingId: number): Promise<RescheduleRequestRecord | null> {
    const [row] = await runStatement<RescheduleRequest>(this.db, this.direct, OPEN_RESCHEDULE, [bookingId], true);
    return row ? toRescheduleRecord(row) : null;
  }

  async latestReschedule(bookingId: number): Promise<RescheduleRequestRecord | null> {
    const [row] = await this.db.$queryRawUnsafe<RescheduleRequest[]>(LATEST_RESCHEDULE, bookingId);
    return row ? toRescheduleRecord(row) : null;
  }

  async createReschedule(
    input: Omit<
      RescheduleRequestRecord,
      'id' | 'status' | 'answeredByKind' | 'answeredById' | 'answerReason' | 'answeredAt'
    >,
  ): Promise<RescheduleRequestRecord> {
    const [row] = await this.db.$queryRawUnsafe<RescheduleRequest[]>(
      INSERT_RESCHEDULE,
      input.bookingId,
      input.requestedByKind,
      input.requestedById,
      input.fromStartsAt,
      input.startsAt,
      input.endsAt,
      input.reason,
      input.expiresAt,
      input.createdAt,
    );
    if (!row) throw new Error('Inserting a reschedule request returned no row');
    return toRescheduleRecord(row);
  }

  async closeReschedule(
    id: number,
    answer: {
      status: Exclude<RescheduleStatus, 'REQUESTED'>;
      byKind: 'STAFF' | 'STUDENT' | 'TEACHER' | 'SYSTEM';
      byId: number | null;
      reason: string | null;
      at: Date;
    },
  ): Promise<boolean> {
    const closed = await this.db.$executeRawUnsafe(
      CLOSE_RESCHEDULE,
      id,
      answer.status,
      answer.byKind,
      answer.byId,
      answer.reason,
      answer.at,
    );
    return closed === 1;
  }

  async findExpiredRescheduleRequests(now: Date, limit: number): Promise<number[]> {
    const rows = await this.db.rescheduleRequest.findMany({
      where: { status: 'REQUESTED', expiresAt: { lte: now } },
      orderBy: { expiresAt: 'asc' },
      take: limit,
      select: { bookingId: true },
    });
    return rows.map((row) => row.bookingId);
  }

  async transitions(bookingId: number): Promise<TransitionRecord[]> {
    const rows = await this.db.$queryRawUnsafe<BookingTransition[]>(TRANSITIONS, bookingId);
    return rows.map(toTransitionRecord);
  }

  async list(query: BookingListQuery): Promise<BookingListRow[]> {
    const { text, values } = bookingListSql(query);
    // Outside a transaction the driver runs it directly (Prisma's raw path adds a latency tail).
    const rows = await runStatement<RawListRow>(this.db, this.direct, text, values);
    return rows.map((row) => ({
      ...toBookingRecord(row),
      studentName: row.studentName,
      studentEmail: row.studentEmail,
      teacherName: row.teacherName,
      gigTitle: row.gigTitle,
      language: row.language,
      meetingJoinUrl: row.meetingJoinUrl,
    }));
  }

  async partyView(id: number): Promise<BookingPartyRow | null> {
    const [row] = await runStatement<RawPartyRow>(this.db, this.direct, PARTY_VIEW_SQL, [id], true);
    return row ? toPartyRow(row) : null;
  }

  async listForParty(query: PartyBookingQuery): Promise<BookingPartyRow[]> {
    const sql = new SqlText();
    const conditions: string[] = [];
    if (query.studentId !== undefined) conditions.push(`b."studentId" = ${sql.param(query.studentId, 'int')}`);
    if (query.teacherId !== undefined) conditions.push(`b."teacherId" = ${sql.param(query.teacherId, 'int')}`);
    if (query.status) conditions.push(`b."status" = ${sql.param(query.status, '"BookingStatus"')}`);
    if (query.paymentStatus)
      conditions.push(`b."paymentStatus" = ${sql.param(query.paymentStatus, '"BookingPaymentStatus"')}`);
    if (query.beforeId !== undefined) conditions.push(`b.id < ${sql.param(query.beforeId, 'int')}`);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows = await runStatement<RawPartyRow>(
      this.db,
      this.direct,
      partySql(where, `ORDER BY b.id DESC LIMIT ${sql.param(query.limit, 'int')}`),
      sql.values,
    );
    return rows.map(toPartyRow);
  }

  async countByQueue(now: Date): Promise<Record<BookingQueueFilter, number>> {
    const rows = await this.db.$queryRaw<
      { queue: BookingQueue; total: bigint; upcoming: bigint; toComplete: bigint }[]
    >`
      SELECT "queue", count(*) AS total,
             count(*) FILTER (WHERE "queue" = 'PAID' AND "startsAt" >= ${now}) AS upcoming,
             count(*) FILTER (WHERE "queue" = 'PAID' AND "endsAt" <= ${now}) AS "toComplete"
      FROM "Booking" GROUP BY "queue"`;
    const counts: Record<BookingQueueFilter, number> = {
      AWAITING_CONFIRMATION: 0,
      AWAITING_PAYMENT: 0,
      PAYMENT_FAILED: 0,
      PAID: 0,
      COMPLETED: 0,
      CANCELLED: 0,
      REFUNDED: 0,
      UPCOMING: 0,
      TO_COMPLETE: 0,
    };
    for (const row of rows) {
      counts[row.queue] = Number(row.total);
      counts.UPCOMING += Number(row.upcoming);
      counts.TO_COMPLETE += Number(row.toComplete);
    }
    return counts;
  }

  async findExpiredPaymentWindows(cutoff: Date, limit: number): Promise<number[]> {
    const rows = await this.db.booking.findMany({
      where: { queue: { in: ['AWAITING_PAYMENT', 'PAYMENT_FAILED'] }, startsAt: { lte: cutoff } },
      select: { id: true },
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((row) => row.id);
  }

  async findCompletable(endedBefore: Date, limit: number): Promise<number[]> {
    const rows = await this.db.booking.findMany({
      where: { queue: 'PAID', startsAt: { lt: endedBefore }, endsAt: { lte: endedBefore } },
      select: { id: true },
      orderBy: [{ startsAt: 'asc' }, { id: 'asc' }],
      take: limit,
    });
    return rows.map((row) => row.id);
  }
}
