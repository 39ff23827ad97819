import { randomBytes } from 'node:crypto';
import { queueOf } from '../domain/states';
import { generateBookings, generatePeople, type SeedOptions } from '../seed/generator';
import type { Database, NativeQuery } from './database';

export interface SeedProgress {
  done: number;
  total: number;
}

export interface SeedResult {
  teachers: number;
  students: number;
  gigs: number;
  bookings: number;
  transitions: number;
}

const CHUNK = 5000;

async function reserveIds(query: NativeQuery, table: string, count: number): Promise<number[]> {
  if (count === 0) return [];
  const rows = await query<{ id: number }>(
    `SELECT nextval(pg_get_serial_sequence('"${table}"', 'id'))::int AS id FROM generate_series(1, $1::int)`,
    [count],
  );
  return rows.map((row) => row.id);
}

const iso = (date: Date) => date.toISOString();

/**
 * Writes the deterministic demo data in chunks of 5,000 bookings, one transaction each, with
 * multi-row `INSERT … SELECT unnest(…)`: one round trip per table per chunk, the same on PGlite and
 * PostgreSQL. The demo people are written first, in their own transaction.
 */
export async function seedDatabase(
  db: Database,
  options: SeedOptions,
  onProgress?: (progress: SeedProgress) => void,
): Promise<SeedResult> {
  const people = generatePeople(options);
  const firstEmail = people.teachers[0]?.email;
  const existing = await db.nativeTransaction((query) =>
    query<{ n: number }>('SELECT count(*)::int AS n FROM "Teacher" WHERE email = $1', [firstEmail]),
  );
  if ((existing[0]?.n ?? 0) > 0) {
    throw new Error(
      `This database already holds demo data of seed ${options.seed}. Use --seed with another number, or a fresh --data-dir.`,
    );
  }

  const ids = await db.nativeTransaction(async (query) => {
    const now = iso(options.now);
    // Demo staff whose names appear in the seeded timelines; their passwords are random and unknown.
    const staffIds: Record<'admin' | 'finance', number> = { admin: 0, finance: 0 };
    for (const role of ['admin', 'finance'] as const) {
      const rows = await query<{ id: number }>(
        `INSERT INTO "Staff" (email, name, role, "passwordHash", active, "createdAt", "updatedAt")
         VALUES ($1, $2, $3::"StaffRole", $4, false, $5::timestamp(3), $5::timestamp(3))
         ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email RETURNING id`,
        [
          `demo-${role}@demo.linguaflex.test`,
          role === 'admin' ? 'Demo Admin' : 'Demo Finance',
          role.toUpperCase(),
          `disabled$${randomBytes(16).toString('hex')}`,
          now,
        ],
      );
      staffIds[role] = rows[0]?.id ?? 0;
    }
    const teacherIds = await reserveIds(query, 'Teacher', people.teachers.length);
    await query(
      `INSERT INTO "Teacher" (id, email, name, timezone, "createdAt")
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::timestamp(3)[])`,
      [
        teacherIds,
        people.teachers.map((t) => t.email),
        people.teachers.map((t) => t.name),
        people.teachers.map((t) => t.timezone),
        people.teachers.map(() => now),
      ],
    );
    const studentIds = await reserveIds(query, 'Student', people.students.length);
    await query(
      `INSERT INTO "Student" (id, email, name, timezone, "createdAt")
       SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::timestamp(3)[])`,
      [
        studentIds,
        people.students.map((s) => s.email),
        people.students.map((s) => s.name),
        people.students.map((s) => s.timezone),
        people.students.map(() => now),
      ],
    );
    const gigIds = await reserveIds(query, 'Gig', people.gigs.length);
    await query(
      `INSERT INTO "Gig" (id, "teacherId", title, language, "hourlyRateMinor", currency, active, "createdAt")
       SELECT id, teacher, title, language, rate, currency, true, created
       FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamp(3)[])
         AS g(id, teacher, title, language, rate, currency, created)`,
      [
        gigIds,
        people.gigs.map((g) => teacherIds[g.teacherKey]),
        people.gigs.map((g) => g.title),
        people.gigs.map((g) => g.language),
        people.gigs.map((g) => g.hourlyRateMinor),
        people.gigs.map((g) => g.currency),
        people.gigs.map(() => now),
      ],
    );
    return { teacherIds, studentIds, gigIds, staffIds };
  });

  let transitions = 0;
  for (let from = 0; from < options.bookings; from += CHUNK) {
    const to = Math.min(options.bookings, from + CHUNK);
    const bookings = generateBookings(options, people, from, to);
    transitions += await db.nativeTransaction(async (query) => {
      const bookingIds = await reserveIds(query, 'Booking', bookings.length);
      const column = <T>(map: (b: (typeof bookings)[number]) => T) => bookings.map(map);
      await query(
        `INSERT INTO "Booking" (id, "studentId", "teacherId", "gigId", "startsAt", "endsAt", minutes, status, "paymentStatus", queue,
           notes, currency, "hourlyRateMinor", "baseMinor", "feeMinor", "totalMinor", "teacherMinor", "platformMinor",
           "feeRateBps", "minimumFeeMinor", "cancelReason", version, "createdAt", "updatedAt")
         SELECT id, student, teacher, gig, starts, ends, minutes, status::"BookingStatus", payment::"BookingPaymentStatus", queue::"BookingQueue",
           notes, currency, rate, base, fee, total, teacher_share, platform_share, bps, min_fee, cancel_reason, versions, created, updated
         FROM unnest($1::int[], $2::int[], $3::int[], $4::int[], $5::timestamp(3)[], $6::timestamp(3)[], $7::int[], $8::text[], $9::text[], $10::text[],
           $11::text[], $12::text[], $13::int[], $14::int[], $15::int[], $16::int[], $17::int[], $18::int[], $19::int[], $20::int[], $21::text[],
           $22::int[], $23::timestamp(3)[], $24::timestamp(3)[])
           AS b(id, student, teacher, gig, starts, ends, minutes, status, payment, queue, notes, currency, rate, base, fee, total,
             teacher_share, platform_share, bps, min_fee, cancel_reason, versions, created, updated)`,
        [
          bookingIds,
          column((b) => ids.studentIds[b.studentKey]),
          column((b) => ids.teacherIds[b.teacherKey]),
          column((b) => ids.gigIds[b.gigKey]),
          column((b) => iso(b.startsAt)),
          column((b) => iso(b.endsAt)),
          column((b) => b.minutes),
          column((b) => b.status),
          column((b) => b.paymentStatus),
          column((b) => queueOf(b)),
          column((b) => b.notes),
          column((b) => b.quote.currency),
          column((b) => b.quote.hourlyRateMinor),
          column((b) => b.quote.baseMinor),
          column((b) => b.quote.feeMinor),
          column((b) => b.quote.totalMinor),
          column((b) => b.quote.teacherMinor),
          column((b) => b.quote.platformMinor),
          column((b) => b.quote.feeRateBps),
          column((b) => b.quote.minimumFeeMinor),
          column((b) => b.cancelReason),
          column((b) => b.transitions.length),
          column((b) => iso(b.createdAt)),
          column((b) => iso(b.updatedAt)),
        ],
      );
      const rows = bookings.flatMap((booking, index) =>
        booking.transitions.map((transition) => ({
          bookingId: bookingIds[index],
          transition,
          actorId:
            transition.actor === 'student'
              ? ids.studentIds[booking.studentKey]
              : transition.actor === 'teacher'
                ? ids.teacherIds[booking.teacherKey]
                : transition.actor === null
                  ? null
                  : ids.staffIds[transition.actor],
        })),
      );
      await query(
        `INSERT INTO "BookingTransition" ("bookingId", action, "fromStatus", "toStatus", "fromPaymentStatus", "toPaymentStatus", "actorKind", "actorId", "actorRole", reason, at)
         SELECT booking, action, from_status::"BookingStatus", to_status::"BookingStatus", from_payment::"BookingPaymentStatus", to_payment::"BookingPaymentStatus",
           actor_kind::"ActorKind", actor_id, actor_role, reason, at
         FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::text[], $11::timestamp(3)[])
           AS t(booking, action, from_status, to_status, from_payment, to_payment, actor_kind, actor_id, actor_role, reason, at)`,
        [
          rows.map((r) => r.bookingId),
          rows.map((r) => r.transition.action),
          rows.map((r) => r.transition.fromStatus),
          rows.map((r) => r.transition.toStatus),
          rows.map((r) => r.transition.fromPaymentStatus),
          rows.map((r) => r.transition.toPaymentStatus),
          rows.map((r) => r.transition.actorKind),
          rows.map((r) => r.actorId),
          rows.map((r) => r.transition.actorRole),
          rows.map((r) => r.transition.reason),
          rows.map((r) => iso(r.transition.at)),
        ],
      );
      // The payment record of every booking that reached payment (demo data: no Stripe ids).
      const paid = bookings.flatMap((booking, index) => {
        if (booking.paymentStatus === 'UNPAID') return [];
        const started = booking.transitions.find((transition) => transition.action === 'start_payment');
        const refunded =
          booking.paymentStatus === 'REFUNDED'
            ? booking.quote.totalMinor
            : booking.paymentStatus === 'PARTIALLY_REFUNDED'
              ? Math.floor(booking.quote.totalMinor * 0.3)
              : 0;
        return [{ bookingId: bookingIds[index], booking, createdAt: started?.at ?? booking.createdAt, refunded }];
      });
      await query(
        `INSERT INTO "Payment" ("bookingId", "amountMinor", currency, status, "refundedMinor", "idempotencyKey", version, "createdAt", "updatedAt")
         SELECT booking, amount, currency, status::"PaymentStatus", refunded, key, 1, created, updated
         FROM unnest($1::int[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::timestamp(3)[], $8::timestamp(3)[])
           AS p(booking, amount, currency, status, refunded, key, created, updated)`,
        [
          paid.map((p) => p.bookingId),
          paid.map((p) => p.booking.quote.totalMinor),
          paid.map((p) => p.booking.quote.currency),
          paid.map((p) => p.booking.paymentStatus),
          paid.map((p) => p.refunded),
          paid.map((p) => `demo:booking:${String(p.bookingId)}:payment`),
          paid.map((p) => iso(p.createdAt)),
          paid.map((p) => iso(p.booking.updatedAt)),
        ],
      );
      return rows.length;
    });
    onProgress?.({ done: to, total: options.bookings });
  }
  // R40: the money in this history posted to the ledger by the ledger migration's own back-fill (a
  // database migrated only up to before the ledger gets it when that migration runs).
  const [ledger] = await db.prisma.$queryRawUnsafe<{ ready: boolean }[]>(
    `SELECT to_regproc('"ledger_backfill"') IS NOT NULL AS ready`,
  );
  if (ledger?.ready) await db.prisma.$queryRawUnsafe('SELECT "ledger_backfill"() AS posted');
  // Fresh statistics, or the planner guesses (PGlite never analyzes on its own).
  await db.maintain();
  return {
    teachers: people.teachers.length,
    students: people.students.length,
    gigs: people.gigs.length,
    bookings: options.bookings,
    transitions,
  };
}
