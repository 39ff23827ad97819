import { queueOf, type BookingState } from '../../domain/states';
import type { BookingRecord, NewBooking, NewTransition } from '../../services/ports';
import { Prisma, type Booking } from '../generated/client.ts';
import { columnDefinitions, insertedFromJson, jsonRow, quotedColumns, utcTimestamp } from './json-rows';
import type { Db } from './prisma-types';

/**
 * A booking's writes with their transition record, one statement each (it was two statements and
 * two Prisma calls, four times per seed flow). The record's INSERT reads the booking's written row
 * (a CTE), so it is written exactly when the booking's write matched, and its id comes back with the
 * row: the effects' outbox keys name it.
 */

/** Each column a JSON parameter carries, with its SQL type: the compiler checks every field is here. */
const NEW_BOOKING: Record<keyof NewBooking | 'queue', string> = {
  studentId: 'integer',
  teacherId: 'integer',
  gigId: 'integer',
  startsAt: 'timestamp(3)',
  endsAt: 'timestamp(3)',
  minutes: 'integer',
  status: '"BookingStatus"',
  paymentStatus: '"BookingPaymentStatus"',
  queue: '"BookingQueue"',
  notes: 'text',
  currency: 'text',
  hourlyRateMinor: 'integer',
  baseMinor: 'integer',
  feeMinor: 'integer',
  totalMinor: 'integer',
  teacherMinor: 'integer',
  platformMinor: 'integer',
  feeRateBps: 'integer',
  minimumFeeMinor: 'integer',
  createdAt: 'timestamp(3)',
};

const NEW_TRANSITION: Record<keyof NewTransition, string> = {
  action: 'text',
  fromStatus: '"BookingStatus"',
  toStatus: '"BookingStatus"',
  fromPaymentStatus: '"BookingPaymentStatus"',
  toPaymentStatus: '"BookingPaymentStatus"',
  actorKind: '"ActorKind"',
  actorId: 'integer',
  actorRole: 'text',
  reason: 'text',
  fromStartsAt: 'timestamp(3)',
  toStartsAt: 'timestamp(3)',
  at: 'timestamp(3)',
};

const BOOKING_FIELDS = Object.values(Prisma.BookingScalarFieldEnum);
const TRANSITION_FIELDS = Object.keys(NEW_TRANSITION);

/** The transition's record from the JSON parameter `param`, after the booking's write in CTE `written`. */
const RECORDED = (param: string) => `recorded AS (
  INSERT INTO "BookingTransition" ("bookingId", ${quotedColumns(TRANSITION_FIELDS)})
  SELECT written."id", ${quotedColumns(TRANSITION_FIELDS, 't')}
  FROM written, jsonb_to_record(${param}::jsonb) AS t(${columnDefinitions(NEW_TRANSITION)})
  RETURNING "id"
)`;

const RESULT = `SELECT ${quotedColumns(BOOKING_FIELDS, 'written')}, recorded."id" AS "transitionId"
FROM written, recorded`;

const INSERT = `
WITH ${insertedFromJson('Booking', NEW_BOOKING, BOOKING_FIELDS)},
${RECORDED('$2')}
${RESULT}`;

/** $1 id, $2 the version read, $3–$6 the new state and time, $7/$8 a cancel reason, $9/$10 a move. */
const APPLY = `
WITH written AS (
  UPDATE "Booking" SET
    "status" = $3::text::"BookingStatus",
    "paymentStatus" = $4::text::"BookingPaymentStatus",
    "queue" = $5::text::"BookingQueue",
    "version" = "version" + 1,
    "updatedAt" = $6::timestamp(3),
    "cancelReason" = CASE WHEN $7::boolean THEN $8::text ELSE "cancelReason" END,
    "startsAt" = COALESCE($9::timestamp(3), "startsAt"),
    "endsAt" = COALESCE($10::timestamp(3), "endsAt"),
    "rescheduleCount" = "rescheduleCount" + CASE WHEN $9::timestamp(3) IS NULL THEN 0 ELSE 1 END
  WHERE "id" = $1::int AND "version" = $2::int
  RETURNING ${quotedColumns(BOOKING_FIELDS)}
),
${RECORDED('$11')}
${RESULT}`;

type Written = Booking & { transitionId: number };

export async function insertBooking(
  db: Db,
  booking: NewBooking,
  transition: NewTransition,
  toRecord: (row: Booking) => BookingRecord,
): Promise<{ booking: BookingRecord; transitionId: number }> {
  const [row] = await db.$queryRawUnsafe<Written[]>(
    INSERT,
    jsonRow({ ...booking, queue: queueOf(booking) }),
    jsonRow(transition),
  );
  if (!row) throw new Error('The booking was not written');
  return { booking: toRecord(row), transitionId: row.transitionId };
}

/** null: the booking is not at `expectedVersion` any more (nothing written). */
export async function applyBookingTransition(
  db: Db,
  id: number,
  expectedVersion: number,
  to: BookingState,
  changes: { cancelReason?: string | null; moveTo?: { startsAt: Date; endsAt: Date }; updatedAt: Date },
  transition: NewTransition,
  toRecord: (row: Booking) => BookingRecord,
): Promise<{ booking: BookingRecord; transitionId: number } | null> {
  const [row] = await db.$queryRawUnsafe<Written[]>(
    APPLY,
    id,
    expectedVersion,
    to.status,
    to.paymentStatus,
    queueOf(to),
    utcTimestamp(changes.updatedAt),
    changes.cancelReason !== undefined,
    changes.cancelReason ?? null,
    changes.moveTo ? utcTimestamp(changes.moveTo.startsAt) : null,
    changes.moveTo ? utcTimestamp(changes.moveTo.endsAt) : null,
    jsonRow(transition),
  );
  return row ? { booking: toRecord(row), transitionId: row.transitionId } : null;
}
