import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { DAY_MS, fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import type { DomainError } from '../../src/main/domain/errors';
import { pollStripeEvents } from '../../src/main/jobs';
import { silentLogger } from '../../src/main/log';
import { SmtpSandbox } from '../../src/main/sandbox/smtp';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { ZoomSandbox } from '../../src/main/sandbox/zoom';
import { buildScenario } from '../factories/scenario';
import { DB_KINDS, openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a refusal');
}

/** R27–R29 against a local Stripe whose asynchronous refund outcomes the test releases itself. */
describe.each(DB_KINDS)('refund outcomes and idempotency as Stripe keeps it, on %s', (kind) => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  const zoom = new ZoomSandbox();
  const smtp = new SmtpSandbox();
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    database = await openTestContainer(kind, clock, {
      integrations: { sandboxes: { stripe, zoom, smtp }, stripeTimeoutMs: 400, stripeRetries: 0 },
    });
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
  });

  /** A completed 1-hour $300 session (total $315) paid with `card`, ready for refunds. */
  async function completedAndPaid(card: string) {
    clock.set(START);
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT', fay: 'FINANCE', finn: 'FINANCE' },
      teachers: { ana: { gigs: { es: { rate: 30000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', minutes: 60, startsInHours: 30, state: 'CONFIRMED/UNPAID' } },
    });
    const id = s.bookings.a.id;
    const method = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: card,
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: method.paymentMethodId,
    });
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    clock.set(new Date(START.getTime() + 32 * HOUR_MS));
    await container.services.bookings.complete(s.admin, { id });
    return { s, id, paymentId: intent.paymentId, intentId: intent.paymentIntentId };
  }

  const payment = async (id: number) => container.uow.read.payments.findById(id);
  const booking = async (id: number) => (await container.uow.read.bookings.findById(id)) ?? undefined;
  const stripeRefunds = (intentId: string) =>
    stripe.snapshot().refunds.filter((refund) => refund['payment_intent'] === intentId);
  const refundPosts = () =>
    stripe.requests.filter((request) => request.method === 'POST' && request.path === '/v1/refunds');

  /** Files and approves a refund of `amountMinor` (one approver: below the four-eyes threshold). */
  async function refund(s: Awaited<ReturnType<typeof completedAndPaid>>['s'], paymentId: number, amountMinor: number) {
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor,
      reason: 'The session started 20 minutes late',
    });
    return container.services.refunds.approve(s.staff.fay, { id: request.id });
  }

  it('R27: a refund that succeeds and then fails (poller) is taken back: request FAILED with Stripe’s reason, payment and booking back, staff told', async () => {
    const { s, id, paymentId } = await completedAndPaid('pm_card_refundFail');
    const approved = await refund(s, paymentId, 5000);
    expect(approved).toMatchObject({ status: 'SUCCEEDED', attempt: 1 });
    expect(await payment(paymentId)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 5000 });
    expect(await booking(id)).toMatchObject({ status: 'COMPLETED', paymentStatus: 'PARTIALLY_REFUNDED' });
    expect(stripe.settleAsync()).toBeGreaterThan(0);
    await pollStripeEvents(container, silentLogger);
    const failed = await container.uow.read.refunds.find(approved.id);
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: expect.any(String) as string });
    expect(failed?.failureMessage).toContain('nothing was refunded');
    expect(await payment(paymentId)).toMatchObject({ status: 'PAID', refundedMinor: 0 });
    expect(await booking(id)).toMatchObject({ status: 'COMPLETED', paymentStatus: 'PAID' });
    const history = await container.uow.read.transitions.forAggregate('refund_request', approved.id);
    expect(history.map((row) => `${row.action}:${row.toState}`)).toEqual([
      'request:REQUESTED',
      'approve:APPROVED',
      'stripe_succeeded:SUCCEEDED',
      'stripe_failed:FAILED',
    ]);
    await container.outbox.drain();
    const told = smtp.messages.filter((mail) => mail.subject.startsWith(`Refund failed: booking #${id}`));
    // The requester and the approver, once each.
    expect(told.map((mail) => (mail.to[0] ?? '').split('-')[0]).sort()).toEqual(['fay', 'sue']);
    // Staff retry: a new refund with a new key, within what remains now.
    const retried = await container.services.refunds.process(s.staff.fay, { id: approved.id });
    expect(retried).toMatchObject({
      attempt: 2,
      idempotencyKey: `refund-request:${approved.id}:refund:2`,
      status: 'SUCCEEDED',
    });
    expect(retried.stripeRefundId).not.toBe(failed?.stripeRefundId);
    expect(await payment(paymentId)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 5000 });
  });

  it('R27/R29: the same failure seen only by reconciliation is applied the same way', async () => {
    const { s, id, paymentId } = await completedAndPaid('pm_card_refundFail');
    // Above the four-eyes threshold: two approvers.
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor: 31_500,
      reason: 'No show',
    });
    await container.services.refunds.approve(s.staff.fay, { id: request.id });
    const approved = await container.services.refunds.approve(s.staff.finn, { id: request.id });
    expect(approved.status).toBe('SUCCEEDED');
    expect(await booking(id)).toMatchObject({ status: 'REFUNDED', paymentStatus: 'REFUNDED' });
    stripe.settleAsync();
    const report = await container.services.reconciliation.run();
    expect(report.errors).toEqual([]);
    expect(await container.uow.read.refunds.find(approved.id)).toMatchObject({ status: 'FAILED' });
    expect(await payment(paymentId)).toMatchObject({ status: 'PAID', refundedMinor: 0 });
    expect(await booking(id)).toMatchObject({ status: 'COMPLETED', paymentStatus: 'PAID' });
    const mismatches = await container.services.reconciliation.list(s.admin, { status: 'OPEN' });
    expect(mismatches.filter((mismatch) => mismatch.paymentId === paymentId)).toEqual([]);
  });

  it('R18 + R27: a cancelled paid booking whose full refund fails stays cancelled; the payment shows the failed refund and asks for action', async () => {
    clock.set(START);
    const s = await buildScenario(container, {
      staff: { fay: 'FINANCE' },
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', state: 'CONFIRMED/UNPAID' } },
    });
    const id = s.bookings.a.id;
    const method = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_refundFail',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: method.paymentMethodId,
    });
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    const cancelled = await container.services.bookings.cancelPaid(s.admin, { id, reason: 'Teacher is ill' });
    expect(cancelled).toMatchObject({ status: 'CANCELLED', paymentStatus: 'REFUNDED' });
    // Whatever the outbox still had for this booking goes out first (under load it may lag).
    await container.outbox.drain();
    stripe.settleAsync();
    await pollStripeEvents(container, silentLogger);
    expect(await booking(id)).toMatchObject({ status: 'CANCELLED', paymentStatus: 'PAID' });
    expect(await payment(intent.paymentId)).toMatchObject({ status: 'PAID', refundedMinor: 0 });
    const detail = await container.services.bookings.get(s.staff.fay, { id });
    // Staff can act: file a new refund (or retry the failed one).
    expect(detail.actions).toContainEqual(expect.objectContaining({ action: 'request_refund', open: true }));
    const [failed] = await container.uow.read.refunds.list({ paymentId: intent.paymentId, limit: 5 });
    expect(failed).toMatchObject({ status: 'FAILED', source: 'cancel_paid' });
  });

  it('R27: a pending refund reserves its amount; payment and booking keep their state until it succeeds', async () => {
    const { s, id, paymentId } = await completedAndPaid('pm_card_pendingRefund');
    const pending = await refund(s, paymentId, 20_000);
    expect(pending.status).toBe('PENDING');
    expect(await payment(paymentId)).toMatchObject({ status: 'PAID', refundedMinor: 0 });
    expect(await booking(id)).toMatchObject({ status: 'COMPLETED', paymentStatus: 'PAID' });
    // $315 paid, $200 reserved by the pending refund: $115.01 more is refused before Stripe is called.
    const before = refundPosts().length;
    expect(
      await refusal(
        container.services.refunds.request(s.staff.sue, { paymentId, amountMinor: 11_501, reason: 'more' }),
      ),
    ).toMatchObject({ code: 'REFUND_EXCEEDS_REMAINING' });
    expect(refundPosts()).toHaveLength(before);
    stripe.settleAsync();
    await pollStripeEvents(container, silentLogger);
    expect(await container.uow.read.refunds.find(pending.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await payment(paymentId)).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 20_000 });
    expect(await booking(id)).toMatchObject({ status: 'COMPLETED', paymentStatus: 'PARTIALLY_REFUNDED' });
  });

  it('R28: a refund whose answer was lost — and whose lookup failed too — is found at Stripe and adopted after its key expired, never made twice', async () => {
    const { s, paymentId, intentId } = await completedAndPaid('pm_card_visa');
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor: 7000,
      reason: 'Audio problems',
    });
    stripe.faults.failNext(1, { kind: 'timeout-after' }); // Stripe refunds; the answer is lost
    stripe.faults.failNext(1, { kind: 'timeout-before' }); // and the lookup right after gets no answer
    const lost = await refusal(container.services.refunds.approve(s.staff.fay, { id: request.id }));
    expect(lost.code).toBe('INTEGRATION_FAILED');
    expect(await container.uow.read.refunds.find(request.id)).toMatchObject({
      status: 'APPROVED',
      stripeRefundId: null,
      submittedAt: expect.any(Date) as Date,
    });
    expect(stripeRefunds(intentId)).toHaveLength(1);
    clock.advance(25 * HOUR_MS); // Stripe has forgotten the key by now
    const settled = await container.services.refunds.process(s.staff.fay, { id: request.id });
    expect(settled).toMatchObject({ status: 'SUCCEEDED', stripeRefundId: stripeRefunds(intentId)[0]?.['id'] });
    expect(stripeRefunds(intentId)).toHaveLength(1);
    expect(refundPosts().filter((post) => post.idempotencyKey === request.idempotencyKey)).toHaveLength(1);
    expect(await payment(paymentId)).toMatchObject({ refundedMinor: 7000 });
  });

  it('R28: an intent created with its answer lost is adopted by metadata after the key expired: one intent, one charge', async () => {
    clock.set(START);
    const s = await buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', startsInHours: 72, state: 'CONFIRMED/UNPAID' } },
    });
    const id = s.bookings.a.id;
    const method = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const intentsBefore = stripe.snapshot().intents.length;
    stripe.faults.failNext(1, { kind: 'timeout-after' });
    stripe.faults.failNext(1, { kind: 'timeout-before' });
    expect(
      (
        await refusal(
          container.services.payments.createIntent(s.admin, { bookingId: id, paymentMethodId: method.paymentMethodId }),
        )
      ).code,
    ).toBe('INTEGRATION_FAILED');
    clock.advance(25 * HOUR_MS);
    const intent = await container.services.payments.createIntent(s.admin, { bookingId: id });
    expect(stripe.snapshot().intents.length).toBe(intentsBefore + 1);
    const paid = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(paid.status).toBe('PAID');
  });

  it('R28: two sends of the same refund at once (409 for the key in use) make one refund', async () => {
    const { s, paymentId, intentId } = await completedAndPaid('pm_card_visa');
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor: 3000,
      reason: 'Late start',
    });
    stripe.faults.failNext(1, { kind: 'slow', delayMs: 300 });
    const [approve, again] = await Promise.allSettled([
      container.services.refunds.approve(s.staff.fay, { id: request.id }),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => container.services.refunds.submit(request.id)),
    ]);
    expect(approve.status).toBe('fulfilled');
    expect(again.status).toBe('fulfilled');
    expect(stripeRefunds(intentId)).toHaveLength(1);
    expect(await container.uow.read.refunds.find(request.id)).toMatchObject({ status: 'SUCCEEDED' });
    expect(await payment(paymentId)).toMatchObject({ refundedMinor: 3000 });
  });

  it('R28: a 500 answer to a refund is final for its key: FAILED with the reason, and a retry is a new key', async () => {
    const { s, paymentId, intentId } = await completedAndPaid('pm_card_visa');
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor: 1000,
      reason: 'x',
    });
    stripe.faults.failNext(1, { kind: 'status', status: 500 });
    const failed = await container.services.refunds.approve(s.staff.fay, { id: request.id });
    expect(failed).toMatchObject({ status: 'FAILED', failureReason: expect.stringContaining('500') as string });
    expect(refundPosts().filter((post) => post.idempotencyKey === request.idempotencyKey)).toHaveLength(1);
    const retried = await container.services.refunds.process(s.staff.fay, { id: request.id });
    expect(retried).toMatchObject({ status: 'SUCCEEDED', attempt: 2 });
    expect(stripeRefunds(intentId)).toHaveLength(1);
    clock.advance(DAY_MS);
  });
});
