import type { Actor } from './actors';
import type { PaymentEffect } from './effects';
import { decide, openFrom, type Decision, type Guard, type Machine, type TransitionRow } from './lifecycle';
import type { PaymentStatus } from './states';
import { moneyText } from './money';

/**
 * The payment record's lifecycle (R14, R15, R21–R24, R27) as rows of the lifecycle kernel. A
 * payment is created when an intent is created for a CONFIRMED booking; the booking table moves
 * the booking alongside it in the same transaction.
 */
export const PAYMENT_ACTIONS = ['create', 'succeed', 'fail', 'retry', 'cancel', 'refund', 'refund_failed'] as const;
export type PaymentAction = (typeof PAYMENT_ACTIONS)[number];

export interface PaymentContext {
  readonly paymentId?: number | undefined;
  readonly amountMinor: number;
  readonly refundedMinor: number;
  /** The payment's currency: messages name amounts in it, not in minor units. */
  readonly currency?: string | undefined;
  /** For `refund`: what Stripe refunded now. */
  readonly refundAmountMinor?: number | undefined;
  /** For `refund_failed`: the amount of the refund that failed after it had counted (R27). */
  readonly reversedAmountMinor?: number | undefined;
}

export type PaymentRow = TransitionRow<PaymentStatus, PaymentAction, PaymentContext, PaymentEffect>;
export type PaymentDecision = Decision<PaymentStatus, PaymentAction, PaymentEffect>;

const refundWithinRemaining: Guard<PaymentContext> = {
  name: 'refund ≤ amount paid − amount refunded',
  code: 'REFUND_EXCEEDS_REMAINING',
  needsInput: true,
  check: (ctx) => {
    const amount = ctx.refundAmountMinor;
    if (amount === undefined || !Number.isSafeInteger(amount) || amount <= 0) {
      return 'The refund amount must be a positive whole number of minor units';
    }
    const remaining = ctx.amountMinor - ctx.refundedMinor;
    return amount <= remaining
      ? null
      : `The refund of ${moneyText(amount, ctx.currency)} exceeds the ${moneyText(remaining, ctx.currency)} still refundable`;
  },
};

const reversalWithinRefunded: Guard<PaymentContext> = {
  name: 'taken-back refund ≤ amount refunded',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) => {
    const amount = ctx.reversedAmountMinor;
    if (amount === undefined || !Number.isSafeInteger(amount) || amount <= 0)
      return 'The failed refund’s amount must be a positive whole number of minor units';
    return amount <= ctx.refundedMinor
      ? null
      : `The failed refund of ${moneyText(amount, ctx.currency)} is more than the ${moneyText(ctx.refundedMinor, ctx.currency)} recorded as refunded`;
  },
};

export const PAYMENT_TRANSITIONS: readonly PaymentRow[] = [
  {
    action: 'create',
    rule: 'R21–R23',
    roles: ['student', 'admin', 'system'],
    from: null,
    to: 'PENDING',
    guards: [],
    effects: [],
  },
  {
    action: 'succeed',
    rule: 'R14/R40',
    roles: ['system'],
    from: ['PENDING', 'FAILED'],
    to: 'PAID',
    guards: [],
    effects: [{ effect: { type: 'post_ledger', entry: 'payment_succeeded' } }],
  },
  { action: 'fail', rule: 'R15', roles: ['system'], from: ['PENDING'], to: 'FAILED', guards: [], effects: [] },
  {
    action: 'retry',
    rule: 'R15',
    roles: ['student', 'admin', 'system'],
    from: ['FAILED'],
    to: 'PENDING',
    guards: [],
    effects: [],
  },
  {
    action: 'cancel',
    rule: 'R13/R16',
    roles: ['student', 'support', 'admin', 'system'],
    from: ['PENDING', 'FAILED'],
    to: 'CANCELED',
    guards: [],
    effects: [{ effect: { type: 'cancel_stripe_intent' } }],
  },
  {
    // Recorded when Stripe says the refund succeeded (R27), not when it accepted it.
    action: 'refund',
    rule: 'R18/R19/R27',
    roles: ['admin', 'finance', 'system'],
    from: ['PAID', 'PARTIALLY_REFUNDED'],
    to: (ctx) =>
      ctx.refundedMinor + (ctx.refundAmountMinor ?? 0) >= ctx.amountMinor ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
    guards: [refundWithinRemaining],
    effects: [{ effect: { type: 'post_ledger', entry: 'refund_succeeded' } }],
  },
  {
    action: 'refund_failed',
    rule: 'R27',
    roles: ['system'],
    from: ['PARTIALLY_REFUNDED', 'REFUNDED'],
    to: (ctx) => (ctx.refundedMinor - (ctx.reversedAmountMinor ?? 0) > 0 ? 'PARTIALLY_REFUNDED' : 'PAID'),
    guards: [reversalWithinRefunded],
    effects: [{ effect: { type: 'post_ledger', entry: 'refund_failed' } }],
  },
];

const WORDS: Record<PaymentAction, { verb: string; done: string }> = {
  create: { verb: 'create', done: 'created' },
  succeed: { verb: 'record the success of', done: 'marked paid' },
  fail: { verb: 'record the failure of', done: 'failed' },
  retry: { verb: 'retry', done: 'retried' },
  cancel: { verb: 'cancel', done: 'cancelled' },
  refund: { verb: 'refund', done: 'refunded' },
  refund_failed: { verb: 'take back a failed refund of', done: 'given back a failed refund' },
};

export const PAYMENT_MACHINE: Machine<PaymentStatus, PaymentAction, PaymentContext, PaymentEffect> = {
  entity: 'payment',
  actions: PAYMENT_ACTIONS,
  words: WORDS,
  rows: PAYMENT_TRANSITIONS,
  key: (status) => status,
  describe: (status) => status,
  describeFrom: (statuses) => [...new Set(statuses)].join(' or '),
};

export function decidePaymentTransition(
  action: PaymentAction,
  actor: Actor,
  ctx: PaymentContext & { status: PaymentStatus | null },
): PaymentDecision {
  const label = ctx.paymentId === undefined ? 'This payment' : `Payment ${ctx.paymentId}`;
  return decide(PAYMENT_MACHINE, { action, actor, state: ctx.status, ctx, label });
}

export function paymentActionOpenFrom(action: PaymentAction, status: PaymentStatus): boolean {
  return openFrom(PAYMENT_MACHINE, action, status);
}

/** Whether money was taken for a payment in this state (a refund, or taking one back, can start here). */
export function paymentTookMoney(status: PaymentStatus): boolean {
  return paymentActionOpenFrom('refund', status) || paymentActionOpenFrom('refund_failed', status);
}

/** Whether a payment in this state can still end up paid (Stripe may still charge it). */
export function paymentStillOpen(status: PaymentStatus): boolean {
  return paymentActionOpenFrom('succeed', status);
}
