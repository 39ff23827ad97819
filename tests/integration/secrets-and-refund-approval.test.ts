import { TRPCError } from '@trpc/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { signedInCaller } from '../support/callers';
import { openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return (error.cause as { code?: string } | undefined)?.code ?? error.code;
    return (error as { code: string }).code;
  }
  throw new Error('expected a refusal');
}

/** Issue 10, point 6 (R34): secrets by role, and an approval that cannot be carried out. */
describe('secrets by role and refund approvals that cannot be carried out', () => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;
  let callers: Record<'ADMIN' | 'FINANCE' | 'SUPPORT', Awaited<ReturnType<typeof signedInCaller>>>;

  beforeAll(async () => {
    await stripe.start();
    database = await openTestContainer('pglite', clock, { integrations: { sandboxes: { stripe } } });
    container = database.container;
    await signIn();
  });
  /** Sessions last 12 hours: after moving the clock past a session's end, everyone signs in again. */
  async function signIn() {
    callers = {
      ADMIN: await signedInCaller(container, 'ADMIN'),
      FINANCE: await signedInCaller(container, 'FINANCE'),
      SUPPORT: await signedInCaller(container, 'SUPPORT'),
    };
  }
  afterAll(async () => {
    await database.dispose();
    await stripe.stop();
  });

  /** A paid 1-hour booking ($50 + fee) whose meeting exists. */
  async function paidBooking(tag: string) {
    const admin = callers.ADMIN.caller;
    const teacher = await admin.people.create({ kind: 'teacher', email: `t-${tag}@secrets.test`, name: 'Tea' });
    const student = await admin.people.create({ kind: 'student', email: `s-${tag}@secrets.test`, name: 'Stu' });
    const gig = await admin.gigs.create({
      teacherId: teacher.id,
      title: 'Italian',
      language: 'Italian',
      hourlyRateMinor: 5000,
      currency: 'USD',
    });
    const booking = await admin.bookings.create({
      studentId: student.id,
      gigId: gig.id,
      startsAt: new Date(clock.now().getTime() + 30 * HOUR_MS),
      minutes: 60,
    });
    await admin.bookings.confirm({ id: booking.id });
    const method = await admin.payments.attachMethod({ studentId: student.id, paymentMethodId: 'pm_card_visa' });
    const intent = await admin.payments.createIntent({
      bookingId: booking.id,
      paymentMethodId: method.paymentMethodId,
    });
    await admin.payments.confirm({ paymentIntentId: intent.paymentIntentId });
    await container.outbox.drain();
    return { bookingId: booking.id, paymentId: intent.paymentId, intentId: intent.paymentIntentId };
  }

  it('R34: the Zoom host link and the meeting password reach ADMIN only (SUPPORT and FINANCE get the join link)', async () => {
    const { bookingId } = await paidBooking('meeting');
    const asAdmin = await callers.ADMIN.caller.bookings.get({ id: bookingId });
    expect(asAdmin.meeting).toMatchObject({
      joinUrl: expect.stringMatching(/^http/) as string,
      startUrl: expect.stringMatching(/zak=/) as string,
      password: expect.any(String) as string,
    });
    const secrets = [asAdmin.meeting?.startUrl ?? '', asAdmin.meeting?.password ?? ''];
    expect(secrets.every((secret) => secret.length > 0)).toBe(true);
    for (const role of ['SUPPORT', 'FINANCE'] as const) {
      const { caller } = callers[role];
      const detail = await caller.bookings.get({ id: bookingId });
      expect(detail.meeting).toMatchObject({ joinUrl: asAdmin.meeting?.joinUrl, startUrl: null, password: null });
      expect(detail.meetingJoinUrl).toBe(asAdmin.meetingJoinUrl);
      // Nowhere else in what this role reads about the booking either.
      const everything = JSON.stringify([
        detail,
        await caller.bookings.list({ search: `#${bookingId}` }),
        await caller.people.student({ id: detail.studentId }),
        await caller.people.teacher({ id: detail.teacherId }),
        await caller.audit.list({ entity: 'Booking', entityId: String(bookingId) }),
      ]);
      for (const secret of secrets) expect(everything, role).not.toContain(secret);
    }
  });

  it('system.integrations (masked credentials) needs the secrets permission: FINANCE and SUPPORT are refused', async () => {
    expect(await callers.ADMIN.caller.system.integrations()).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: expect.any(String) as string })]),
    );
    expect(await codeOf(callers.FINANCE.caller.system.integrations())).toBe('FORBIDDEN');
    expect(await codeOf(callers.SUPPORT.caller.system.integrations())).toBe('FORBIDDEN');
  });

  it('an approval that cannot be carried out (Stripe already refunded it in its dashboard) saves nothing', async () => {
    const { bookingId, paymentId, intentId } = await paidBooking('refund');
    clock.advance(32 * HOUR_MS);
    await signIn();
    await callers.ADMIN.caller.bookings.complete({ id: bookingId });
    const request = await callers.SUPPORT.caller.refunds.request({ paymentId, amountMinor: 3000, reason: 'late' });
    // Someone refunds the whole payment in Stripe's dashboard; reconciliation lists the difference.
    const refundAtStripe = await fetch(`${stripe.url}/v1/refunds`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stripe.apiKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ payment_intent: intentId }).toString(),
    });
    expect(refundAtStripe.status).toBe(200);
    const report = await container.services.reconciliation.run();
    expect(report.mismatches).toBeGreaterThan(0);
    const refundPosts = () => stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds').length;
    const before = {
      posts: refundPosts(),
      transitions: await container.db.prisma.lifecycleTransition.count(),
      audit: await container.db.prisma.auditLog.count(),
      outbox: await container.db.prisma.outboxMessage.count(),
    };
    // Before the fix the approval was recorded, Stripe refused the refund, and the request ended FAILED.
    const refused = await callers.FINANCE.caller.refunds.approve({ id: request.id }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).message).toMatch(/cannot be carried out yet: reconciliation found that payment/);
    expect(await container.uow.read.refunds.find(request.id)).toMatchObject({
      status: 'REQUESTED',
      firstApproverId: null,
    });
    expect({
      posts: refundPosts(),
      transitions: await container.db.prisma.lifecycleTransition.count(),
      audit: await container.db.prisma.auditLog.count(),
      outbox: await container.db.prisma.outboxMessage.count(),
    }).toEqual(before);
  });

  it('a payment never taken through Stripe: no refund request is filed, and none approved', async () => {
    const { bookingId, paymentId } = await paidBooking('nostripe');
    clock.advance(32 * HOUR_MS);
    await signIn();
    await callers.ADMIN.caller.bookings.complete({ id: bookingId });
    // As the old demo data had it: a paid payment with no Stripe objects behind it.
    await container.db.prisma.payment.update({ where: { id: paymentId }, data: { stripePaymentIntentId: null } });
    const refused = await callers.SUPPORT.caller.refunds
      .request({ paymentId, amountMinor: 1000, reason: 'x' })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCError);
    expect((refused as TRPCError).message).toBe(
      `Payment ${paymentId} was never taken through Stripe, so there is nothing to refund there`,
    );
    expect(await container.db.prisma.refundRequest.count({ where: { paymentId } })).toBe(0);
  });
});
