import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { HOUR_MS } from '../../src/main/domain/clock';
import { lifecycleRecord } from '../../src/main/services/lifecycle/records';
import { openTestContainer, type DbKind } from '../support/test-db';

/**
 * A payment's transition is one versioned write (the repositories' `applyTransition`): the row comes
 * back from the UPDATE itself, and a writer holding an older version changes nothing and gets null
 * (the service turns that into CONFLICT). On both databases.
 */
describe.each<DbKind>(['pglite', 'postgres'])('versioned payment transitions on %s', (kind) => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;
  const admin = { kind: 'STAFF' as const, id: 1, role: 'ADMIN' as const };

  beforeAll(async () => {
    database = await openTestContainer(kind, systemClock);
    container = database.container;
    await container.services.staff.ensureFirstAdmin({ email: 'admin@ops.test', password: 'a long admin password' });
  });
  afterAll(async () => {
    await database.dispose();
  });

  async function pendingPayment() {
    const { services } = container;
    const teacher = await services.people.create(admin, {
      kind: 'teacher',
      email: 'teacher@versioned.test',
      name: 'T',
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
      email: 'student@versioned.test',
      name: 'S',
    });
    const booking = await services.bookings.create(admin, {
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(Date.now() + 72 * HOUR_MS),
      minutes: 60,
    });
    await services.bookings.confirm({ kind: 'TEACHER', id: teacher.id }, { id: booking.id });
    const intent = await services.payments.createIntent(admin, { bookingId: booking.id });
    const payment = await container.uow.read.payments.findById(intent.paymentId);
    if (!payment) throw new Error('no payment');
    return payment;
  }

  it('returns the written row, or null for an older version without writing anything', async () => {
    const payment = await pendingPayment();
    const now = new Date();
    const record = (to: string) =>
      lifecycleRecord(admin, 'fail', payment.status, to, now, { bookingId: payment.bookingId });
    const before = await container.uow.read.transitions.forAggregate('payment', payment.id);

    const stale = await container.uow.transaction((repos) =>
      repos.payments.applyTransition(
        payment.id,
        payment.version - 1,
        'FAILED',
        { lastError: 'stale', updatedAt: now },
        record('FAILED'),
      ),
    );
    expect(stale).toBeNull();
    expect(await container.uow.read.payments.findById(payment.id)).toEqual(payment);

    const written = await container.uow.transaction((repos) =>
      repos.payments.applyTransition(
        payment.id,
        payment.version,
        'FAILED',
        { lastError: 'declined', updatedAt: now },
        record('FAILED'),
      ),
    );
    expect(written).toMatchObject({
      id: payment.id,
      status: 'FAILED',
      lastError: 'declined',
      version: payment.version + 1,
    });
    expect(written).toEqual(await container.uow.read.payments.findById(payment.id));
    const after = await container.uow.read.transitions.forAggregate('payment', payment.id);
    expect(after.length - before.length).toBe(1); // only the write that happened is on record
  });
});
