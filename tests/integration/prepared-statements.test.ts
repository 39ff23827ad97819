import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { HOUR_MS } from '../../src/main/domain/clock';
import { openTestContainer } from '../support/test-db';

/**
 * On PostgreSQL the app's statements are prepared once per connection. Another host's migration
 * that adds columns must not break them: PostgreSQL refuses a prepared statement whose result type
 * changed ("cached plan must not change result type"), so statements are either written with their
 * columns named or left unprepared.
 */
describe('prepared statements on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;
  const admin = { kind: 'STAFF' as const, id: 1, role: 'ADMIN' as const };

  beforeAll(async () => {
    database = await openTestContainer('postgres', systemClock);
    container = database.container;
    await container.services.staff.ensureFirstAdmin({ email: 'admin@ops.test', password: 'a long admin password' });
  });
  afterAll(async () => {
    await database.dispose();
  });

  async function seedFlow(index: number) {
    const { services } = container;
    const teacher = await services.people.create(admin, {
      kind: 'teacher',
      email: `teacher${index}@prepared.test`,
      name: `Teacher ${index}`,
    });
    const gig = await services.people.createGig(admin, {
      teacherId: teacher.id,
      title: 'Spanish',
      language: 'Spanish',
      hourlyRateMinor: 5000,
      currency: 'USD',
    });
    const student = await services.people.create(admin, {
      kind: 'student',
      email: `student${index}@prepared.test`,
      name: `Student ${index}`,
    });
    const card = await services.payments.attachMethod(admin, {
      studentId: student.id,
      paymentMethodId: 'pm_card_visa',
    });
    const booking = await services.bookings.create(admin, {
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + 72 * HOUR_MS + index * 3 * HOUR_MS),
      minutes: 60,
    });
    await services.bookings.confirm({ kind: 'TEACHER', id: teacher.id }, { id: booking.id });
    const intent = await services.payments.createIntent(admin, {
      bookingId: booking.id,
      paymentMethodId: card.paymentMethodId,
    });
    const paid = await services.payments.confirm(admin, { paymentIntentId: intent.paymentIntentId });
    await container.outbox.drain();
    const view = await container.uow.read.bookings.partyView(booking.id);
    const queue = await container.uow.read.bookings.list({ sort: 'startsAt', limit: 20, now: new Date() });
    return { paid, view, queue, bookingId: booking.id };
  }

  it('keeps working on its open connections after another host adds columns', async () => {
    // Run every path several times so its statements are prepared on the pooled connections.
    for (let index = 0; index < 3; index += 1) {
      const first = await seedFlow(index);
      expect(first.paid.status).toBe('PAID');
      expect(first.view?.status).toBe('CONFIRMED');
    }
    const other = new pg.Client({ connectionString: (container.db.target as { url: string }).url });
    await other.connect();
    try {
      for (const table of [
        'Booking',
        'Payment',
        'OutboxMessage',
        'Student',
        'Teacher',
        'DomainEventLog',
        'AuthSession',
      ])
        await other.query(`ALTER TABLE "${table}" ADD COLUMN "addedByAnotherHost" integer`);
    } finally {
      await other.end();
    }
    for (let index = 3; index < 6; index += 1) {
      const after = await seedFlow(index);
      expect(after.paid.status).toBe('PAID');
      expect(after.view).toMatchObject({ id: after.bookingId, status: 'CONFIRMED', paymentStatus: 'PAID' });
      expect(after.queue.length).toBeGreaterThan(0);
    }
    // The outbox read each booking's context and delivered its meeting and emails, none failing.
    expect(await container.uow.read.outboxWork.failures(10)).toEqual([]);
  });
});
