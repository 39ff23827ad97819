import type { Actor } from './actors';
import type { RefundEffect } from './effects';
import { decide, openFrom, type Decision, type Guard, type Machine, type TransitionRow } from './lifecycle';
import { moneyText } from './money';

/**
 * A refund request's lifecycle (R24, R27, R18) as rows of the lifecycle kernel: filed, approved by
 * someone other than the requester (by two people above the four-eyes threshold), sent to Stripe,
 * and then only what Stripe says: pending, succeeded or failed. A failed request can be retried as
 * a new refund with a new idempotency key.
 */
export const REFUND_STATUSES = [
  'REQUESTED',
  'AWAITING_SECOND_APPROVAL',
  'APPROVED',
  'PENDING',
  'SUCCEEDED',
  'FAILED',
  'REJECTED',
] as const;
export type RefundRequestStatus = (typeof REFUND_STATUSES)[number];

/** Requests whose amount is spoken for: it counts against what remains refundable (R27). */
export const OPEN_REFUND_STATUSES: readonly RefundRequestStatus[] = [
  'REQUESTED',
  'AWAITING_SECOND_APPROVAL',
  'APPROVED',
  'PENDING',
];

export const REFUND_ACTIONS = [
  'request',
  'file_for_cancellation',
  'approve',
  'reject',
  'stripe_pending',
  'stripe_succeeded',
  'stripe_failed',
  'retry',
] as const;
export type RefundAction = (typeof REFUND_ACTIONS)[number];

/** R24 default: above $200.00 a refund needs two approvers. */
export const DEFAULT_FOUR_EYES_THRESHOLD_MINOR = 20_000;

export interface RefundContext {
  readonly requestId?: number | undefined;
  readonly amountMinor: number;
  /** What the payment still has to give, less every other open request's amount. */
  readonly refundableMinor: number;
  /** The payment's currency: messages name amounts in it ("$16.01"), not in minor units. */
  readonly currency?: string | undefined;
  readonly reason?: string | null | undefined;
  readonly requestedById: number | null;
  readonly firstApproverId: number | null;
  /** The staff member acting now (null for the system). */
  readonly actorStaffId: number | null;
  readonly fourEyesThresholdMinor: number;
  /** R45: the refunded session's share was already paid out to the teacher. */
  readonly sessionPaidOut?: boolean | undefined;
}

export type RefundRow = TransitionRow<RefundRequestStatus, RefundAction, RefundContext, RefundEffect>;
export type RefundDecision = Decision<RefundRequestStatus, RefundAction, RefundEffect>;

const positiveAmount: Guard<RefundContext> = {
  name: 'a positive amount',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) =>
    Number.isSafeInteger(ctx.amountMinor) && ctx.amountMinor > 0
      ? null
      : `The refund amount must be a positive whole number of minor units, got ${ctx.amountMinor}`,
};

const reasonRequired: Guard<RefundContext> = {
  name: 'reason required',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) => (ctx.reason && ctx.reason.trim().length > 0 ? null : 'A reason is required'),
};

const withinRefundable: Guard<RefundContext> = {
  name: 'amount ≤ what remains refundable (open requests reserved)',
  code: 'REFUND_EXCEEDS_REMAINING',
  check: (ctx) =>
    ctx.amountMinor <= ctx.refundableMinor
      ? null
      : `The refund of ${moneyText(ctx.amountMinor, ctx.currency)} exceeds the ${moneyText(Math.max(0, ctx.refundableMinor), ctx.currency)} still refundable on this payment`,
};

const notTheRequester: Guard<RefundContext> = {
  name: 'someone other than the requester',
  code: 'FORBIDDEN',
  check: (ctx) =>
    ctx.actorStaffId !== null && ctx.actorStaffId === ctx.requestedById
      ? 'It was filed by you; another staff member must decide on it'
      : null,
};

const notTheFirstApprover: Guard<RefundContext> = {
  name: 'a second approver other than the first',
  code: 'FORBIDDEN',
  check: (ctx) =>
    ctx.actorStaffId !== null && ctx.actorStaffId === ctx.firstApproverId
      ? 'It needs a second approver other than you (four-eyes rule above the threshold)'
      : null,
};

const aboveThreshold = (ctx: RefundContext) => ctx.amountMinor > ctx.fourEyesThresholdMinor;
const submit = { effect: { type: 'submit_refund' } } as const;

export const REFUND_TRANSITIONS: readonly RefundRow[] = [
  {
    action: 'request',
    rule: 'R24',
    roles: ['support', 'finance', 'admin'],
    from: null,
    to: 'REQUESTED',
    guards: [positiveAmount, reasonRequired, withinRefundable],
    effects: [],
  },
  {
    // R18: the admin's cancellation is the decision; the full refund goes to Stripe at once.
    action: 'file_for_cancellation',
    rule: 'R18',
    roles: ['admin'],
    from: null,
    to: 'APPROVED',
    guards: [positiveAmount, reasonRequired, withinRefundable],
    effects: [submit],
  },
  {
    action: 'approve',
    rule: 'R24',
    roles: ['finance', 'admin'],
    from: ['REQUESTED'],
    to: (ctx) => (aboveThreshold(ctx) ? 'AWAITING_SECOND_APPROVAL' : 'APPROVED'),
    guards: [notTheRequester],
    effects: [{ ...submit, when: (ctx) => !aboveThreshold(ctx) }],
  },
  {
    action: 'approve',
    rule: 'R24',
    roles: ['finance', 'admin'],
    from: ['AWAITING_SECOND_APPROVAL'],
    to: 'APPROVED',
    guards: [notTheRequester, notTheFirstApprover],
    effects: [submit],
  },
  {
    action: 'reject',
    rule: 'R24',
    roles: ['finance', 'admin'],
    from: ['REQUESTED', 'AWAITING_SECOND_APPROVAL'],
    to: 'REJECTED',
    guards: [notTheRequester, reasonRequired],
    effects: [],
  },
  {
    action: 'stripe_pending',
    rule: 'R27',
    roles: ['system'],
    from: ['APPROVED'],
    to: 'PENDING',
    guards: [],
    effects: [],
  },
  {
    action: 'stripe_succeeded',
    rule: 'R27/R45',
    roles: ['system'],
    from: ['APPROVED', 'PENDING'],
    to: 'SUCCEEDED',
    guards: [],
    effects: [{ effect: { type: 'recover_teacher_part' }, when: (ctx) => ctx.sessionPaidOut === true }],
  },
  {
    action: 'stripe_failed',
    rule: 'R27',
    roles: ['system'],
    from: ['APPROVED', 'PENDING', 'SUCCEEDED'],
    to: 'FAILED',
    guards: [],
    effects: [{ effect: { type: 'notify_staff', template: 'refund_failed' } }],
  },
  {
    // R27: a new attempt is a new refund with a new key, within what remains now.
    action: 'retry',
    rule: 'R27',
    roles: ['finance', 'admin'],
    from: ['FAILED'],
    to: 'APPROVED',
    guards: [withinRefundable],
    effects: [submit],
  },
];

const WORDS: Record<RefundAction, { verb: string; done: string }> = {
  request: { verb: 'file', done: 'filed' },
  file_for_cancellation: { verb: 'file for a cancellation', done: 'filed' },
  approve: { verb: 'approve', done: 'approved' },
  reject: { verb: 'reject', done: 'rejected' },
  stripe_pending: { verb: 'record as pending at Stripe', done: 'marked pending' },
  stripe_succeeded: { verb: 'record as refunded by Stripe', done: 'marked succeeded' },
  stripe_failed: { verb: 'record as failed at Stripe', done: 'marked failed' },
  retry: { verb: 'retry', done: 'retried' },
};

export const REFUND_MACHINE: Machine<RefundRequestStatus, RefundAction, RefundContext, RefundEffect> = {
  entity: 'refund request',
  actions: REFUND_ACTIONS,
  words: WORDS,
  rows: REFUND_TRANSITIONS,
  key: (status) => status,
  describe: (status) => status,
  describeFrom: (statuses) => [...new Set(statuses)].join(' or '),
};

export function decideRefundTransition(
  action: RefundAction,
  actor: Actor,
  status: RefundRequestStatus | null,
  ctx: RefundContext,
): RefundDecision {
  const label = ctx.requestId === undefined ? 'This refund request' : `Refund request ${ctx.requestId}`;
  return decide(REFUND_MACHINE, { action, actor, state: status, ctx, label, reason: ctx.reason });
}

export function refundActionOpenFrom(action: RefundAction, status: RefundRequestStatus): boolean {
  return openFrom(REFUND_MACHINE, action, status);
}
