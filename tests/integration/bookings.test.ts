import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock } from '../../src/main/domain/clock';
import type { DomainError } from '../../src/main/domain/errors';
import { repositoriesFor } from '../../src/main/db/repositories';
import { createServices } from '../../src/main/services';
import type { UnitOfWork } from '../../src/main/services/ports';
import { buildScenario, HOUR_MS, MINUTE_MS } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';

const START = new Date('2026-03-02T09:00:00Z');

async function errorOf(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected the call to be refused');
}

describe.each(DB_KINDS)('booking use cases on %s', (kind) => {
  const clock = fixedClock(START);
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    database = await openTestContainer(kind, clock);
    container = database.container;
  });
  afterAll(async () => database.dispose());
  beforeEach(() => clock.set(START));

  const countRows = async () => {
    const prisma = container.db.prisma;
    const [bookings, transitions, outbox, audit] = await Promise.all([
      prisma.booking.count(),
      prisma.bookingTransition.count(),
      prisma.outboxMessage.count(),
      prisma.auditLog.count(),
    ]);
    return { bookings, transitions, outbox, audit };
  };

  it('R10: creates a PENDING/UNPAID booking priced on the server, with its transition, outbox and audit rows', async () => {
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT' },
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
    });
    const startsAt = new Date(START.getTime() + 48 * HOUR_MS);
    const booking = await container.services.bookings.create(s.staff.sue, {
      studentId: s.students.bob.id,
      gigId: s.teachers.ana.gigs.es.id,
      startsAt: startsAt.toISOString(),
      minutes: 90,
      notes: 'first lesson',
    });
    expect(booking).toMatchObject({
      status: 'PENDING',
      paymentStatus: 'UNPAID',
      minutes: 90,
      currency: 'USD',
      baseMinor: 7500,
      feeMinor: 375,
      totalMinor: 7875,
      teacherMinor: 7500,
      platformMinor: 375,
      feeRateBps: 500,
      minimumFeeMinor: 100,
      version: 1,
    });
    expect(booking.endsAt.getTime() - booking.startsAt.getTime()).toBe(90 * MINUTE_MS);
    const detail = await container.services.bookings.get(s.staff.sue, { id: booking.id });
    expect(detail.transitions).toEqual([
      expect.objectContaining({
        action: 'create',
        fromStatus: null,
        toStatus: 'PENDING',
        toPaymentStatus: 'UNPAID',
        actorKind: 'STAFF',
        actorId: s.staff.sue.id,
        actorRole: 'SUPPORT',
      }),
    ]);
    expect(detail.notifications).toEqual([
      expect.objectContaining({
        kind: 'email',
        status: 'PENDING',
        payload: expect.objectContaining({ template: 'booking_requested', to: 'teacher' }) as unknown,
      }),
    ]);
  });

  it('bad input at the boundary: a clear message naming each field, and nothing written', async () => {
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT' },
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
    });
    const before = await countRows();
    const error = await errorOf(
      container.services.bookings.create(s.staff.sue, {
        studentId: 'bob',
        gigId: s.teachers.ana.gigs.es.id,
        startsAt: 'next tuesday',
        minutes: 60.5,
      }),
    );
    expect(error.code).toBe('VALIDATION');
    expect(error.message).toContain('studentId');
    expect(error.message).toContain('startsAt');
    expect(error.message).toContain('minutes');
    const badLength = await errorOf(
      container.services.bookings.create(s.staff.sue, {
        studentId: s.students.bob.id,
        gigId: s.teachers.ana.gigs.es.id,
        startsAt: new Date(START.getTime() + 48 * HOUR_MS),
        minutes: 50,
      }),
    );
    expect(badLength).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('steps of 15') as string });
    const missing = await errorOf(
      container.services.bookings.create(s.staff.sue, {
        studentId: 999_999,
        gigId: s.teachers.ana.gigs.es.id,
        startsAt: new Date(START.getTime() + 48 * HOUR_MS),
        minutes: 60,
      }),
    );
    expect(missing).toMatchObject({ code: 'NOT_FOUND', message: 'Student 999999 does not exist' });
    expect(await countRows()).toEqual(before);
  });

  it('R10 guards: too soon, overlapping the teacher, a teacher booking their own gig', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {}, cy: {} },
      bookings: { first: { student: 'bob', gig: 'ana.es', startsInHours: 30, minutes: 60 } },
    });
    const gigId = s.teachers.ana.gigs.es.id;
    const at = (hours: number) => new Date(START.getTime() + hours * HOUR_MS);
    expect(
      await errorOf(
        container.services.bookings.create(s.admin, {
          studentId: s.students.cy.id,
          gigId,
          startsAt: at(0.5),
          minutes: 60,
        }),
      ),
    ).toMatchObject({ code: 'VALIDATION' });
    expect(
      await errorOf(
        container.services.bookings.create(s.admin, {
          studentId: s.students.cy.id,
          gigId,
          startsAt: at(30.5),
          minutes: 30,
        }),
      ),
    ).toMatchObject({ code: 'OVERLAP' });
    // Back to back is not an overlap.
    const next = await container.services.bookings.create(s.admin, {
      studentId: s.students.cy.id,
      gigId,
      startsAt: at(31),
      minutes: 30,
    });
    expect(next.status).toBe('PENDING');
    // A declined booking frees its slot.
    await container.services.bookings.decline(s.admin, { id: s.bookings.first.id, reason: 'teacher ill' });
    expect(
      (
        await container.services.bookings.create(s.admin, {
          studentId: s.students.cy.id,
          gigId,
          startsAt: at(30),
          minutes: 60,
        })
      ).status,
    ).toBe('PENDING');
    // The teacher as a student of their own gig (same person, same email).
    const teacher = await container.services.people.getTeacher(s.admin, { id: s.teachers.ana.id });
    const self = await container.db.prisma.student.create({ data: { email: teacher.email, name: teacher.name } });
    expect(
      await errorOf(
        container.services.bookings.create(s.admin, { studentId: self.id, gigId, startsAt: at(60), minutes: 60 }),
      ),
    ).toMatchObject({
      code: 'GUARD_FAILED',
      message: expect.stringContaining('own gig') as string,
    });
  });

  it('R11/R12: the teacher or an admin confirms or declines; others are refused with the reason', async () => {
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT', fin: 'FINANCE' },
      teachers: { ana: { gigs: { es: { rate: 4000 } } }, ben: {} },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' }, b: { student: 'bob', gig: 'ana.es' } },
    });
    const a = s.bookings.a;
    expect(await errorOf(container.services.bookings.confirm(s.staff.sue, { id: a.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await errorOf(container.services.bookings.confirm(s.staff.fin, { id: a.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(
      await errorOf(container.services.bookings.confirm({ kind: 'TEACHER', id: s.teachers.ben.id }, { id: a.id })),
    ).toMatchObject({
      // R50: another teacher's booking is answered as absent.
      code: 'NOT_FOUND',
      message: `Booking ${a.id} does not exist`,
    });
    const confirmed = await container.services.bookings.confirm(
      { kind: 'TEACHER', id: s.teachers.ana.id },
      { id: a.id },
    );
    expect(confirmed).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'UNPAID', version: 2 });

    expect(
      await errorOf(container.services.bookings.decline(s.admin, { id: s.bookings.b.id, reason: '   ' })),
    ).toMatchObject({ code: 'VALIDATION' });
    const declined = await container.services.bookings.decline(s.admin, {
      id: s.bookings.b.id,
      reason: 'Teacher on holiday',
    });
    expect(declined).toMatchObject({ status: 'CANCELLED', cancelReason: 'Teacher on holiday' });
    expect(await errorOf(container.services.bookings.confirm(s.admin, { id: s.bookings.b.id }))).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: `Booking ${s.bookings.b.id} is CANCELLED; only PENDING bookings can be confirmed`,
    });
    const detail = await container.services.bookings.get(s.admin, { id: s.bookings.b.id });
    expect(detail.transitions.map((t) => [t.action, t.fromStatus, t.toStatus, t.actorRole, t.reason])).toEqual([
      ['create', null, 'PENDING', 'ADMIN', null],
      ['decline', 'PENDING', 'CANCELLED', 'ADMIN', 'Teacher on holiday'],
    ]);
  });

  it('R13: support cancels unpaid bookings; an open intent is queued for cancellation at Stripe; paid ones are refused', async () => {
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT' },
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: {
        pending: { student: 'bob', gig: 'ana.es' },
        paying: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/PENDING' },
        paid: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/PAID' },
      },
    });
    const sue = s.staff.sue;
    expect(
      (await container.services.bookings.cancel(sue, { id: s.bookings.pending.id, reason: 'student asked' })).status,
    ).toBe('CANCELLED');
    const cancelled = await container.services.bookings.cancel(sue, {
      id: s.bookings.paying.id,
      reason: 'student asked',
    });
    // The open payment is cancelled with it, through the payment table; its intent goes via the outbox.
    expect(cancelled).toMatchObject({ status: 'CANCELLED', paymentStatus: 'UNPAID' });
    const detail = await container.services.bookings.get(sue, { id: cancelled.id });
    expect(detail.notifications.map((n) => n.kind)).toContain('stripe.cancel_intent');
    const [payment] = await container.uow.read.payments.forBooking(cancelled.id);
    expect(payment?.status).toBe('CANCELED');
    expect(
      (await container.uow.read.transitions.forAggregate('payment', payment?.id ?? 0)).map((t) => t.action),
    ).toEqual(['create', 'cancel']);
    const paid = await errorOf(container.services.bookings.cancel(s.admin, { id: s.bookings.paid.id, reason: 'x' }));
    expect(paid).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringContaining('payment PAID') as string,
    });
  });

  it('R14: a successful payment queues the meeting and both emails exactly once', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { paid: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/PAID' } },
    });
    const detail = await container.services.bookings.get(s.admin, { id: s.bookings.paid.id });
    const keys = detail.notifications.map((n) => n.key);
    expect(keys.filter((key) => key.endsWith('meeting:create'))).toHaveLength(1);
    expect(
      detail.notifications
        .filter((n) => (n.payload as { template?: string }).template === 'payment_received')
        .map((n) => (n.payload as { to: string }).to)
        .sort(),
    ).toEqual(['student', 'teacher']);
    expect(detail.booking).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'PAID' });
  });

  it('R16: the system cancels confirmed unpaid bookings once the payment window closes', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: {
        pending: { student: 'bob', gig: 'ana.es', startsInHours: 1, minutes: 30 },
        unpaid: { student: 'bob', gig: 'ana.es', startsInHours: 2, minutes: 30, state: 'CONFIRMED/UNPAID' },
        paid: { student: 'bob', gig: 'ana.es', startsInHours: 2.5, minutes: 30, state: 'CONFIRMED/PAID' },
        failed: { student: 'bob', gig: 'ana.es', startsInHours: 3, minutes: 30, state: 'CONFIRMED/FAILED' },
        later: { student: 'bob', gig: 'ana.es', startsInHours: 10, minutes: 30, state: 'CONFIRMED/UNPAID' },
      },
    });
    clock.set(new Date(START.getTime() + 3 * HOUR_MS - 15 * MINUTE_MS));
    const result = await container.services.bookings.expireUnpaid();
    expect(result.done.sort()).toEqual([s.bookings.unpaid.id, s.bookings.failed.id].sort());
    const unpaid = await container.services.bookings.get(s.admin, { id: s.bookings.unpaid.id });
    expect(unpaid.booking).toMatchObject({ status: 'CANCELLED', cancelReason: 'payment_not_received' });
    expect(unpaid.transitions.at(-1)).toMatchObject({
      action: 'expire_payment_window',
      actorKind: 'SYSTEM',
      actorRole: 'SYSTEM',
      reason: 'payment_not_received',
    });
    for (const name of ['later', 'pending', 'paid'] as const) {
      expect((await container.services.bookings.get(s.admin, { id: s.bookings[name].id })).booking.status).not.toBe(
        'CANCELLED',
      );
    }
  });

  it('R17: admin completes after the end; the system 24 h after; never before the end', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: {
        a: { student: 'bob', gig: 'ana.es', startsInHours: 2, state: 'CONFIRMED/PAID' },
        b: { student: 'bob', gig: 'ana.es', startsInHours: 4, state: 'CONFIRMED/PAID' },
      },
    });
    expect(await errorOf(container.services.bookings.complete(s.admin, { id: s.bookings.a.id }))).toMatchObject({
      code: 'GUARD_FAILED',
    });
    clock.set(new Date(START.getTime() + 3 * HOUR_MS));
    expect((await container.services.bookings.complete(s.admin, { id: s.bookings.a.id })).status).toBe('COMPLETED');
    clock.set(new Date(START.getTime() + 5 * HOUR_MS + 23 * HOUR_MS));
    expect((await container.services.bookings.autoComplete()).done).not.toContain(s.bookings.b.id);
    clock.set(new Date(START.getTime() + 5 * HOUR_MS + 24 * HOUR_MS));
    expect((await container.services.bookings.autoComplete()).done).toContain(s.bookings.b.id);
  });

  it('two staff acting on one booking at once: exactly one wins, the other gets a clear conflict', async () => {
    const s = await buildScenario(container, {
      staff: { ann: 'ADMIN', amy: 'ADMIN' },
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' }, b: { student: 'bob', gig: 'ana.es' } },
    });
    const version = s.bookings.a.version;
    const results = await Promise.allSettled([
      container.services.bookings.confirm(s.staff.ann, { id: s.bookings.a.id, expectedVersion: version }),
      container.services.bookings.decline(s.staff.amy, {
        id: s.bookings.a.id,
        reason: 'slot taken',
        expectedVersion: version,
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const rejected = results.find((r) => r.status === 'rejected');
    expect(rejected?.reason).toMatchObject({
      code: 'CONFLICT',
      message: expect.stringContaining('changed by someone else') as string,
    });
    const detail = await container.services.bookings.get(s.admin, { id: s.bookings.a.id });
    expect(detail.transitions).toHaveLength(2);
    expect(detail.booking.version).toBe(2);

    // Without a version: still exactly one transition; the loser is told why.
    const race = await Promise.allSettled([
      container.services.bookings.confirm(s.staff.ann, { id: s.bookings.b.id }),
      container.services.bookings.confirm(s.staff.amy, { id: s.bookings.b.id }),
    ]);
    expect(race.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const loser = race.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(['CONFLICT', 'ILLEGAL_TRANSITION']).toContain((loser.reason as DomainError).code);
    expect((await container.services.bookings.get(s.admin, { id: s.bookings.b.id })).transitions).toHaveLength(2);
  });

  it('two overlapping creations at once: exactly one is booked', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {}, cy: {} },
    });
    const startsAt = new Date(START.getTime() + 72 * HOUR_MS);
    const gigId = s.teachers.ana.gigs.es.id;
    const results = await Promise.allSettled([
      container.services.bookings.create(s.admin, { studentId: s.students.bob.id, gigId, startsAt, minutes: 60 }),
      container.services.bookings.create(s.admin, {
        studentId: s.students.cy.id,
        gigId,
        startsAt: new Date(startsAt.getTime() + 30 * MINUTE_MS),
        minutes: 60,
      }),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason).toMatchObject({
      code: 'OVERLAP',
    });
  });

  it('a failure late in a use case rolls everything back: no booking, transition, outbox or audit row', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
    });
    // The real repositories, with the audit store failing after everything else was written.
    const failingUow: UnitOfWork = {
      read: container.uow.read,
      transaction: (work) =>
        container.db.prisma.$transaction((tx) => {
          const repos = repositoriesFor(tx);
          return work({ ...repos, audit: { ...repos.audit, append: () => Promise.reject(new Error('disk full')) } });
        }),
    };
    const services = createServices({ uow: failingUow, clock }, container.integrations);
    const before = await countRows();
    await expect(
      services.bookings.create(s.admin, {
        studentId: s.students.bob.id,
        gigId: s.teachers.ana.gigs.es.id,
        startsAt: new Date(START.getTime() + 50 * HOUR_MS),
        minutes: 60,
      }),
    ).rejects.toThrow('disk full');
    expect(await countRows()).toEqual(before);
  });

  it('transition records are append-only in the database itself', async () => {
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 4000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es' } },
    });
    const id = s.bookings.a.id;
    await expect(
      container.db.prisma.$executeRaw`UPDATE "BookingTransition" SET reason = 'edited' WHERE "bookingId" = ${id}`,
    ).rejects.toThrow(/append-only/);
    await expect(
      container.db.prisma.$executeRaw`DELETE FROM "BookingTransition" WHERE "bookingId" = ${id}`,
    ).rejects.toThrow(/append-only/);
  });

  it('queues: keyset pages cover every row once, in order; search by name and by id; counts', async () => {
    const s = await buildScenario(container, {
      teachers: { quinn: { gigs: { fr: { rate: 3000, currency: 'EUR', language: 'French' } } } },
      students: { zelda: {}, yuri: {} },
      bookings: Object.fromEntries(
        Array.from({ length: 7 }, (_, index) => [
          `b${index}`,
          { student: index % 2 ? 'zelda' : 'yuri', gig: 'quinn.fr', startsInHours: 500 + index * 2 },
        ]),
      ),
    });
    const teacherId = s.teachers.quinn.id;
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await container.services.bookings.list(s.admin, {
        queue: 'AWAITING_CONFIRMATION',
        teacherId,
        limit: 3,
        cursor,
      });
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const created = Object.values(s.bookings);
    expect(seen).toEqual(created.map((b) => b.id));
    // Timestamps read by the queue query (driver path) equal those the booking itself has (Prisma path).
    const firstPage = await container.services.bookings.list(s.admin, {
      queue: 'AWAITING_CONFIRMATION',
      teacherId,
      limit: 3,
    });
    for (const item of firstPage.items) {
      const own = await container.services.bookings.get(s.admin, { id: item.id });
      expect(item.startsAt.toISOString()).toBe(own.booking.startsAt.toISOString());
      expect(item.createdAt.toISOString()).toBe(own.booking.createdAt.toISOString());
    }
    const descending = await container.services.bookings.list(s.admin, { teacherId, sort: '-startsAt', limit: 100 });
    expect(descending.items.map((b) => b.id)).toEqual([...seen].reverse());
    const byName = await container.services.bookings.list(s.admin, { search: 'zeld', teacherId, limit: 100 });
    expect(byName.items).toHaveLength(3);
    expect(byName.items.every((item) => item.studentName === 'zelda')).toBe(true);
    const target = created[4]?.id ?? 0;
    const byId = await container.services.bookings.list(s.admin, { search: `#${target}`, limit: 100 });
    expect(byId.items.map((b) => b.id)).toContain(target);
    const counts = await container.services.bookings.counts(s.admin, {});
    expect(counts.AWAITING_CONFIRMATION).toBeGreaterThanOrEqual(7);
    await expect(container.services.bookings.list(s.admin, { cursor: 'garbage' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });

  it('R4: changing the fee settings prices new bookings only', async () => {
    const s = await buildScenario(container, {
      staff: { fin: 'FINANCE' },
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { before: { student: 'bob', gig: 'ana.es', minutes: 90 } },
    });
    expect(await errorOf(container.services.settings.update(s.staff.fin, { feeRateBps: 1000 }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect(await errorOf(container.services.settings.update(s.admin, { feeRateBps: 10.5 }))).toMatchObject({
      code: 'VALIDATION',
    });
    await container.services.settings.update(s.admin, { feeRateBps: 1000 });
    try {
      const after = await container.services.bookings.create(s.admin, {
        studentId: s.students.bob.id,
        gigId: s.teachers.ana.gigs.es.id,
        startsAt: new Date(START.getTime() + 300 * HOUR_MS),
        minutes: 90,
      });
      expect(after).toMatchObject({ feeMinor: 750, totalMinor: 8250, feeRateBps: 1000 });
      const before = await container.services.bookings.get(s.admin, { id: s.bookings.before.id });
      expect(before.booking).toMatchObject({ feeMinor: 375, totalMinor: 7875, feeRateBps: 500 });
    } finally {
      await container.services.settings.update(s.admin, { feeRateBps: 500 });
    }
  });
});
