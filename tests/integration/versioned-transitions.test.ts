import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock, type Container } from '../../src/main/container';
import { lifecycleRecord } from '../../src/main/services/lifecycle/records';
import { buildScenario, SYSTEM } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';

/**
 * A payment's transition is one versioned write (the repositories' `applyTransition`): the row comes
 * back from the UPDATE itself, and a writer holding an older version changes nothing and gets null
 * (the service turns that into CONFLICT). On both databases.
 */
describe.each(DB_KINDS)('versioned payment transitions on %s', (kind) => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;

  beforeAll(async () => {
    database = await openTestContainer(kind, systemClock);
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
  });

  async function pendingPayment() {
    const s = await buildScenario(container, {
      teachers: { tess: { gigs: { spanish: { rate: 5000 } } } },
      students: { sam: {} },
      bookings: { lesson: { student: 'sam', gig: 'tess.spanish', state: 'CONFIRMED/PENDING' } },
    });
    const [payment] = await container.uow.read.payments.forBooking(s.bookings.lesson.id);
    if (!payment) throw new Error('the scenario made no payment');
    return payment;
  }

  it('returns the written row, or null for an older version without writing anything', async () => {
    const payment = await pendingPayment();
    const now = new Date();
    const record = (to: string) =>
      lifecycleRecord(SYSTEM, 'fail', payment.status, to, now, { bookingId: payment.bookingId });
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
