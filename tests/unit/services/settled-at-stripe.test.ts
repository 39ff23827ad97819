import { describe, expect, it } from 'vitest';
import { PAYMENT_STATUSES } from '../../../src/main/domain/states';
import type { PaymentRecord } from '../../../src/main/services/ports';
import { settledAtStripe } from '../../../src/main/services/payments/stripe-events';

const at = new Date('2026-12-01T09:00:00Z');
const payment = (changes: Partial<PaymentRecord>): PaymentRecord => ({
  id: 1,
  bookingId: 1,
  amountMinor: 5000,
  currency: 'EUR',
  status: 'PAID',
  refundedMinor: 0,
  stripePaymentIntentId: 'pi_1',
  idempotencyKey: 'intent:1:1',
  intentAttempt: 1,
  intentSentAt: at,
  stripeStatus: 'succeeded',
  stripeChargeId: 'ch_1',
  lastError: null,
  paidAt: at,
  version: 3,
  createdAt: at,
  updatedAt: at,
  ...changes,
});

/** Only a payment that took the money from an intent Stripe called succeeded skips Stripe for its events. */
describe('settledAtStripe', () => {
  it.each(PAYMENT_STATUSES)('%s with a succeeded intent and its charge', (status) => {
    expect(settledAtStripe(payment({ status }))).toBe(['PAID', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(status));
  });

  it.each(['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing', 'canceled', null])(
    'a PAID payment whose intent was last seen %s still asks Stripe',
    (stripeStatus) => {
      expect(settledAtStripe(payment({ stripeStatus }))).toBe(false);
    },
  );

  it('still asks Stripe without the charge or with an error on record', () => {
    expect(settledAtStripe(payment({ stripeChargeId: null }))).toBe(false);
    expect(settledAtStripe(payment({ lastError: 'Your card was declined.' }))).toBe(false);
  });
});
