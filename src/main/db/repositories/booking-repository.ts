import type { CurrencyCode } from '../../domain/money';
import { queueOf, type BookingPaymentStatus, type BookingQueue, type BookingState } from '../../domain/states';
import type {
  BookingListQuery,
  BookingListRow,
  BookingQueueFilter,
  BookingRecord,
  BookingStore,
  NewBooking,
  NewTransition,
  TransitionRecord,
} from '../../services/ports';
import { Prisma, type Booking, type BookingTransition } from '../generated/client.ts';
import type { Db } from './prisma-types';

/** Bookings never take the payment record's CANCELED status; finding one means the data is corrupt. */
function bookingPaymentStatus(value: Booking['paymentStatus'], bookingId: number): BookingPaymentStatus {
  if (value === 'CANCELED') throw new Error(`Booking ${bookingId} has the payment-only status CANCELED`);
  return value;
}

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
    paymentStatus: bookingPaymentStatus(row.paymentStatus, row.id),
    notes: row.notes,
    cancelReason: row.cancelReason,
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
    fromPaymentStatus:
      row.fromPaymentStatus === null ? null : bookingPaymentStatus(row.fromPaymentStatus, row.bookingId),
    toPaymentStatus: bookingPaymentStatus(row.toPaymentStatus, row.bookingId),
    actorKind: row.actorKind,
    actorId: row.actorId,
    actorRole: row.actorRole,
    reason: row.reason,
    at: row.at,
  };
}

const ACTIVE_FOR_OVERLAP = ['PENDING', 'CONFIRMED'] as const;

function queueCondition(queue: BookingQueueFilter, now: Date): Prisma.Sql {
  switch (queue) {
    case 'UPCOMING':
      return Prisma.sql`b."queue" = 'PAID' AND b."startsAt" >= ${now}`;
    case 'TO_COMPLETE':
      return Prisma.sql`b."queue" = 'PAID' AND b."startsAt" < ${now} AND b."endsAt" <= ${now}`;
    default:
      return Prisma.sql`b."queue" = ${queue}::"BookingQueue"`;
  }
}

type RawListRow = Booking & {
  studentName: string;
  studentEmail: string;
  teacherName: string;
  gigTitle: string;
  language: string;
};

export class PrismaBookingRepository implements BookingStore {
  constructor(private readonly db: Db) {}

  count(): Promise<number> {
    return this.db.booking.count();
  }

  async findById(id: number): Promise<BookingRecord | null> {
    const row = await this.db.booking.findUnique({ where: { id } });
    return row ? toBookingRecord(row) : null;
  }

  async insert(
    booking: NewBooking,
    transition: NewTransition,
  ): Promise<{ booking: BookingRecord; transitionId: number }> {
    const row = await this.db.booking.create({
      data: {
        ...booking,
        queue: queueOf(booking),
        transitions: { create: { ...transition } },
      },
      include: { transitions: { select: { id: true } } },
    });
    const transitionId = row.transitions[0]?.id;
    if (transitionId === undefined) throw new Error('The creation transition was not written');
    const { transitions: _transitions, ...bookingRow } = row;
    return { booking: toBookingRecord(bookingRow), transitionId };
  }

  async applyTransition(
    id: number,
    expectedVersion: number,
    to: BookingState,
    changes: { cancelReason?: string | null; updatedAt: Date },
    transition: NewTransition,
  ): Promise<{ booking: BookingRecord; transitionId: number } | null> {
    const updated = await this.db.booking.updateMany({
      where: { id, version: expectedVersion },
      data: {
        status: to.status,
        paymentStatus: to.paymentStatus,
        queue: queueOf(to),
        version: { increment: 1 },
        updatedAt: changes.updatedAt,
        ...(changes.cancelReason !== undefined ? { cancelReason: changes.cancelReason } : {}),
      },
    });
    if (updated.count === 0) return null;
    const written = await this.db.bookingTransition.create({ data: { ...transition, bookingId: id } });
    const booking = await this.db.booking.findUniqueOrThrow({ where: { id } });
    return { booking: toBookingRecord(booking), transitionId: written.id };
  }

  async hasTeacherOverlap(teacherId: number, startsAt: Date, endsAt: Date): Promise<boolean> {
    const overlapping = await this.db.booking.findFirst({
      where: {
        teacherId,
        status: { in: [...ACTIVE_FOR_OVERLAP] },
        startsAt: { lt: endsAt },
        endsAt: { gt: startsAt },
      },
      select: { id: true },
    });
    return overlapping !== null;
  }

  async transitions(bookingId: number): Promise<TransitionRecord[]> {
    const rows = await this.db.bookingTransition.findMany({ where: { bookingId }, orderBy: { id: 'asc' } });
    return rows.map(toTransitionRecord);
  }

  async list(query: BookingListQuery): Promise<BookingListRow[]> {
    const conditions: Prisma.Sql[] = [];
    if (query.queue) conditions.push(queueCondition(query.queue, query.now));
    if (query.status) conditions.push(Prisma.sql`b."status" = ${query.status}::"BookingStatus"`);
    if (query.paymentStatus) conditions.push(Prisma.sql`b."paymentStatus" = ${query.paymentStatus}::"PaymentStatus"`);
    if (query.teacherId !== undefined) conditions.push(Prisma.sql`b."teacherId" = ${query.teacherId}`);
    if (query.studentId !== undefined) conditions.push(Prisma.sql`b."studentId" = ${query.studentId}`);
    if (query.from) conditions.push(Prisma.sql`b."startsAt" >= ${query.from}`);
    if (query.to) conditions.push(Prisma.sql`b."startsAt" < ${query.to}`);
    const search = query.search?.trim();
    if (search) {
      const idMatch = /^#?(\d{1,9})$/.exec(search);
      const pattern = `%${search.replace(/[\\%_]/g, (char) => `\\${char}`)}%`;
      const byName = Prisma.sql`(b."studentId" IN (SELECT id FROM "Student" WHERE name ILIKE ${pattern} OR email ILIKE ${pattern})
        OR b."teacherId" IN (SELECT id FROM "Teacher" WHERE name ILIKE ${pattern} OR email ILIKE ${pattern}))`;
      conditions.push(idMatch?.[1] ? Prisma.sql`(b.id = ${Number(idMatch[1])} OR ${byName})` : byName);
    }
    const column = query.sort.endsWith('createdAt') ? Prisma.raw('b."createdAt"') : Prisma.raw('b."startsAt"');
    const descending = query.sort.startsWith('-');
    const outerColumn = query.sort.endsWith('createdAt') ? Prisma.raw('b."createdAt"') : Prisma.raw('b."startsAt"');
    if (query.after) {
      conditions.push(
        descending
          ? Prisma.sql`(${column}, b.id) < (${query.after.at}, ${query.after.id})`
          : Prisma.sql`(${column}, b.id) > (${query.after.at}, ${query.after.id})`,
      );
    }
    const where = conditions.length > 0 ? Prisma.sql`WHERE ${Prisma.join(conditions, ' AND ')}` : Prisma.empty;
    const order = descending
      ? Prisma.sql`ORDER BY ${column} DESC, b.id DESC`
      : Prisma.sql`ORDER BY ${column} ASC, b.id ASC`;
    // Page the bookings first (an index range in key order), then join the names for just that page,
    // so the plan does not depend on statistics being fresh.
    const outerOrder = descending
      ? Prisma.sql`ORDER BY ${outerColumn} DESC, b.id DESC`
      : Prisma.sql`ORDER BY ${outerColumn} ASC, b.id ASC`;
    const rows = await this.db.$queryRaw<RawListRow[]>`
      SELECT b.*, s.name AS "studentName", s.email AS "studentEmail", t.name AS "teacherName",
             g.title AS "gigTitle", g.language AS "language"
      FROM (
        SELECT b.* FROM "Booking" b
        ${where}
        ${order}
        LIMIT ${query.limit}
        ${query.offset ? Prisma.sql`OFFSET ${query.offset}` : Prisma.empty}
      ) b
      JOIN "Student" s ON s.id = b."studentId"
      JOIN "Teacher" t ON t.id = b."teacherId"
      JOIN "Gig" g ON g.id = b."gigId"
      ${outerOrder}`;
    return rows.map((row) => ({
      ...toBookingRecord(row),
      studentName: row.studentName,
      studentEmail: row.studentEmail,
      teacherName: row.teacherName,
      gigTitle: row.gigTitle,
      language: row.language,
    }));
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
