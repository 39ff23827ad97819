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

describe.each(DB_KINDS)('payments end to end against the sandboxes on %s', (kind) => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox();
  const zoom = new ZoomSandbox();
  const smtp = new SmtpSandbox();
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    await Promise.all([stripe.start(), zoom.start(), smtp.start()]);
    database = await openTestContainer(kind, clock, {
      integrations: { sandboxes: { stripe, zoom, smtp }, stripeTimeoutMs: 1500, stripeRetries: 1 },
    });
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
    await Promise.all([stripe.stop(), zoom.stop(), smtp.stop()]);
  });

  const paidBooking = () =>
    buildScenario(container, {
      teachers: { ana: { gigs: { es: { rate: 5000 } }, timezone: 'Europe/Madrid' } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', minutes: 90, state: 'PENDING/UNPAID' } },
    });
  /** A confirmed booking with a visa card attached and an intent created: ready to confirm. */
  async function readyToPay() {
    clock.set(START);
    const s = await paidBooking();
    const id = s.bookings.a.id;
    await container.services.bookings.confirm(s.admin, { id });
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: card.paymentMethodId,
    });
    return { s, id, card, intent };
  }

  const chargesFor = (intentId: string) =>
    stripe
      .snapshot()
      .charges.filter((charge) => charge['payment_intent'] === intentId && charge['status'] === 'succeeded');
  const mailsAbout = (bookingId: number) => smtp.messages.filter((mail) => mail.subject.includes(`#${bookingId}`));

  it('the seed’s whole flow: created, confirmed, card attached, intent for the right amount, paid, meeting and both emails — once each', async () => {
    clock.set(START);
    const s = await paidBooking();
    const id = s.bookings.a.id;
    await container.services.bookings.confirm({ kind: 'TEACHER', id: s.teachers.ana.id }, { id });
    const method = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    expect(method).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(method.paymentMethodId).toMatch(/^pm_/);
    expect(method.paymentMethodId).not.toBe('pm_card_visa');
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: method.paymentMethodId,
    });
    expect(intent).toMatchObject({ amountMinor: 7875, currency: 'USD', status: 'PENDING' });
    const stripeIntent = stripe.snapshot().intents.find((candidate) => candidate['id'] === intent.paymentIntentId);
    expect(stripeIntent).toMatchObject({ amount: 7875, currency: 'usd', metadata: { bookingId: String(id) } });
    const paid = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(paid).toMatchObject({ status: 'PAID', stripeStatus: 'succeeded' });
    await container.outbox.drain();
    await container.outbox.drain();
    const booking = await container.services.bookings.get(s.admin, { id });
    expect(booking.booking).toMatchObject({ status: 'CONFIRMED', paymentStatus: 'PAID' });
    expect(chargesFor(intent.paymentIntentId)).toHaveLength(1);
    const meeting = await container.uow.read.deliveries.findMeeting(id);
    expect(meeting?.joinUrl).toContain('/j/');
    expect([...zoom.meetings.values()].filter((candidate) => candidate.agenda.includes(`booking:${id}`))).toHaveLength(
      1,
    );
    const paidMails = mailsAbout(id).filter((mail) => mail.subject.includes('is paid'));
    expect(paidMails).toHaveLength(2);
    for (const mail of paidMails) {
      expect(mail.text).toContain(meeting?.joinUrl);
      expect(mail.html).toContain('<a href=');
    }
    expect(paidMails.map((mail) => mail.to[0]).sort()).toEqual([booking.student.email, booking.teacher.email].sort());
  });

  it('a declining card cannot be attached; a declined charge → FAILED; a retry with another card → PAID', async () => {
    clock.set(START);
    const s = await paidBooking();
    const id = s.bookings.a.id;
    await container.services.bookings.confirm(s.admin, { id });
    const declined = await refusal(
      container.services.payments.attachMethod(s.admin, {
        studentId: s.students.bob.id,
        paymentMethodId: 'pm_card_chargeDeclined',
      }),
    );
    expect(declined).toMatchObject({
      code: 'PAYMENT_DECLINED',
      message: expect.stringContaining('Your card was declined.') as string,
    });
    const failing = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_chargeCustomerFail',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: failing.paymentMethodId,
    });
    const first = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(first).toMatchObject({ status: 'FAILED', message: 'Your card was declined.' });
    expect((await container.services.bookings.get(s.admin, { id })).booking.paymentStatus).toBe('FAILED');
    const good = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_mastercard',
    });
    const second = await container.services.payments.confirm(s.admin, {
      paymentIntentId: intent.paymentIntentId,
      paymentMethodId: good.paymentMethodId,
    });
    expect(second.status).toBe('PAID');
    const detail = await container.services.payments.get(s.admin, { id: second.paymentId });
    expect(detail.attempts.map((attempt) => [attempt.status, attempt.declineCode])).toEqual([
      ['failed', 'generic_decline'],
      ['succeeded', null],
    ]);
    expect(chargesFor(intent.paymentIntentId)).toHaveLength(1);
  });

  it('3-D Secure: the payment waits for the student to authenticate, then an event settles it', async () => {
    clock.set(START);
    const s = await paidBooking();
    const id = s.bookings.a.id;
    await container.services.bookings.confirm(s.admin, { id });
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_authenticationRequired',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: card.paymentMethodId,
    });
    const pending = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(pending).toMatchObject({
      status: 'PENDING',
      stripeStatus: 'requires_action',
      message: 'Waiting for the student to authenticate (3-D Secure)',
    });
    const listed = await container.services.payments.list(s.admin, { status: 'REQUIRES_ACTION' });
    expect(listed.items.map((item) => item.id)).toContain(pending.paymentId);
    stripe.completeAuthentication(intent.paymentIntentId, true);
    await pollStripeEvents(container, silentLogger);
    expect((await container.services.bookings.get(s.admin, { id })).booking.paymentStatus).toBe('PAID');
  });

  it('double-submitted create-intent and confirm make one intent and one charge (R21)', async () => {
    clock.set(START);
    const s = await paidBooking();
    const id = s.bookings.a.id;
    await container.services.bookings.confirm(s.admin, { id });
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const [one, two] = await Promise.all([
      container.services.payments.createIntent(s.admin, { bookingId: id, paymentMethodId: card.paymentMethodId }),
      container.services.payments.createIntent(s.admin, { bookingId: id, paymentMethodId: card.paymentMethodId }),
    ]);
    expect(one.paymentIntentId).toBe(two.paymentIntentId);
    expect(one.paymentId).toBe(two.paymentId);
    const results = await Promise.allSettled([
      container.services.payments.confirm(s.admin, { paymentIntentId: one.paymentIntentId }),
      container.services.payments.confirm(s.admin, { paymentIntentId: one.paymentIntentId }),
    ]);
    expect(results.every((result) => result.status === 'fulfilled')).toBe(true);
    expect(chargesFor(one.paymentIntentId)).toHaveLength(1);
    expect((await container.uow.read.payments.findById(one.paymentId))?.status).toBe('PAID');
    // And once paid, asking for an intent again returns the same one (R21).
    expect((await container.services.payments.createIntent(s.admin, { bookingId: id })).paymentIntentId).toBe(
      one.paymentIntentId,
    );
  });

  async function completedAndPaid() {
    clock.set(START);
    const s = await buildScenario(container, {
      staff: { sue: 'SUPPORT', fay: 'FINANCE', finn: 'FINANCE', ada: 'ADMIN' },
      teachers: { ana: { gigs: { es: { rate: 30000 } } } },
      students: { bob: {} },
      bookings: { a: { student: 'bob', gig: 'ana.es', minutes: 60, startsInHours: 30, state: 'PENDING/UNPAID' } },
    });
    const id = s.bookings.a.id;
    await container.services.bookings.confirm(s.admin, { id });
    const card = await container.services.payments.attachMethod(s.admin, {
      studentId: s.students.bob.id,
      paymentMethodId: 'pm_card_visa',
    });
    const intent = await container.services.payments.createIntent(s.admin, {
      bookingId: id,
      paymentMethodId: card.paymentMethodId,
    });
    const paid = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    clock.set(new Date(START.getTime() + 32 * HOUR_MS));
    await container.services.bookings.complete(s.admin, { id });
    return { s, id, intent, paymentId: paid.paymentId };
  }

  it('refunds: filed by support, approved by someone else; two approvers at once make one refund; more than remains is refused before Stripe', async () => {
    const { s, id, intent, paymentId } = await completedAndPaid();
    const requestsBefore = stripe.requests.filter((request) => request.path === '/v1/refunds').length;
    const tooMuch = await refusal(
      container.services.refunds.request(s.staff.sue, { paymentId, amountMinor: 31_501, reason: 'too much' }),
    );
    expect(tooMuch.code).toBe('REFUND_EXCEEDS_REMAINING');
    const request = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor: 5000,
      reason: 'Started 20 minutes late',
    });
    expect(request).toMatchObject({ status: 'REQUESTED', idempotencyKey: `refund-request:${request.id}:refund:1` });
    expect(await refusal(container.services.refunds.approve(s.staff.sue, { id: request.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    const results = await Promise.allSettled([
      container.services.refunds.approve(s.staff.fay, { id: request.id }),
      container.services.refunds.approve(s.staff.finn, { id: request.id }),
    ]);
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    expect(
      stripe.snapshot().refunds.filter((refund) => refund['payment_intent'] === intent.paymentIntentId),
    ).toHaveLength(1);
    expect(stripe.requests.filter((request) => request.path === '/v1/refunds').length).toBe(requestsBefore + 1);
    const payment = await container.uow.read.payments.findById(paymentId);
    expect(payment).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedMinor: 5000 });
    expect((await container.services.bookings.get(s.admin, { id })).booking).toMatchObject({
      status: 'COMPLETED',
      paymentStatus: 'PARTIALLY_REFUNDED',
    });
    // Above the four-eyes threshold ($200) a second, different approver is needed.
    const big = await container.services.refunds.request(s.staff.sue, {
      paymentId,
      amountMinor: 26_500,
      reason: 'Teacher never joined the second half',
    });
    expect((await container.services.refunds.approve(s.staff.fay, { id: big.id })).status).toBe(
      'AWAITING_SECOND_APPROVAL',
    );
    expect(await refusal(container.services.refunds.approve(s.staff.fay, { id: big.id }))).toMatchObject({
      code: 'FORBIDDEN',
    });
    expect((await container.services.refunds.approve(s.staff.ada, { id: big.id })).status).toBe('SUCCEEDED');
    expect((await container.services.bookings.get(s.admin, { id })).booking).toMatchObject({
      status: 'REFUNDED',
      paymentStatus: 'REFUNDED',
    });
    const before = stripe.requests.length;
    const more = await refusal(
      container.services.refunds.request(s.staff.sue, { paymentId, amountMinor: 1, reason: 'one more cent' }),
    );
    expect(more).toMatchObject({
      code: 'ILLEGAL_TRANSITION',
      message: expect.stringContaining('is REFUNDED') as string,
    });
    expect(stripe.requests.length).toBe(before);
  });

  it('R18: an admin cancels a paid booking: full refund, meeting deleted, both told', async () => {
    const { s, id, intent } = await readyToPay();
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    await container.outbox.drain();
    const meeting = await container.uow.read.deliveries.findMeeting(id);
    const cancelled = await container.services.bookings.cancelPaid(s.admin, { id, reason: 'Teacher emergency' });
    // The sandbox refunds this card at once, so Stripe's "succeeded" is already in.
    expect(cancelled).toMatchObject({ status: 'CANCELLED', paymentStatus: 'REFUNDED', meetingJoinUrl: null });
    await container.outbox.drain();
    expect(zoom.deleted).toContain(Number(meeting?.zoomMeetingId));
    expect(
      stripe
        .snapshot()
        .refunds.filter((refund) => refund['payment_intent'] === intent.paymentIntentId)
        .map((refund) => refund['amount']),
    ).toEqual([7875]);
    expect(mailsAbout(id).filter((mail) => mail.subject.includes('cancelled'))).toHaveLength(2);
  });

  it('cancelling a booking with an open intent cancels the intent at Stripe', async () => {
    clock.set(START);
    const s = await paidBooking();
    const id = s.bookings.a.id;
    await container.services.bookings.confirm(s.admin, { id });
    const intent = await container.services.payments.createIntent(s.admin, { bookingId: id });
    await container.services.bookings.cancel(s.admin, { id, reason: 'student changed plans' });
    await container.outbox.drain();
    expect(stripe.snapshot().intents.find((candidate) => candidate['id'] === intent.paymentIntentId)?.['status']).toBe(
      'canceled',
    );
    expect((await container.uow.read.payments.findById(intent.paymentId))?.status).toBe('CANCELED');
  });

  it('R28: a 500 answer is final for its key (never retried with it); a crash between Stripe’s answer and our commit is settled by reconciliation with one charge', async () => {
    const { s, id, intent } = await readyToPay();
    stripe.faults.failNext(1, { kind: 'status', status: 500 });
    const failed = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(failed).toMatchObject({ status: 'PENDING', stripeStatus: 'requires_confirmation' });
    const key = `payment:${intent.paymentId}:confirm:1`;
    expect(stripe.requests.filter((request) => request.idempotencyKey === key)).toHaveLength(1);
    const attempts = (await container.services.payments.get(s.admin, { id: intent.paymentId })).attempts;
    expect(attempts.at(-1)).toMatchObject({ status: 'refused', idempotencyKey: key });
    // Stripe charges, but its answer never reaches us and nothing is committed (the process died).
    await container.integrations.gateway.confirmPaymentIntent(
      intent.paymentIntentId,
      null,
      `payment:${intent.paymentId}:confirm:crashed`,
    );
    expect((await container.uow.read.payments.findById(intent.paymentId))?.status).toBe('PENDING');
    const result = await container.services.reconciliation.run();
    expect(result.errors).toEqual([]);
    expect((await container.uow.read.payments.findById(intent.paymentId))?.status).toBe('PAID');
    expect((await container.services.bookings.get(s.admin, { id })).booking.paymentStatus).toBe('PAID');
    expect(chargesFor(intent.paymentIntentId)).toHaveLength(1);
  });

  it('R28: after a 500 the next confirm uses a new key and succeeds — the payment is not blocked for a day', async () => {
    const { s, intent } = await readyToPay();
    stripe.faults.failNext(1, { kind: 'status', status: 500 });
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    const paid = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(paid.status).toBe('PAID');
    const keys = stripe.requests
      .filter((request) => request.path.endsWith(`${intent.paymentIntentId}/confirm`))
      .map((request) => request.idempotencyKey);
    expect(keys).toEqual([`payment:${intent.paymentId}:confirm:1`, `payment:${intent.paymentId}:confirm:2`]);
    expect(chargesFor(intent.paymentIntentId)).toHaveLength(1);
  });

  it('R28: a lost answer (Stripe did the work, the reply timed out) is looked up and adopted: one charge, no resend', async () => {
    const { s, intent } = await readyToPay();
    stripe.faults.failNext(1, { kind: 'timeout-after' });
    const paid = await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    expect(paid.status).toBe('PAID');
    expect(chargesFor(intent.paymentIntentId)).toHaveLength(1);
    const confirms = stripe.requests.filter((request) => request.path.endsWith(`${intent.paymentIntentId}/confirm`));
    expect(confirms).toHaveLength(1);
  });

  it('Zoom or SMTP down: the payment stays PAID; the meeting and emails go out once each when they recover', async () => {
    const { s, id, intent } = await readyToPay();
    zoom.faults.failNext(3, { kind: 'status', status: 503 });
    smtp.setDown(true);
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    await container.outbox.drain();
    expect(await container.uow.read.deliveries.findMeeting(id)).toBeNull();
    expect((await container.services.bookings.get(s.admin, { id })).booking.paymentStatus).toBe('PAID');
    const failures = await container.services.deliveries.failures(s.admin, {});
    expect(
      failures.some(
        (row) => row.bookingId === id && row.kind === 'zoom.create_meeting' && row.lastError?.includes('503'),
      ),
    ).toBe(true);
    zoom.faults.clear();
    smtp.setDown(false);
    for (let round = 0; round < 6; round += 1) {
      clock.advance(2 * HOUR_MS);
      await container.outbox.drain();
    }
    expect([...zoom.meetings.values()].filter((meeting) => meeting.agenda.includes(`booking:${id}`))).toHaveLength(1);
    expect(mailsAbout(id).filter((mail) => mail.subject.includes('is paid'))).toHaveLength(2);
    clock.advance(DAY_MS);
    await container.outbox.drain();
    expect(mailsAbout(id).filter((mail) => mail.subject.includes('is paid'))).toHaveLength(2);
  });

  it('an email waiting for its meeting spends none of its attempts and is never listed as failing; it follows the retried meeting', async () => {
    const { s, id, intent } = await readyToPay();
    zoom.faults.failNext(50, { kind: 'status', status: 503 });
    await container.services.payments.confirm(s.admin, { paymentIntentId: intent.paymentIntentId });
    // Many more passes than a row has attempts (10): the meeting's creation gives up, the emails wait.
    for (let pass = 0; pass < 25; pass += 1) {
      clock.advance(2 * HOUR_MS);
      await container.outbox.drain();
    }
    const listed = (await container.services.deliveries.failures(s.admin, {})).filter((row) => row.bookingId === id);
    expect(listed.map((row) => [row.kind, row.status])).toEqual([['zoom.create_meeting', 'FAILED']]);
    expect(mailsAbout(id).filter((mail) => mail.subject.includes('is paid'))).toHaveLength(0);
    // Zoom is back; staff retry the creation from Reconciliation: the meeting is made and the emails follow.
    zoom.faults.clear();
    const creation = listed[0];
    if (!creation) throw new Error('the failed creation should be listed');
    await container.services.deliveries.retry(s.admin, { id: creation.id });
    for (let round = 0; round < 3; round += 1) {
      clock.advance(2 * 60_000);
      await container.outbox.drain();
    }
    expect(await container.uow.read.deliveries.findMeeting(id)).not.toBeNull();
    expect(mailsAbout(id).filter((mail) => mail.subject.includes('is paid'))).toHaveLength(2);
  });

  it('a refund made in Stripe’s dashboard becomes a mismatch for staff, not a silent change', async () => {
    const { s, intent, paymentId } = await completedAndPaid();
    await container.integrations.gateway.createRefund(
      { paymentIntentId: intent.paymentIntentId, amountMinor: 1234, refundRequestId: 0, attempt: 1 },
      `dashboard-${paymentId}`,
    );
    await container.services.reconciliation.run();
    const open = await container.services.reconciliation.list(s.admin, { status: 'OPEN' });
    const mismatch = open.find((candidate) => candidate.paymentId === paymentId);
    expect(mismatch).toMatchObject({
      kind: 'refund_not_recorded',
      localState: 'refunded 0 USD',
      stripeState: 'refunded 1234 USD',
    });
    expect((await container.uow.read.payments.findById(paymentId))?.refundedMinor).toBe(0);
    await container.services.reconciliation.run();
    expect(
      (await container.services.reconciliation.list(s.admin, { status: 'OPEN' })).filter(
        (candidate) => candidate.paymentId === paymentId,
      ),
    ).toHaveLength(1);
    await container.services.reconciliation.resolve(s.admin, {
      id: mismatch?.id,
      resolution: 'Refund confirmed with the student by phone',
    });
    expect(
      (await container.services.reconciliation.list(s.admin, { status: 'OPEN' })).filter(
        (candidate) => candidate.paymentId === paymentId,
      ),
    ).toHaveLength(0);
  });
});
