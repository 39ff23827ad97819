import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BOOKING_TRANSITIONS } from '../../src/main/domain/booking-machine';
import { openDatabase, type Database } from '../../src/main/db/database';
import { seedDatabase } from '../../src/main/db/bulk-seed';
import { applyPendingMigrations } from '../../src/main/db/migrate';
import { generateBookings, generatePeople } from '../../src/main/seed/generator';

const options = { bookings: 3000, seed: 7, now: new Date('2026-06-01T00:00:00Z') };

describe('demo data generator', () => {
  it('is deterministic: the same options give the same rows', () => {
    const people = generatePeople(options);
    expect(generatePeople(options)).toEqual(people);
    expect(generateBookings(options, people, 100, 200)).toEqual(generateBookings(options, people, 100, 200));
    expect(generateBookings({ ...options, seed: 8 }, generatePeople({ ...options, seed: 8 }), 0, 50)).not.toEqual(
      generateBookings(options, people, 0, 50),
    );
  });

  it('every seeded history is a legal walk through the booking table, ending in the booking’s state', () => {
    const people = generatePeople(options);
    const legal = new Set(
      BOOKING_TRANSITIONS.flatMap((rule) =>
        (rule.from ?? [{ status: null, paymentStatus: null }]).map(
          (state) => `${rule.action}:${String(state.status)}/${String(state.paymentStatus)}`,
        ),
      ),
    );
    for (const booking of generateBookings(options, people, 0, options.bookings)) {
      let state = 'null/null';
      for (const transition of booking.transitions) {
        expect(legal.has(`${transition.action}:${state}`), `${transition.action} from ${state}`).toBe(true);
        state = `${transition.toStatus}/${transition.toPaymentStatus}`;
      }
      expect(state).toBe(`${booking.status}/${booking.paymentStatus}`);
      expect(booking.endsAt.getTime() - booking.startsAt.getTime()).toBe(booking.minutes * 60_000);
      expect(booking.quote.totalMinor).toBe(booking.quote.baseMinor + booking.quote.feeMinor);
    }
  });
});

describe('bulk seeding into PGlite', () => {
  let db: Database;
  beforeAll(async () => {
    db = await openDatabase({ kind: 'pglite-memory' });
    await applyPendingMigrations(db);
  });
  afterAll(async () => db.close());

  it('writes every status, realistic currencies, no overlapping active bookings per teacher; refuses a second run of the same seed', async () => {
    const progress: number[] = [];
    const result = await seedDatabase(db, options, ({ done }) => progress.push(done));
    expect(result.bookings).toBe(3000);
    expect(progress).toEqual([3000]);
    expect(await db.prisma.booking.count()).toBe(3000);
    expect(await db.prisma.bookingTransition.count()).toBe(result.transitions);
    const statuses = await db.prisma.booking.groupBy({ by: ['status', 'paymentStatus'], _count: true });
    const seen = new Set(statuses.map((row) => `${row.status}/${row.paymentStatus}`));
    for (const state of [
      'PENDING/UNPAID',
      'CONFIRMED/UNPAID',
      'CONFIRMED/PENDING',
      'CONFIRMED/FAILED',
      'CONFIRMED/PAID',
      'COMPLETED/PAID',
      'COMPLETED/PARTIALLY_REFUNDED',
      'CANCELLED/UNPAID',
      'CANCELLED/REFUNDED',
      'REFUNDED/REFUNDED',
    ]) {
      expect(seen, state).toContain(state);
    }
    const currencies = await db.prisma.gig.groupBy({ by: ['currency'], _count: true });
    expect(currencies.length).toBeGreaterThanOrEqual(4);
    const overlaps = await db.prisma.$queryRaw<{ n: bigint }[]>`
      SELECT count(*) AS n FROM "Booking" a JOIN "Booking" b
        ON a."teacherId" = b."teacherId" AND a.id < b.id AND a."startsAt" < b."endsAt" AND b."startsAt" < a."endsAt"
      WHERE a.status IN ('PENDING', 'CONFIRMED') AND b.status IN ('PENDING', 'CONFIRMED')`;
    expect(Number(overlaps[0]?.n)).toBe(0);
    const wrongQueue = await db.prisma.booking.count({
      where: { status: 'PENDING', NOT: { queue: 'AWAITING_CONFIRMATION' } },
    });
    expect(wrongQueue).toBe(0);
    await expect(seedDatabase(db, options)).rejects.toThrow(/already holds demo data of seed 7/);
    expect(await db.prisma.booking.count()).toBe(3000);
  });
});
