import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock } from '../../src/main/domain/clock';
import { loadDemoData, type DemoResult } from '../../src/main/seed/demo';
import { openTestContainer } from '../support/test-db';

const NOW = new Date('2026-12-01T00:00:00Z');

/**
 * Issue 10, point 7: the demo set of a fresh database is made through the product's own paths, so
 * every demo booking behaves like a real one — its payment has its Stripe objects, its meeting was
 * created, its emails were sent — and reconciliation with (the local) Stripe finds nothing to report.
 */
describe('the demo set', () => {
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let container: Container;
  let result: DemoResult;

  beforeAll(async () => {
    database = await openTestContainer('pglite', fixedClock(NOW));
    container = database.container;
    result = await loadDemoData(container, { bookings: 60, seed: 1, now: NOW });
  }, 600_000);
  afterAll(async () => database.dispose());

  it('is made without a refused step, in every state a booking can end in', async () => {
    expect(result.problems).toEqual([]);
    expect(result.bookings).toBe(60);
    const states = await container.db.prisma.booking.groupBy({ by: ['status'], _count: true });
    expect(states.map((row) => row.status).sort()).toEqual(
      expect.arrayContaining(['CANCELLED', 'COMPLETED', 'CONFIRMED']) as string[],
    );
  });

  it('reconciliation with Stripe finds zero mismatches, and the ledger balances (R46)', async () => {
    const report = await container.services.reconciliation.run();
    expect(report.errors).toEqual([]);
    expect(report.mismatches).toBe(0);
    expect(report.checked).toBeGreaterThan(0);
    expect(await container.db.prisma.reconciliationMismatch.count()).toBe(0);
    expect(await container.services.ledger.check.now()).toEqual({ ok: true, problems: [] });
  });

  it('every paid booking has its Stripe payment, its meeting (never "being created") and both emails', async () => {
    const paid = await container.db.prisma.booking.findMany({
      where: { paymentStatus: { in: ['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'] } },
      include: { payments: true },
    });
    expect(paid.length).toBeGreaterThan(0);
    for (const booking of paid) {
      const payment = booking.payments.find((row) => !['FAILED', 'CANCELED'].includes(row.status));
      expect(payment?.stripePaymentIntentId, `booking ${booking.id}`).toMatch(/^pi_/);
      const meeting = await container.db.prisma.meeting.findUnique({ where: { bookingId: booking.id } });
      expect(meeting, `booking ${booking.id} meeting`).not.toBeNull();
      expect(await container.db.prisma.sentEmail.count({ where: { bookingId: booking.id } })).toBeGreaterThanOrEqual(2);
    }
    // Nothing is left undelivered: no meeting or email waits in the outbox.
    expect(await container.db.prisma.outboxMessage.count({ where: { status: { not: 'DELIVERED' } } })).toBe(0);
  });
});
