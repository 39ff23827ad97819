import type { Actor } from './actors';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './clock';
import { emailBoth, type BookingEffect } from './effects';
import {
  decide,
  openActions,
  openFrom,
  type Decision,
  type Guard,
  type Machine,
  type TransitionRow,
} from './lifecycle';
import { MAX_SESSION_MINUTES, MIN_SESSION_MINUTES, SESSION_MINUTES_STEP } from './pricing';
import { moneyText } from './money';
import type { BookingPaymentStatus, BookingState, BookingStatus } from './states';

/**
 * The booking lifecycle (R10–R19, R27) as rows of the lifecycle kernel. Refunds themselves are
 * refund requests with their own table; the booking only records what Stripe confirmed
 * (`refund` when a refund succeeded, `refund_failed` when one that had counted failed later).
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
  'refund_failed',
  'request_reschedule',
  'accept_reschedule',
  'decline_reschedule',
  'expire_reschedule',
  'reschedule',
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
  /** For `refund`: the amount Stripe refunded and what remained refundable before it. */
  readonly refund?:
    | { readonly amountMinor: number; readonly refundableMinor: number; readonly currency?: string | undefined }
    | undefined;
  /** For `refund_failed`: what stays refunded on the payment once the failed refund is taken back. */
  readonly refundReversal?: { readonly refundedAfterMinor: number } | undefined;
  /** For the reschedule rows (R51–R53): the move asked for and the facts the service loaded. */
  readonly reschedule?: RescheduleFacts | undefined;
  /** For `create`: facts the service loaded. */
  readonly creation?:
    | {
        readonly gigActive: boolean;
        readonly studentIsTeacher: boolean;
        readonly overlapsTeacherBooking: boolean;
      }
    | undefined;
}

/** The two parties of a booking, who ask for and answer a move. */
export type BookingParty = 'STUDENT' | 'TEACHER';

export interface RescheduleFacts {
  /** The new start and end asked for (same duration), when the action names one. */
  readonly startsAt?: Date | undefined;
  readonly endsAt?: Date | undefined;
  /** The new time overlaps the teacher's other PENDING or CONFIRMED bookings. */
  readonly overlapsTeacherBooking?: boolean | undefined;
  readonly movesSoFar: number;
  /** The `maxReschedules` setting (default 2). */
  readonly maxMoves: number;
  /** The open request, if any. */
  readonly open: { readonly requestedBy: BookingParty; readonly expiresAt: Date } | null;
  /** Who acts, when a party acts: the requester asks, the other party answers. */
  readonly actingParty?: BookingParty | null | undefined;
}

export type BookingRow = TransitionRow<BookingState, BookingAction, BookingContext, BookingEffect>;
export type BookingDecision = Decision<BookingState, BookingAction, BookingEffect>;

const state = (status: BookingStatus, paymentStatus: BookingPaymentStatus): BookingState => ({
  status,
  paymentStatus,
});
const states = (status: BookingStatus, paymentStatuses: readonly BookingPaymentStatus[]): BookingState[] =>
  paymentStatuses.map((paymentStatus) => state(status, paymentStatus));

const NOT_YET_PAID: readonly BookingPaymentStatus[] = ['UNPAID', 'PENDING', 'FAILED'];

// ---- guards -------------------------------------------------------------------------------

const reasonRequired: Guard<BookingContext> = {
  name: 'reason required',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) => (ctx.reason && ctx.reason.trim().length > 0 ? null : 'A reason is required for this action'),
};

const startStillInFuture: Guard<BookingContext> = {
  name: 'start still in the future',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.startsAt.getTime() > ctx.now.getTime()
      ? null
      : `The session started at ${ctx.startsAt.toISOString()}; it can no longer be confirmed or paid`,
};

const endHasPassed: Guard<BookingContext> = {
  name: 'end has passed',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.now.getTime() >= ctx.endsAt.getTime()
      ? null
      : `The session ends at ${ctx.endsAt.toISOString()}; it cannot be completed before then`,
};

const systemCompletesAfterGrace: Guard<BookingContext> = {
  name: 'system completes 24 h after the end',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.now.getTime() >= ctx.endsAt.getTime() + DAY_MS
      ? null
      : 'Sessions are completed automatically only 24 hours after they end',
};

export const DEFAULT_PAYMENT_WINDOW_MINUTES = 15;

const paymentWindowPassed: Guard<BookingContext> = {
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

const createWindow: Guard<BookingContext> = {
  name: 'start between now + 1 h and now + 180 days',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) => {
    const lead = ctx.startsAt.getTime() - ctx.now.getTime();
    if (lead < EARLIEST_BOOKING_LEAD_MS) return 'A session must start at least 1 hour from now';
    if (lead > LATEST_BOOKING_AHEAD_MS) return 'A session cannot start more than 180 days from now';
    return null;
  },
};

const validDuration: Guard<BookingContext> = {
  name: 'duration 15–240 minutes in steps of 15, end = start + duration',
  code: 'VALIDATION',
  needsInput: true,
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

const gigActive: Guard<BookingContext> = {
  name: 'gig active',
  code: 'GUARD_FAILED',
  needsInput: true,
  check: (ctx) => (ctx.creation?.gigActive === true ? null : 'This gig is not active and cannot be booked'),
};

const studentIsNotTeacher: Guard<BookingContext> = {
  name: 'student is not the teacher',
  code: 'GUARD_FAILED',
  needsInput: true,
  check: (ctx) => (ctx.creation?.studentIsTeacher === false ? null : 'A teacher cannot book their own gig'),
};

const noTeacherOverlap: Guard<BookingContext> = {
  name: 'no overlap with the teacher’s pending or confirmed bookings',
  code: 'OVERLAP',
  needsInput: true,
  check: (ctx) =>
    ctx.creation?.overlapsTeacherBooking === false
      ? null
      : 'The teacher already has a pending or confirmed booking at that time',
};

const refundWithinRemaining: Guard<BookingContext> = {
  name: 'amount ≤ amount still refundable',
  code: 'REFUND_EXCEEDS_REMAINING',
  needsInput: true,
  check: (ctx) => {
    if (!ctx.refund) return 'No refund amount was given';
    const { amountMinor, refundableMinor } = ctx.refund;
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0)
      return 'The refund amount must be a positive whole number of minor units';
    return amountMinor <= refundableMinor
      ? null
      : `The refund of ${moneyText(amountMinor, ctx.refund.currency)} exceeds the ${moneyText(refundableMinor, ctx.refund.currency)} still refundable`;
  },
};

const reversalKnown: Guard<BookingContext> = {
  name: 'what stays refunded is known',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) =>
    ctx.refundReversal && Number.isSafeInteger(ctx.refundReversal.refundedAfterMinor)
      ? null
      : 'The amount that stays refunded must be given',
};

// ---- rescheduling (R51–R53) ------------------------------------------------------------------

/** R51: no move (and no request) in the last 24 h before the start, except by an admin. */
export const RESCHEDULE_CUTOFF_MS = DAY_MS;
/** R53: an open request expires unanswered at the earlier of 48 h or the original start. */
export const RESCHEDULE_REQUEST_TTL_MS = 2 * DAY_MS;
export const DEFAULT_MAX_RESCHEDULES = 2;

export function rescheduleRequestExpiry(requestedAt: Date, originalStart: Date): Date {
  return new Date(Math.min(requestedAt.getTime() + RESCHEDULE_REQUEST_TTL_MS, originalStart.getTime()));
}

const newTimeWithinWindow: Guard<BookingContext> = {
  name: 'new start between now + 1 h and now + 180 days, same duration',
  code: 'VALIDATION',
  needsInput: true,
  check: (ctx) => {
    const to = ctx.reschedule?.startsAt;
    if (!to) return 'A new start time is required';
    const lead = to.getTime() - ctx.now.getTime();
    if (lead < EARLIEST_BOOKING_LEAD_MS) return 'The new time must be at least 1 hour from now';
    if (lead > LATEST_BOOKING_AHEAD_MS) return 'The new time cannot be more than 180 days from now';
    if (to.getTime() === ctx.startsAt.getTime()) return 'The new time is the booking’s current time';
    const end = ctx.reschedule.endsAt;
    if (end && end.getTime() !== to.getTime() + ctx.minutes * MINUTE_MS) return 'A move keeps the session’s duration';
    return null;
  },
};

const newTimeFree: Guard<BookingContext> = {
  name: 'no overlap with the teacher’s pending or confirmed bookings at the new time',
  code: 'OVERLAP',
  needsInput: true,
  check: (ctx) =>
    ctx.reschedule?.overlapsTeacherBooking === false
      ? null
      : 'The teacher already has a pending or confirmed booking at the new time',
};

const movesLeft: Guard<BookingContext> = {
  name: 'at most the allowed number of moves',
  code: 'GUARD_FAILED',
  check: (ctx) => {
    const facts = ctx.reschedule;
    if (!facts) return 'The booking’s moves are not known';
    return facts.movesSoFar < facts.maxMoves
      ? null
      : `This booking was already moved ${facts.movesSoFar} time${facts.movesSoFar === 1 ? '' : 's'}, the most allowed`;
  },
};

const notInLastDay: Guard<BookingContext> = {
  name: 'not in the last 24 h before the start',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.now.getTime() < ctx.startsAt.getTime() - RESCHEDULE_CUTOFF_MS
      ? null
      : 'The session starts within 24 hours; only an admin can move it now',
};

const noOpenRequest: Guard<BookingContext> = {
  name: 'no open request to move',
  code: 'GUARD_FAILED',
  check: (ctx) =>
    ctx.reschedule?.open
      ? `The ${ctx.reschedule.open.requestedBy.toLowerCase()} already asked to move this booking; it must be answered first`
      : null,
};

const openRequestOfTheOtherParty: Guard<BookingContext> = {
  name: 'an open request by the other party',
  code: 'GUARD_FAILED',
  check: (ctx) => {
    const open = ctx.reschedule?.open;
    if (!open) return 'Nobody asked to move this booking';
    if (open.expiresAt.getTime() <= ctx.now.getTime()) return 'The request to move this booking has expired';
    return ctx.reschedule.actingParty === open.requestedBy
      ? 'You asked for this move; the other party answers it'
      : null;
  },
};

const openRequestExpired: Guard<BookingContext> = {
  name: 'an open request past its expiry',
  code: 'GUARD_FAILED',
  check: (ctx) => {
    const open = ctx.reschedule?.open;
    if (!open) return 'Nobody asked to move this booking';
    return open.expiresAt.getTime() <= ctx.now.getTime() ? null : 'The request to move this booking is still open';
  },
};

const paidMeeting = (ctx: BookingContext): boolean => ctx.state?.paymentStatus === 'PAID';
const to = (party: BookingParty) => (ctx: BookingContext) =>
  (ctx.reschedule?.actingParty ?? ctx.reschedule?.open?.requestedBy) === party;
const sameState = (_ctx: BookingContext, from: BookingState | null): BookingState =>
  from ?? state('CONFIRMED', 'UNPAID');

/** R52: a moved booking keeps its state and money; a paid one's meeting moves in place; both are told. */
const movedEffects: BookingRow['effects'] = [
  { effect: { type: 'update_meeting' }, when: paidMeeting },
  ...emailBoth('booking_rescheduled').map((effect) => ({ effect })),
];

const CONFIRMED_ANY = states('CONFIRMED', ['UNPAID', 'PENDING', 'FAILED', 'PAID']);

const openPayment = (ctx: BookingContext): boolean =>
  ctx.state?.paymentStatus === 'PENDING' || ctx.state?.paymentStatus === 'FAILED';

const cancelEffects: BookingRow['effects'] = [
  { effect: { type: 'cancel_payment' }, when: openPayment },
  ...emailBoth('booking_cancelled').map((effect) => ({ effect })),
];

/** After a refund Stripe confirmed: fully refunded ends the booking's money; partly keeps it going. */
function afterRefund(ctx: BookingContext, from: BookingState | null): BookingState {
  const full = ctx.refund !== undefined && ctx.refund.amountMinor >= ctx.refund.refundableMinor;
  if (from?.status === 'CANCELLED') return state('CANCELLED', full ? 'REFUNDED' : 'PARTIALLY_REFUNDED');
  return full ? state('REFUNDED', 'REFUNDED') : state('COMPLETED', 'PARTIALLY_REFUNDED');
}

/** R27: a refund that failed after it had counted is taken back; the booking returns to where it was. */
function afterFailedRefund(ctx: BookingContext, from: BookingState | null): BookingState {
  const paymentStatus: BookingPaymentStatus =
    (ctx.refundReversal?.refundedAfterMinor ?? 0) > 0 ? 'PARTIALLY_REFUNDED' : 'PAID';
  return state(from?.status === 'CANCELLED' ? 'CANCELLED' : 'COMPLETED', paymentStatus);
}

// ---- the table ----------------------------------------------------------------------------

export const BOOKING_TRANSITIONS: readonly BookingRow[] = [
  {
    action: 'create',
    rule: 'R10',
    roles: ['student', 'support', 'admin'],
    from: null,
    to: state('PENDING', 'UNPAID'),
    guards: [validDuration, createWindow, gigActive, studentIsNotTeacher, noTeacherOverlap],
    effects: [{ effect: { type: 'email', template: 'booking_requested', to: 'teacher' } }],
  },
  {
    action: 'confirm',
    rule: 'R11',
    roles: ['teacher', 'admin'],
    from: [state('PENDING', 'UNPAID')],
    to: state('CONFIRMED', 'UNPAID'),
    guards: [startStillInFuture],
    effects: [{ effect: { type: 'email', template: 'booking_confirmed', to: 'student' } }],
  },
  {
    action: 'decline',
    rule: 'R12',
    roles: ['teacher', 'admin'],
    from: [state('PENDING', 'UNPAID')],
    to: state('CANCELLED', 'UNPAID'),
    guards: [reasonRequired],
    effects: [{ effect: { type: 'email', template: 'booking_declined', to: 'student' } }],
  },
  {
    // The open payment is cancelled with the booking (its own table moves it), so nothing is due.
    action: 'cancel',
    rule: 'R13',
    roles: ['student', 'support', 'admin'],
    from: [state('PENDING', 'UNPAID'), ...states('CONFIRMED', NOT_YET_PAID)],
    to: state('CANCELLED', 'UNPAID'),
    guards: [reasonRequired],
    effects: cancelEffects,
  },
  {
    action: 'start_payment',
    rule: 'R15/R23',
    roles: ['student', 'admin', 'system'],
    from: states('CONFIRMED', ['UNPAID', 'FAILED']),
    to: state('CONFIRMED', 'PENDING'),
    guards: [startStillInFuture],
    effects: [],
  },
  {
    action: 'payment_succeeded',
    rule: 'R14',
    roles: ['system'],
    from: states('CONFIRMED', ['PENDING', 'FAILED']),
    to: state('CONFIRMED', 'PAID'),
    guards: [],
    effects: [{ effect: { type: 'create_meeting' } }, ...emailBoth('payment_received').map((effect) => ({ effect }))],
  },
  {
    action: 'payment_failed',
    rule: 'R15',
    roles: ['system'],
    from: [state('CONFIRMED', 'PENDING')],
    to: state('CONFIRMED', 'FAILED'),
    guards: [],
    effects: [{ effect: { type: 'email', template: 'payment_failed', to: 'student' } }],
  },
  {
    action: 'expire_payment_window',
    rule: 'R16',
    roles: ['system'],
    from: states('CONFIRMED', NOT_YET_PAID),
    to: state('CANCELLED', 'UNPAID'),
    guards: [paymentWindowPassed],
    effects: cancelEffects,
    fixedReason: 'payment_not_received',
  },
  {
    action: 'complete',
    rule: 'R17',
    roles: ['teacher', 'admin'],
    from: [state('CONFIRMED', 'PAID')],
    to: state('COMPLETED', 'PAID'),
    guards: [endHasPassed],
    effects: [],
  },
  {
    action: 'complete',
    rule: 'R17',
    roles: ['system'],
    from: [state('CONFIRMED', 'PAID')],
    to: state('COMPLETED', 'PAID'),
    guards: [systemCompletesAfterGrace],
    effects: [],
  },
  {
    // R18 with R27: the booking is cancelled at once; its payment stays PAID until Stripe says the
    // full refund (filed here as an approved refund request) succeeded.
    action: 'cancel_paid',
    rule: 'R18',
    roles: ['admin'],
    from: [state('CONFIRMED', 'PAID')],
    to: state('CANCELLED', 'PAID'),
    guards: [reasonRequired],
    effects: [
      { effect: { type: 'refund_in_full' } },
      { effect: { type: 'delete_meeting' } },
      ...emailBoth('booking_cancelled').map((effect) => ({ effect })),
    ],
  },
  {
    // R19/R27: recorded when Stripe says a refund succeeded, never when it was only accepted. A
    // cancelled paid booking (R18) whose full refund failed stays cancelled and is refunded by new
    // refunds (R27: "a new attempt is a new refund"); when staff split that into parts, the booking
    // follows each part until all of it is back, as a completed session's does under R19.
    action: 'refund',
    rule: 'R19',
    roles: ['admin', 'finance', 'system'],
    from: [
      ...states('COMPLETED', ['PAID', 'PARTIALLY_REFUNDED']),
      ...states('CANCELLED', ['PAID', 'PARTIALLY_REFUNDED']),
    ],
    to: afterRefund,
    guards: [reasonRequired, refundWithinRemaining],
    effects: [{ effect: { type: 'email', template: 'booking_refunded', to: 'student' } }],
  },
  {
    action: 'refund_failed',
    rule: 'R27',
    roles: ['system'],
    from: [
      state('COMPLETED', 'PARTIALLY_REFUNDED'),
      state('REFUNDED', 'REFUNDED'),
      state('CANCELLED', 'REFUNDED'),
      state('CANCELLED', 'PARTIALLY_REFUNDED'),
    ],
    to: afterFailedRefund,
    guards: [reversalKnown],
    effects: [],
  },
  {
    // R51: one party asks (with a reason); the other is told. The booking's state does not change.
    action: 'request_reschedule',
    rule: 'R51',
    roles: ['student', 'teacher'],
    from: CONFIRMED_ANY,
    to: sameState,
    guards: [
      reasonRequired,
      startStillInFuture,
      notInLastDay,
      movesLeft,
      noOpenRequest,
      newTimeWithinWindow,
      newTimeFree,
    ],
    effects: [
      { effect: { type: 'email', template: 'reschedule_requested', to: 'teacher' }, when: to('STUDENT') },
      { effect: { type: 'email', template: 'reschedule_requested', to: 'student' }, when: to('TEACHER') },
    ],
  },
  {
    // R51/R52: the other party accepts; the guards of the new time apply again now.
    action: 'accept_reschedule',
    rule: 'R51',
    roles: ['student', 'teacher'],
    from: CONFIRMED_ANY,
    to: sameState,
    guards: [openRequestOfTheOtherParty, startStillInFuture, notInLastDay, movesLeft, newTimeWithinWindow, newTimeFree],
    effects: movedEffects,
  },
  {
    action: 'decline_reschedule',
    rule: 'R51',
    roles: ['student', 'teacher'],
    from: CONFIRMED_ANY,
    to: sameState,
    guards: [openRequestOfTheOtherParty],
    effects: [
      // The requester hears the answer (the actor is the other party).
      { effect: { type: 'email', template: 'reschedule_declined', to: 'student' }, when: to('TEACHER') },
      { effect: { type: 'email', template: 'reschedule_declined', to: 'teacher' }, when: to('STUDENT') },
    ],
  },
  {
    // R53: unanswered at the earlier of 48 h or the original start.
    action: 'expire_reschedule',
    rule: 'R53',
    roles: ['system'],
    from: CONFIRMED_ANY,
    to: sameState,
    guards: [openRequestExpired],
    effects: [
      { effect: { type: 'email', template: 'reschedule_expired', to: 'student' }, when: to('STUDENT') },
      { effect: { type: 'email', template: 'reschedule_expired', to: 'teacher' }, when: to('TEACHER') },
    ],
    fixedReason: 'reschedule_request_expired',
  },
  {
    // R51: support moves it on both parties' behalf, with a reason, not in the last 24 h.
    action: 'reschedule',
    rule: 'R51',
    roles: ['support'],
    from: CONFIRMED_ANY,
    to: sameState,
    guards: [reasonRequired, startStillInFuture, notInLastDay, movesLeft, newTimeWithinWindow, newTimeFree],
    effects: movedEffects,
  },
  {
    // An admin may also move it in the last 24 h.
    action: 'reschedule',
    rule: 'R51',
    roles: ['admin'],
    from: CONFIRMED_ANY,
    to: sameState,
    guards: [reasonRequired, startStillInFuture, movesLeft, newTimeWithinWindow, newTimeFree],
    effects: movedEffects,
  },
];

const WORDS: Record<BookingAction, { verb: string; done: string }> = {
  create: { verb: 'create', done: 'created' },
  confirm: { verb: 'confirm', done: 'confirmed' },
  decline: { verb: 'decline', done: 'declined' },
  cancel: { verb: 'cancel', done: 'cancelled' },
  start_payment: { verb: 'start a payment for', done: 'sent to payment' },
  payment_succeeded: { verb: 'record a successful payment for', done: 'marked paid' },
  payment_failed: { verb: 'record a failed payment for', done: 'marked as failed payments' },
  expire_payment_window: { verb: 'expire the payment window of', done: 'expired for non-payment' },
  complete: { verb: 'complete', done: 'completed' },
  cancel_paid: { verb: 'cancel (with a full refund)', done: 'cancelled with a refund' },
  refund: { verb: 'refund', done: 'refunded' },
  refund_failed: { verb: 'take back a failed refund of', done: 'given back a failed refund' },
  request_reschedule: { verb: 'ask to move', done: 'asked to be moved' },
  accept_reschedule: { verb: 'accept the move of', done: 'moved' },
  decline_reschedule: { verb: 'decline the move of', done: 'kept at its time' },
  expire_reschedule: { verb: 'expire the request to move', done: 'left at its time' },
  reschedule: { verb: 'move', done: 'moved' },
};

function describeBookingState(value: BookingState): string {
  return value.paymentStatus === 'UNPAID' ? value.status : `${value.status} (payment ${value.paymentStatus})`;
}

function describeBookingStates(values: readonly BookingState[]): string {
  const byStatus = new Map<BookingStatus, BookingPaymentStatus[]>();
  for (const value of values) byStatus.set(value.status, [...(byStatus.get(value.status) ?? []), value.paymentStatus]);
  return [...byStatus.entries()]
    .map(([status, payments]) =>
      payments.length === 1 && payments[0] === 'UNPAID' ? status : `${status} (payment ${payments.join('/')})`,
    )
    .join(' or ');
}

export const BOOKING_MACHINE: Machine<BookingState, BookingAction, BookingContext, BookingEffect> = {
  entity: 'booking',
  actions: BOOKING_ACTIONS,
  words: WORDS,
  rows: BOOKING_TRANSITIONS,
  key: (value) => `${value.status}/${value.paymentStatus}`,
  describe: describeBookingState,
  describeFrom: describeBookingStates,
};

const labelOf = (ctx: BookingContext) => (ctx.bookingId === undefined ? 'This booking' : `Booking ${ctx.bookingId}`);

/**
 * Decides one booking transition: the actor's role, the current state and the guards, in that
 * order; returns the next state and the effects, or throws a DomainError naming the current
 * state and the refused action.
 */
export function decideBookingTransition(action: BookingAction, actor: Actor, ctx: BookingContext): BookingDecision {
  return decide(BOOKING_MACHINE, { action, actor, state: ctx.state, ctx, label: labelOf(ctx), reason: ctx.reason });
}

/** Whether `action` can start from this state at all (who acts and the guards aside). */
export function bookingActionOpenFrom(action: BookingAction, value: BookingState): boolean {
  return openFrom(BOOKING_MACHINE, action, value);
}

/** What `actor` may do on a booking in this state, with the reason when a guard closes an action. */
export function openBookingActions(actor: Actor, ctx: BookingContext & { state: BookingState }) {
  return openActions<BookingState, BookingAction, BookingContext, BookingEffect>(
    BOOKING_MACHINE,
    actor,
    ctx.state,
    ctx,
  );
}

/**
 * Whether a booking in this state still wants its Zoom meeting: exactly the states a paid booking
 * is in until its session is completed or it is cancelled (R14, R18). The outbox asks this before
 * creating a meeting or sending the join link, rather than comparing statuses by hand.
 */
export function meetingWanted(value: BookingState): boolean {
  return bookingActionOpenFrom('complete', value);
}
