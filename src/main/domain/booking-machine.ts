import { transitionRoleOf, type Actor, type TransitionRole } from './actors';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './clock';
import { emailBoth, type Effect } from './effects';
import { DomainError, type DomainErrorCode } from './errors';
import { MAX_SESSION_MINUTES, MIN_SESSION_MINUTES, SESSION_MINUTES_STEP } from './pricing';
import type { BookingPaymentStatus, BookingState, BookingStatus } from './states';

/**
 * The booking lifecycle (R10–R19) as data, in the manner of Sharetribe's transaction processes:
 * each row names an action, who may take it, the states it starts from, where it leads, the guards
 * that must hold and the effects to run. `decideBookingTransition` only interprets this table.
 */
export const BOOKING_ACTIONS = [
  'create',
  'confirm',
  'decline',
  'cancel',
  'start_payment',
  'payment_succeeded',
  'payment_failed',
  'expire_payment_window',
  'complete',
  'cancel_paid',
  'refund',
] as const;
export type BookingAction = (typeof BOOKING_ACTIONS)[number];

/** What the guards may look at. `state` is null only for `create`. */
export interface BookingContext {
  readonly bookingId?: number | undefined;
  readonly state: BookingState | null;
  readonly startsAt: Date;
  readonly endsAt: Date;
  readonly minutes: number;
  readonly now: Date;
  readonly reason?: string | null | undefined;
  /** R16's window: payment must arrive this many minutes before the start (a setting; default 15). */
  readonly paymentWindowMinutes?: number | undefined;
  /** For `refund`: the amount asked for and what remains refundable on the payment. */
  readonly refund?: { readonly amountMinor: number; readonly refundableMinor: number } | undefined;
  /** For `create`: facts the service loaded. */
  readonly creation?:
    | {
        readonly gigActive: boolean;
        readonly studentIsTeacher: boolean;
        readonly overlapsTeacherBooking: boolean;
      }
    | undefined;
}

export interface Guard {
  readonly name: string;
  readonly code: DomainErrorCode;
  /** null when the guard holds, otherwise why it does not, in words for a support person. */
  readonly check: (ctx: BookingContext) => string | null;
}

export interface StatePattern {
  readonly status: BookingStatus;
  readonly paymentStatuses: readonly BookingPaymentStatus[];
}

export interface ConditionalEffect {
  readonly effect: Effect;
  readonly when?: (ctx: BookingContext) => boolean;
}

export interface BookingTransitionRule {
  readonly action: BookingAction;
  readonly rule: string;
  readonly label: string;
  readonly roles: readonly TransitionRole[];
  /** null: the action creates the booking. */
  readonly from: readonly StatePattern[] | null;
  readonly to: BookingState | ((ctx: BookingContext) => BookingState);
  readonly guards: readonly Guard[];
  readonly effects: readonly ConditionalEffect[];
  /** Fixed reason recorded with the transition (R16). */
  readonly fixedReason?: string;
}

const ANY_UNPAID: readonly BookingPaymentStatus[] = ['UNPAID', 'PENDING', 'FAILED'];

// ---- guards -------------------------------------------------------------------------------

const reasonRequired: Guard = {
  name: 'reason required',
  code: 'VALIDATION',
  check: (ctx) => (ctx.reason && ctx.reason.trim().length > 0 ? null : 'A reason is required for this action'),
};

const startStillInFuture: Guard = {
  name: 'start still in the future',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.startsAt.getTime() > ctx.now.getTime()
      ? null
      : `The session started at ${ctx.startsAt.toISOString()}; it can no longer be confirmed or paid`,
};

const endHasPassed: Guard = {
  name: 'end has passed',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.now.getTime() >= ctx.endsAt.getTime()
      ? null
      : `The session ends at ${ctx.endsAt.toISOString()}; it cannot be completed before then`,
};

const systemCompletesAfterGrace: Guard = {
  name: 'system completes 24 h after the end',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.now.getTime() >= ctx.endsAt.getTime() + DAY_MS
      ? null
      : 'Sessions are completed automatically only 24 hours after they end',
};

export const DEFAULT_PAYMENT_WINDOW_MINUTES = 15;

const paymentWindowPassed: Guard = {
  name: 'payment window passed',
  code: 'GUARD_FAILED',
  check: (ctx) => {
    const minutes = ctx.paymentWindowMinutes ?? DEFAULT_PAYMENT_WINDOW_MINUTES;
    return ctx.now.getTime() >= ctx.startsAt.getTime() - minutes * MINUTE_MS
      ? null
      : `The payment window is still open (it closes ${minutes} minutes before the start)`;
  },
};

export const EARLIEST_BOOKING_LEAD_MS = HOUR_MS;
export const LATEST_BOOKING_AHEAD_MS = 180 * DAY_MS;

const createWindow: Guard = {
  name: 'start between now + 1 h and now + 180 days',
  code: 'VALIDATION',
  check: (ctx) => {
    const lead = ctx.startsAt.getTime() - ctx.now.getTime();
    if (lead < EARLIEST_BOOKING_LEAD_MS) return 'A session must start at least 1 hour from now';
    if (lead > LATEST_BOOKING_AHEAD_MS) return 'A session cannot start more than 180 days from now';
    return null;
  },
};

const validDuration: Guard = {
  name: 'duration 15–240 minutes in steps of 15, end = start + duration',
  code: 'VALIDATION',
  check: (ctx) => {
    const { minutes } = ctx;
    if (
      !Number.isInteger(minutes) ||
      minutes < MIN_SESSION_MINUTES ||
      minutes > MAX_SESSION_MINUTES ||
      minutes % SESSION_MINUTES_STEP !== 0
    ) {
      return `Session length must be ${MIN_SESSION_MINUTES}–${MAX_SESSION_MINUTES} minutes in steps of ${SESSION_MINUTES_STEP}, got ${minutes}`;
    }
    if (ctx.endsAt.getTime() !== ctx.startsAt.getTime() + minutes * MINUTE_MS) {
      return 'The end time must equal the start time plus the duration';
    }
    return null;
  },
};

const gigActive: Guard = {
  name: 'gig active',
  code: 'GUARD_FAILED',
  check: (ctx) => (ctx.creation?.gigActive === true ? null : 'This gig is not active and cannot be booked'),
};

const studentIsNotTeacher: Guard = {
  name: 'student is not the teacher',
  code: 'GUARD_FAILED',
  check: (ctx) => (ctx.creation?.studentIsTeacher === false ? null : 'A teacher cannot book their own gig'),
};

const noTeacherOverlap: Guard = {
  name: 'no overlap with the teacher’s pending or confirmed bookings',
  code: 'OVERLAP',
  check: (ctx) =>
    ctx.creation?.overlapsTeacherBooking === false
      ? null
      : 'The teacher already has a pending or confirmed booking at that time',
};

const refundWithinRemaining: Guard = {
  name: 'amount ≤ amount still refundable',
  code: 'REFUND_EXCEEDS_REMAINING',
  check: (ctx) => {
    if (!ctx.refund) return 'No refund amount was given';
    const { amountMinor, refundableMinor } = ctx.refund;
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0)
      return 'The refund amount must be a positive whole number of minor units';
    return amountMinor <= refundableMinor
      ? null
      : `The refund of ${amountMinor} exceeds the ${refundableMinor} still refundable`;
  },
};

const openIntent = (ctx: BookingContext): boolean =>
  ctx.state?.paymentStatus === 'PENDING' || ctx.state?.paymentStatus === 'FAILED';

// ---- the table ----------------------------------------------------------------------------

export const BOOKING_TRANSITIONS: readonly BookingTransitionRule[] = [
  {
    action: 'create',
    rule: 'R10',
    label: 'create',
    roles: ['student', 'support', 'admin'],
    from: null,
    to: { status: 'PENDING', paymentStatus: 'UNPAID' },
    guards: [validDuration, createWindow, gigActive, studentIsNotTeacher, noTeacherOverlap],
    effects: [{ effect: { type: 'email', template: 'booking_requested', to: 'teacher' } }],
  },
  {
    action: 'confirm',
    rule: 'R11',
    label: 'confirm',
    roles: ['teacher', 'admin'],
    from: [{ status: 'PENDING', paymentStatuses: ['UNPAID'] }],
    to: { status: 'CONFIRMED', paymentStatus: 'UNPAID' },
    guards: [startStillInFuture],
    effects: [{ effect: { type: 'email', template: 'booking_confirmed', to: 'student' } }],
  },
  {
    action: 'decline',
    rule: 'R12',
    label: 'decline',
    roles: ['teacher', 'admin'],
    from: [{ status: 'PENDING', paymentStatuses: ['UNPAID'] }],
    to: { status: 'CANCELLED', paymentStatus: 'UNPAID' },
    guards: [reasonRequired],
    effects: [{ effect: { type: 'email', template: 'booking_declined', to: 'student' } }],
  },
  {
    action: 'cancel',
    rule: 'R13',
    label: 'cancel',
    roles: ['student', 'support', 'admin'],
    from: [
      { status: 'PENDING', paymentStatuses: ['UNPAID'] },
      { status: 'CONFIRMED', paymentStatuses: ANY_UNPAID },
    ],
    to: (ctx) => ({ status: 'CANCELLED', paymentStatus: ctx.state?.paymentStatus ?? 'UNPAID' }),
    guards: [reasonRequired],
    effects: [
      { effect: { type: 'cancel_payment_intent' }, when: openIntent },
      ...emailBoth('booking_cancelled').map((effect) => ({ effect })),
    ],
  },
  {
    action: 'start_payment',
    rule: 'R15/R23',
    label: 'start a payment',
    roles: ['student', 'admin', 'system'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ['UNPAID', 'FAILED'] }],
    to: { status: 'CONFIRMED', paymentStatus: 'PENDING' },
    guards: [startStillInFuture],
    effects: [],
  },
  {
    action: 'payment_succeeded',
    rule: 'R14',
    label: 'record a successful payment',
    roles: ['system'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ['PENDING', 'FAILED'] }],
    to: { status: 'CONFIRMED', paymentStatus: 'PAID' },
    guards: [],
    effects: [{ effect: { type: 'create_meeting' } }, ...emailBoth('payment_received').map((effect) => ({ effect }))],
  },
  {
    action: 'payment_failed',
    rule: 'R15',
    label: 'record a failed payment',
    roles: ['system'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ['PENDING'] }],
    to: { status: 'CONFIRMED', paymentStatus: 'FAILED' },
    guards: [],
    effects: [{ effect: { type: 'email', template: 'payment_failed', to: 'student' } }],
  },
  {
    action: 'expire_payment_window',
    rule: 'R16',
    label: 'expire the payment window',
    roles: ['system'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ANY_UNPAID }],
    to: (ctx) => ({ status: 'CANCELLED', paymentStatus: ctx.state?.paymentStatus ?? 'UNPAID' }),
    guards: [paymentWindowPassed],
    effects: [
      { effect: { type: 'cancel_payment_intent' }, when: openIntent },
      ...emailBoth('booking_cancelled').map((effect) => ({ effect })),
    ],
    fixedReason: 'payment_not_received',
  },
  {
    action: 'complete',
    rule: 'R17',
    label: 'complete',
    roles: ['teacher', 'admin'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ['PAID'] }],
    to: { status: 'COMPLETED', paymentStatus: 'PAID' },
    guards: [endHasPassed],
    effects: [],
  },
  {
    action: 'complete',
    rule: 'R17',
    label: 'complete',
    roles: ['system'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ['PAID'] }],
    to: { status: 'COMPLETED', paymentStatus: 'PAID' },
    guards: [systemCompletesAfterGrace],
    effects: [],
  },
  {
    action: 'cancel_paid',
    rule: 'R18',
    label: 'cancel a paid booking',
    roles: ['admin'],
    from: [{ status: 'CONFIRMED', paymentStatuses: ['PAID'] }],
    to: { status: 'CANCELLED', paymentStatus: 'REFUNDED' },
    guards: [reasonRequired],
    effects: [
      { effect: { type: 'refund_payment', amount: 'full' } },
      { effect: { type: 'delete_meeting' } },
      ...emailBoth('booking_cancelled').map((effect) => ({ effect })),
    ],
  },
  {
    action: 'refund',
    rule: 'R19',
    label: 'refund',
    roles: ['admin', 'finance'],
    from: [{ status: 'COMPLETED', paymentStatuses: ['PAID', 'PARTIALLY_REFUNDED'] }],
    to: (ctx) =>
      ctx.refund && ctx.refund.amountMinor === ctx.refund.refundableMinor
        ? { status: 'REFUNDED', paymentStatus: 'REFUNDED' }
        : { status: 'COMPLETED', paymentStatus: 'PARTIALLY_REFUNDED' },
    guards: [reasonRequired, refundWithinRemaining],
    effects: [
      { effect: { type: 'refund_payment', amount: 'requested' } },
      { effect: { type: 'email', template: 'booking_refunded', to: 'student' } },
    ],
  },
];

export interface BookingDecision {
  readonly action: BookingAction;
  readonly rule: string;
  readonly from: BookingState | null;
  readonly to: BookingState;
  readonly effects: readonly Effect[];
  readonly reason: string | null;
}

/** The rows for an action; an action may have one row per group of roles (R17: the system waits 24 h). */
export function bookingRules(action: BookingAction): readonly BookingTransitionRule[] {
  const rules = BOOKING_TRANSITIONS.filter((candidate) => candidate.action === action);
  if (rules.length === 0) throw new DomainError('VALIDATION', `Unknown booking action "${action}"`);
  return rules;
}

function matches(patterns: readonly StatePattern[], state: BookingState): boolean {
  return patterns.some(
    (pattern) => pattern.status === state.status && pattern.paymentStatuses.includes(state.paymentStatus),
  );
}

function describePatterns(patterns: readonly StatePattern[]): string {
  return patterns
    .map((pattern) =>
      pattern.paymentStatuses.length === 1 && pattern.paymentStatuses[0] === 'UNPAID'
        ? pattern.status
        : `${pattern.status} (payment ${pattern.paymentStatuses.join('/')})`,
    )
    .join(' or ');
}

function bookingLabel(ctx: BookingContext): string {
  return ctx.bookingId === undefined ? 'This booking' : `Booking ${ctx.bookingId}`;
}

/**
 * Decides one transition: checks the actor's role, the current state and the guards, in that
 * order, and returns the next state and the effects to run — or throws a DomainError that names
 * the current state and the refused action.
 */
export function decideBookingTransition(action: BookingAction, actor: Actor, ctx: BookingContext): BookingDecision {
  const rules = bookingRules(action);
  const role = transitionRoleOf(actor);
  const rule = rules.find((candidate) => candidate.roles.includes(role));
  if (!rule) {
    const first = rules[0];
    const allowed = rules.flatMap((candidate) => candidate.roles);
    throw new DomainError(
      'FORBIDDEN',
      `A ${role} may not ${first?.label ?? action} a booking (${first?.rule ?? ''}: allowed for ${allowed.join(', ')})`,
      { action, role },
    );
  }
  if (rule.from === null) {
    if (ctx.state !== null) {
      throw new DomainError('ILLEGAL_TRANSITION', `${bookingLabel(ctx)} already exists`, { action });
    }
  } else {
    if (ctx.state === null) {
      throw new DomainError('VALIDATION', `A booking is needed to ${rule.label}`, { action });
    }
    if (!matches(rule.from, ctx.state)) {
      const paymentNote = ctx.state.paymentStatus === 'UNPAID' ? '' : ` (payment ${ctx.state.paymentStatus})`;
      throw new DomainError(
        'ILLEGAL_TRANSITION',
        `${bookingLabel(ctx)} is ${ctx.state.status}${paymentNote}; only ${describePatterns(rule.from)} bookings can be ${pastTense(action)}`,
        { action, status: ctx.state.status, paymentStatus: ctx.state.paymentStatus },
      );
    }
  }
  for (const guard of rule.guards) {
    const failure = guard.check(ctx);
    if (failure !== null) {
      throw new DomainError(guard.code, `${bookingLabel(ctx)}: ${failure}`, { action, guard: guard.name });
    }
  }
  const to = typeof rule.to === 'function' ? rule.to(ctx) : rule.to;
  const effects = rule.effects.filter((entry) => entry.when?.(ctx) ?? true).map((entry) => entry.effect);
  const reason = rule.fixedReason ?? (ctx.reason?.trim() ? ctx.reason.trim() : null);
  return { action, rule: rule.rule, from: ctx.state, to, effects, reason };
}

const PAST_TENSE: Record<BookingAction, string> = {
  create: 'created',
  confirm: 'confirmed',
  decline: 'declined',
  cancel: 'cancelled',
  start_payment: 'sent to payment',
  payment_succeeded: 'marked paid',
  payment_failed: 'marked as failed payments',
  expire_payment_window: 'expired for non-payment',
  complete: 'completed',
  cancel_paid: 'cancelled with a refund',
  refund: 'refunded',
};

function pastTense(action: BookingAction): string {
  return PAST_TENSE[action];
}

/** Whether `action` can start from this state at all (who acts and the guards aside). */
export function bookingActionOpenFrom(action: BookingAction, state: BookingState): boolean {
  return bookingRules(action).some((rule) => rule.from !== null && matches(rule.from, state));
}

/** Actions a given actor could take on a booking in this state, ignoring guards (for the console's buttons). */
export function availableBookingActions(state: BookingState, actor: Actor): BookingAction[] {
  const role = transitionRoleOf(actor);
  return BOOKING_TRANSITIONS.filter(
    (rule) => rule.from !== null && rule.roles.includes(role) && matches(rule.from, state),
  ).map((rule) => rule.action);
}
