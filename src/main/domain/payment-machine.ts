import { transitionRoleOf, type Actor, type TransitionRole } from './actors';
import { DomainError, type DomainErrorCode } from './errors';
import type { PaymentStatus } from './states';

/**
 * The payment record's lifecycle (R14, R15, R21–R24) as data. A payment is created when an intent is
 * created for a CONFIRMED booking; the booking machine moves the booking alongside it.
 */
export const PAYMENT_ACTIONS = ['create', 'succeed', 'fail', 'retry', 'cancel', 'refund'] as const;
export type PaymentAction = (typeof PAYMENT_ACTIONS)[number];

export type PaymentEffect =
  | { readonly type: 'create_stripe_intent' }
  | { readonly type: 'cancel_stripe_intent' }
  | { readonly type: 'stripe_refund' };

export interface PaymentContext {
  readonly paymentId?: number | undefined;
  readonly status: PaymentStatus | null;
  readonly amountMinor: number;
  readonly refundedMinor: number;
  /** For `refund`. */
  readonly refundAmountMinor?: number | undefined;
}

export interface PaymentGuard {
  readonly name: string;
  readonly code: DomainErrorCode;
  readonly check: (ctx: PaymentContext) => string | null;
}

export interface PaymentTransitionRule {
  readonly action: PaymentAction;
  readonly rule: string;
  readonly roles: readonly TransitionRole[];
  readonly from: readonly PaymentStatus[] | null;
  readonly to: PaymentStatus | ((ctx: PaymentContext) => PaymentStatus);
  readonly guards: readonly PaymentGuard[];
  readonly effects: readonly PaymentEffect[];
}

const refundWithinRemaining: PaymentGuard = {
  name: 'refund ≤ amount paid − amount refunded',
  code: 'REFUND_EXCEEDS_REMAINING',
  check: (ctx) => {
    const amount = ctx.refundAmountMinor;
    if (amount === undefined || !Number.isSafeInteger(amount) || amount <= 0) {
      return 'The refund amount must be a positive whole number of minor units';
    }
    const remaining = ctx.amountMinor - ctx.refundedMinor;
    return amount <= remaining ? null : `The refund of ${amount} exceeds the ${remaining} still refundable`;
  },
};

export const PAYMENT_TRANSITIONS: readonly PaymentTransitionRule[] = [
  {
    action: 'create',
    rule: 'R21–R23',
    roles: ['student', 'admin', 'system'],
    from: null,
    to: 'PENDING',
    guards: [],
    effects: [{ type: 'create_stripe_intent' }],
  },
  {
    action: 'succeed',
    rule: 'R14',
    roles: ['system'],
    from: ['PENDING', 'FAILED'],
    to: 'PAID',
    guards: [],
    effects: [],
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
    effects: [{ type: 'cancel_stripe_intent' }],
  },
  {
    action: 'refund',
    rule: 'R18/R19/R24',
    roles: ['admin', 'finance', 'system'],
    from: ['PAID', 'PARTIALLY_REFUNDED'],
    to: (ctx) =>
      ctx.refundedMinor + (ctx.refundAmountMinor ?? 0) >= ctx.amountMinor ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
    guards: [refundWithinRemaining],
    effects: [{ type: 'stripe_refund' }],
  },
];

export interface PaymentDecision {
  readonly action: PaymentAction;
  readonly from: PaymentStatus | null;
  readonly to: PaymentStatus;
  readonly effects: readonly PaymentEffect[];
}

export function decidePaymentTransition(action: PaymentAction, actor: Actor, ctx: PaymentContext): PaymentDecision {
  const rule = PAYMENT_TRANSITIONS.find((candidate) => candidate.action === action);
  if (!rule) throw new DomainError('VALIDATION', `Unknown payment action "${action}"`);
  const role = transitionRoleOf(actor);
  const label = ctx.paymentId === undefined ? 'This payment' : `Payment ${ctx.paymentId}`;
  if (!rule.roles.includes(role)) {
    throw new DomainError('FORBIDDEN', `A ${role} may not ${action} a payment (allowed for ${rule.roles.join(', ')})`, {
      action,
      role,
    });
  }
  if (rule.from === null) {
    if (ctx.status !== null) throw new DomainError('ILLEGAL_TRANSITION', `${label} already exists`, { action });
  } else if (ctx.status === null || !rule.from.includes(ctx.status)) {
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${label} is ${ctx.status ?? 'missing'}; only ${rule.from.join(' or ')} payments can ${action === 'succeed' ? 'succeed' : `be ${action === 'fail' ? 'failed' : action === 'retry' ? 'retried' : action === 'cancel' ? 'cancelled' : 'refunded'}`}`,
      { action, status: ctx.status },
    );
  }
  for (const guard of rule.guards) {
    const failure = guard.check(ctx);
    if (failure !== null) throw new DomainError(guard.code, `${label}: ${failure}`, { action, guard: guard.name });
  }
  const to = typeof rule.to === 'function' ? rule.to(ctx) : rule.to;
  return { action, from: ctx.status, to, effects: rule.effects };
}
