import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Container } from '../../src/main/container';
import { fixedClock, HOUR_MS } from '../../src/main/domain/clock';
import { DomainError } from '../../src/main/domain/errors';
import { pollStripeEvents } from '../../src/main/jobs';
import { silentLogger } from '../../src/main/log';
import { StripeSandbox } from '../../src/main/sandbox/stripe';
import { buildScenario } from '../factories/scenario';
import { openTestContainer } from '../support/test-db';

const START = new Date('2026-12-01T09:00:00Z');

type Op =
  | { kind: 'request'; amountMinor: number; approvers: 0 | 1 | 2 }
  | { kind: 'reject' }
  | { kind: 'retry' }
  | { kind: 'settle' }
  | { kind: 'reconcile' }
  | { kind: 'failNextRefund' }
  | { kind: 'fault'; fault: 'status' | 'timeout-after' | 'timeout-before' };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant('request' as const),
      amountMinor: fc.integer({ min: 1, max: 33_000 }),
      approvers: fc.constantFrom(0 as const, 1 as const, 2 as const),
    }),
    weight: 5,
  },
  { arbitrary: fc.constant({ kind: 'reject' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'retry' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'settle' as const }), weight: 2 },
  { arbitrary: fc.constant({ kind: 'reconcile' as const }), weight: 1 },
  { arbitrary: fc.constant({ kind: 'failNextRefund' as const }), weight: 1 },
  {
    arbitrary: fc.record({
      kind: fc.constant('fault' as const),
      fault: fc.constantFrom('status' as const, 'timeout-after' as const, 'timeout-before' as const),
    }),
    weight: 1,
  },
);

/**
 * R24/R27/R28 as a property: whatever sequence of refund requests, approvals, rejections, retries,
 * asynchronous outcomes, faults and reconciliations happens, nothing is ever refunded beyond what
 * was paid — neither in our records nor at Stripe — and no request is refunded twice.
 */
describe('random sequences of refunds never refund more than was paid (PGlite)', () => {
  const clock = fixedClock(START);
  const stripe = new StripeSandbox({ clock: () => clock.now().getTime(), asyncTimers: false });
  let container: Container;
  let database: Awaited<ReturnType<typeof openTestContainer>>;

  beforeAll(async () => {
    await stripe.start();
    database = await openTestContainer('pglite', clock, {
      integrations: { sandboxes: { stripe }, stripeTimeoutMs: 200, stripeRetries: 0 },
    });
    container = database.container;
  });
  afterAll(async () => {
    await database.dispose();
    await stripe.stop();
  });

  async function check(paymentId: number, intentId: string): Promise<void> {
    const payment = await container.uow.read.payments.findById(paymentId);
    if (!payment) throw new Error('payment vanished');
    expect(payment.refundedMinor).toBeGreaterThanOrEqual(0);
    expect(payment.refundedMinor).toBeLessThanOrEqual(payment.amountMinor);
    const reserved = await container.uow.read.refunds.reservedMinor(paymentId);
    expect(payment.refundedMinor + reserved).toBeLessThanOrEqual(payment.amountMinor);
    const atStripe = stripe.snapshot().refunds.filter((refund) => refund['payment_intent'] === intentId);
    const live = atStripe.filter((refund) => refund['status'] === 'succeeded' || refund['status'] === 'pending');
    expect(live.reduce((sum, refund) => sum + Number(refund['amount']), 0)).toBeLessThanOrEqual(payment.amountMinor);
    const perRequest = new Map<string, number>();
    for (const refund of live) {
      const key = String((refund['metadata'] as Record<string, string>)['refundRequestId']);
      perRequest.set(key, (perRequest.get(key) ?? 0) + 1);
    }
    for (const count of perRequest.values()) expect(count).toBe(1);
  }

  it('holds after every step', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('pm_card_visa', 'pm_card_refundFail', 'pm_card_pendingRefund'),
        fc.array(op, { minLength: 1, maxLength: 12 }),
        async (card, ops) => {
          clock.set(START);
          stripe.faults.clear();
          const s = await buildScenario(container, {
            staff: { sue: 'SUPPORT', fay: 'FINANCE', finn: 'FINANCE' },
            teachers: { ana: { gigs: { es: { rate: 30000 } } } },
            students: { bob: {} },
            bookings: { a: { student: 'bob', gig: 'ana.es', startsInHours: 30, state: 'CONFIRMED/UNPAID' } },
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
          const requests: number[] = [];
          for (const step of ops) {
            try {
              switch (step.kind) {
                case 'request': {
                  const filed = await container.services.refunds.request(s.staff.sue, {
                    paymentId: intent.paymentId,
                    amountMinor: step.amountMinor,
                    reason: 'property test',
                  });
                  requests.push(filed.id);
                  if (step.approvers >= 1) await container.services.refunds.approve(s.staff.fay, { id: filed.id });
                  if (step.approvers === 2) await container.services.refunds.approve(s.staff.finn, { id: filed.id });
                  break;
                }
                case 'reject':
                  if (requests.length > 0)
                    await container.services.refunds.reject(s.staff.fay, { id: requests.at(-1), note: 'no' });
                  break;
                case 'retry':
                  if (requests.length > 0)
                    await container.services.refunds.process(s.staff.fay, { id: requests.at(-1) });
                  break;
                case 'settle':
                  stripe.settleAsync();
                  // As the app's poller: a poll Stripe does not answer is logged and tried again later.
                  await pollStripeEvents(container, silentLogger).catch(() => 0);
                  break;
                case 'reconcile':
                  await container.services.reconciliation.run();
                  break;
                case 'failNextRefund':
                  stripe.failNextRefund();
                  break;
                case 'fault':
                  stripe.faults.failNext(
                    1,
                    step.fault === 'status' ? { kind: 'status', status: 500 } : { kind: step.fault },
                  );
                  break;
              }
            } catch (error) {
              // A refusal (over what remains, a state that does not allow it, Stripe silent) is a legal outcome.
              if (!(error instanceof DomainError)) throw error;
            }
            await check(intent.paymentId, intent.paymentIntentId);
          }
          stripe.faults.clear();
          stripe.settleAsync();
          await pollStripeEvents(container, silentLogger);
          await container.services.reconciliation.run();
          await check(intent.paymentId, intent.paymentIntentId);
          // After settling, our refunded amount is exactly what Stripe refunded.
          const payment = await container.uow.read.payments.findById(intent.paymentId);
          const succeeded = stripe
            .snapshot()
            .refunds.filter(
              (refund) => refund['payment_intent'] === intent.paymentIntentId && refund['status'] === 'succeeded',
            )
            .reduce((sum, refund) => sum + Number(refund['amount']), 0);
          expect(payment?.refundedMinor).toBe(succeeded);
        },
      ),
      { numRuns: 15, seed: 20261128 },
    );
  });
});
