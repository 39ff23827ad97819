import { describe, expect, it } from 'vitest';
import type { Actor, TransitionRole } from '../../../src/main/domain/actors';
import { TRANSITION_ROLES } from '../../../src/main/domain/actors';
import {
  BOOKING_ACTIONS,
  decideBookingTransition,
  type BookingAction,
  type BookingContext,
} from '../../../src/main/domain/booking-machine';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../../../src/main/domain/clock';
import { DomainError } from '../../../src/main/domain/errors';
import {
  BOOKING_PAYMENT_STATUSES,
  BOOKING_STATUSES,
  type BookingPaymentStatus,
  type BookingState,
  type BookingStatus,
} from '../../../src/main/domain/states';

/**
 * The rules' table R10–R19 (with R18 and R27's refund outcomes) written out again, independently of src/main/domain/booking-machine.ts,
 * so that a wrong row there fails here. Every (status, payment status, action, role) is checked.
 */
type Expect = {
  rule: string;
  roles: TransitionRole[];
  from: [BookingStatus, BookingPaymentStatus][];
  to: (from: BookingState, ctx: BookingContext) => BookingState;
  effects: (from: BookingState, role: TransitionRole) => string[];
};

const CONFIRMED_ANY: [BookingStatus, BookingPaymentStatus][] = [
  ['CONFIRMED', 'UNPAID'],
  ['CONFIRMED', 'PENDING'],
  ['CONFIRMED', 'FAILED'],
  ['CONFIRMED', 'PAID'],
];
const same = (from: BookingState) => from;
const other = (role: TransitionRole) => (role === 'student' ? 'teacher' : 'student');
/** R52: a paid booking's meeting moves in place; both parties are told the new time. */
const movedEffects = (from: BookingState) => [
  ...(from.paymentStatus === 'PAID' ? ['update_meeting'] : []),
  'email:booking_rescheduled:student',
  'email:booking_rescheduled:teacher',
];

const UNPAID_PAYMENTS: BookingPaymentStatus[] = ['UNPAID', 'PENDING', 'FAILED'];
const cancelEffects = (from: BookingState) => [
  ...(from.paymentStatus === 'PENDING' || from.paymentStatus === 'FAILED' ? ['cancel_payment'] : []),
  'email:booking_cancelled:student',
  'email:booking_cancelled:teacher',
];

const EXPECTED: Record<Exclude<BookingAction, 'create' | 'complete'>, Expect> & {
  complete: Expect;
} = {
  confirm: {
    rule: 'R11',
    roles: ['teacher', 'admin'],
    from: [['PENDING', 'UNPAID']],
    to: () => ({ status: 'CONFIRMED', paymentStatus: 'UNPAID' }),
    effects: () => ['email:booking_confirmed:student'],
  },
  decline: {
    rule: 'R12',
    roles: ['teacher', 'admin'],
    from: [['PENDING', 'UNPAID']],
    to: () => ({ status: 'CANCELLED', paymentStatus: 'UNPAID' }),
    effects: () => ['email:booking_declined:student'],
  },
  cancel: {
    rule: 'R13',
    roles: ['student', 'support', 'admin'],
    from: [
      ['PENDING', 'UNPAID'],
      ...UNPAID_PAYMENTS.map((p): [BookingStatus, BookingPaymentStatus] => ['CONFIRMED', p]),
    ],
    // The open payment is cancelled with the booking, through the payment table: nothing is due.
    to: () => ({ status: 'CANCELLED', paymentStatus: 'UNPAID' }),
    effects: cancelEffects,
  },
  start_payment: {
    rule: 'R15/R23',
    roles: ['student', 'admin', 'system'],
    from: [
      ['CONFIRMED', 'UNPAID'],
      ['CONFIRMED', 'FAILED'],
    ],
    to: () => ({ status: 'CONFIRMED', paymentStatus: 'PENDING' }),
    effects: () => [],
  },
  payment_succeeded: {
    rule: 'R14',
    roles: ['system'],
    from: [
      ['CONFIRMED', 'PENDING'],
      ['CONFIRMED', 'FAILED'],
    ],
    to: () => ({ status: 'CONFIRMED', paymentStatus: 'PAID' }),
    effects: () => ['create_meeting', 'email:payment_received:student', 'email:payment_received:teacher'],
  },
  payment_failed: {
    rule: 'R15',
    roles: ['system'],
    from: [['CONFIRMED', 'PENDING']],
    to: () => ({ status: 'CONFIRMED', paymentStatus: 'FAILED' }),
    effects: () => ['email:payment_failed:student'],
  },
  expire_payment_window: {
    rule: 'R16',
    roles: ['system'],
    from: UNPAID_PAYMENTS.map((p): [BookingStatus, BookingPaymentStatus] => ['CONFIRMED', p]),
    to: () => ({ status: 'CANCELLED', paymentStatus: 'UNPAID' }),
    effects: cancelEffects,
  },
  complete: {
    rule: 'R17',
    roles: ['teacher', 'admin', 'system'],
    from: [['CONFIRMED', 'PAID']],
    to: () => ({ status: 'COMPLETED', paymentStatus: 'PAID' }),
    effects: () => [],
  },
  cancel_paid: {
    rule: 'R18',
    roles: ['admin'],
    from: [['CONFIRMED', 'PAID']],
    // R27: the payment stays PAID until Stripe says the full refund (filed by the effect) succeeded.
    to: () => ({ status: 'CANCELLED', paymentStatus: 'PAID' }),
    effects: () => [
      'refund_in_full',
      'delete_meeting',
      'email:booking_cancelled:student',
      'email:booking_cancelled:teacher',
    ],
  },
  refund: {
    rule: 'R19',
    roles: ['admin', 'finance', 'system'],
    from: [
      ['COMPLETED', 'PAID'],
      ['COMPLETED', 'PARTIALLY_REFUNDED'],
      // R18's full refund failed (R27): new refunds, in parts too, until all of it is back.
      ['CANCELLED', 'PAID'],
      ['CANCELLED', 'PARTIALLY_REFUNDED'],
    ],
    // The happy context refunds everything that remains; a cancelled booking stays cancelled.
    to: (from) =>
      from.status === 'CANCELLED'
        ? { status: 'CANCELLED', paymentStatus: 'REFUNDED' }
        : { status: 'REFUNDED', paymentStatus: 'REFUNDED' },
    effects: () => ['email:booking_refunded:student'],
  },
  refund_failed: {
    rule: 'R27',
    roles: ['system'],
    from: [
      ['COMPLETED', 'PARTIALLY_REFUNDED'],
      ['REFUNDED', 'REFUNDED'],
      ['CANCELLED', 'REFUNDED'],
      ['CANCELLED', 'PARTIALLY_REFUNDED'],
    ],
    // The happy context takes everything back: nothing stays refunded.
    to: (from) => ({ status: from.status === 'CANCELLED' ? 'CANCELLED' : 'COMPLETED', paymentStatus: 'PAID' }),
    effects: () => [],
  },
  // R51–R53: moving never changes the booking's state or money.
  request_reschedule: {
    rule: 'R51',
    roles: ['student', 'teacher'],
    from: CONFIRMED_ANY,
    to: same,
    effects: (_from, role) => [`email:reschedule_requested:${other(role)}`],
  },
  accept_reschedule: {
    rule: 'R51',
    roles: ['student', 'teacher'],
    from: CONFIRMED_ANY,
    to: same,
    effects: movedEffects,
  },
  decline_reschedule: {
    rule: 'R51',
    roles: ['student', 'teacher'],
    from: CONFIRMED_ANY,
    to: same,
    // The requester (the other party) hears the answer.
    effects: (_from, role) => [`email:reschedule_declined:${other(role)}`],
  },
  expire_reschedule: {
    rule: 'R53',
    roles: ['system'],
    from: CONFIRMED_ANY,
    to: same,
    effects: () => ['email:reschedule_expired:student'],
  },
  reschedule: {
    rule: 'R51',
    roles: ['support', 'admin'],
    from: CONFIRMED_ANY,
    to: same,
    effects: movedEffects,
  },
};

const NOW = new Date('2026-06-01T12:00:00Z');

function actorFor(role: TransitionRole): Actor {
  switch (role) {
    case 'admin':
      return { kind: 'STAFF', id: 1, role: 'ADMIN' };
    case 'finance':
      return { kind: 'STAFF', id: 2, role: 'FINANCE' };
    case 'support':
      return { kind: 'STAFF', id: 3, role: 'SUPPORT' };
    case 'student':
      return { kind: 'STUDENT', id: 10 };
    case 'teacher':
      return { kind: 'TEACHER', id: 20 };
    case 'system':
      return { kind: 'SYSTEM', process: 'test' };
  }
}

/** A context in which every guard of `action` holds, so only role and state decide. */
function happyContext(
  action: BookingAction,
  state: BookingState | null,
  role: TransitionRole = 'admin',
): BookingContext {
  const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
  const party = role === 'student' ? 'STUDENT' : role === 'teacher' ? 'TEACHER' : null;
  const upcoming = {
    bookingId: 7,
    state,
    startsAt: at(2 * DAY_MS),
    endsAt: at(2 * DAY_MS + HOUR_MS),
    minutes: 60,
    now: NOW,
    reason: 'the student is travelling',
  };
  const newTime = { startsAt: at(3 * DAY_MS), endsAt: at(3 * DAY_MS + HOUR_MS), overlapsTeacherBooking: false };
  switch (action) {
    case 'request_reschedule':
    case 'reschedule':
      return { ...upcoming, reschedule: { ...newTime, movesSoFar: 1, maxMoves: 2, open: null, actingParty: party } };
    case 'accept_reschedule':
    case 'decline_reschedule':
      // The other party asked, and the request is still open.
      return {
        ...upcoming,
        reschedule: {
          ...newTime,
          movesSoFar: 1,
          maxMoves: 2,
          open: { requestedBy: party === 'STUDENT' ? 'TEACHER' : 'STUDENT', expiresAt: at(DAY_MS) },
          actingParty: party,
        },
      };
    case 'expire_reschedule':
      return {
        ...upcoming,
        reason: null,
        reschedule: { movesSoFar: 0, maxMoves: 2, open: { requestedBy: 'STUDENT', expiresAt: NOW }, actingParty: null },
      };
    case 'complete':
      // Ended more than 24 h ago, so the system's grace period has passed too.
      return {
        bookingId: 7,
        state,
        startsAt: at(-2 * DAY_MS),
        endsAt: at(-2 * DAY_MS + HOUR_MS),
        minutes: 60,
        now: NOW,
      };
    case 'expire_payment_window':
      return {
        bookingId: 7,
        state,
        startsAt: at(10 * MINUTE_MS),
        endsAt: at(70 * MINUTE_MS),
        minutes: 60,
        now: NOW,
        reason: null,
      };
    case 'refund_failed':
      return {
        bookingId: 7,
        state,
        startsAt: at(-2 * DAY_MS),
        endsAt: at(-2 * DAY_MS + HOUR_MS),
        minutes: 60,
        now: NOW,
        refundReversal: { refundedAfterMinor: 0 },
      };
    case 'refund':
      return {
        bookingId: 7,
        state,
        startsAt: at(-2 * DAY_MS),
        endsAt: at(-2 * DAY_MS + HOUR_MS),
        minutes: 60,
        now: NOW,
        reason: 'teacher did not show up',
        refund: { amountMinor: 5000, refundableMinor: 5000 },
      };
    default:
      return {
        bookingId: 7,
        state,
        startsAt: at(2 * DAY_MS),
        endsAt: at(2 * DAY_MS + HOUR_MS),
        minutes: 60,
        now: NOW,
        reason: 'student asked',
        creation: { gigActive: true, studentIsTeacher: false, overlapsTeacherBooking: false },
      };
  }
}

const summarize = (effects: readonly { type: string; template?: string; to?: string }[]) =>
  effects.map((effect) =>
    effect.type === 'email' ? `email:${effect.template ?? ''}:${effect.to ?? ''}` : effect.type,
  );

const cases = BOOKING_ACTIONS.filter((action) => action !== 'create').flatMap((action) =>
  BOOKING_STATUSES.flatMap((status) =>
    BOOKING_PAYMENT_STATUSES.flatMap((paymentStatus) =>
      TRANSITION_ROLES.map((role) => ({ action, status, paymentStatus, role })),
    ),
  ),
);

describe('booking machine: every (status, payment status, action, role) — R10–R19, R27', () => {
  it('covers the whole product of states, actions and roles', () => {
    expect(cases).toHaveLength(16 * 5 * 6 * 6);
  });

  it.each(cases)('$action on $status/$paymentStatus by $role', ({ action, status, paymentStatus, role }) => {
    const spec = EXPECTED[action];
    const state: BookingState = { status, paymentStatus };
    const ctx = happyContext(action, state, role);
    const run = () => decideBookingTransition(action, actorFor(role), ctx);
    const roleAllowed = spec.roles.includes(role);
    const stateAllowed = spec.from.some(([s, p]) => s === status && p === paymentStatus);
    if (!roleAllowed) {
      expect(run).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
      return;
    }
    if (!stateAllowed) {
      let error: unknown;
      try {
        run();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(DomainError);
      const domainError = error as DomainError;
      expect(domainError.code).toBe('ILLEGAL_TRANSITION');
      // The message names the booking, its current state and the refused action.
      expect(domainError.message).toContain('Booking 7');
      expect(domainError.message).toContain(status);
      return;
    }
    const decision = run();
    expect(decision.rule).toBe(spec.rule);
    expect(decision.from).toEqual(state);
    expect(decision.to).toEqual(spec.to(state, ctx));
    expect(summarize(decision.effects)).toEqual(spec.effects(state, role));
  });
});

describe('booking machine: create (R10)', () => {
  const create = (role: TransitionRole, overrides: Partial<BookingContext> = {}) =>
    decideBookingTransition('create', actorFor(role), { ...happyContext('create', null), ...overrides });

  it.each(TRANSITION_ROLES)('role %s', (role) => {
    if (['student', 'support', 'admin'].includes(role)) {
      const decision = create(role);
      expect(decision.to).toEqual({ status: 'PENDING', paymentStatus: 'UNPAID' });
      expect(summarize(decision.effects)).toEqual(['email:booking_requested:teacher']);
    } else {
      expect(() => create(role)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    }
  });

  const at = (ms: number) => new Date(NOW.getTime() + ms);
  it.each([
    [
      'starts in 59 minutes',
      { startsAt: at(59 * MINUTE_MS), endsAt: at(119 * MINUTE_MS) },
      'VALIDATION',
      'at least 1 hour',
    ],
    [
      'starts in 181 days',
      { startsAt: at(181 * DAY_MS), endsAt: at(181 * DAY_MS + HOUR_MS) },
      'VALIDATION',
      '180 days',
    ],
    ['20 minutes long', { minutes: 20, endsAt: at(2 * DAY_MS + 20 * MINUTE_MS) }, 'VALIDATION', 'steps of 15'],
    ['255 minutes long', { minutes: 255, endsAt: at(2 * DAY_MS + 255 * MINUTE_MS) }, 'VALIDATION', '15–240'],
    ['end ≠ start + duration', { endsAt: at(2 * DAY_MS + 2 * HOUR_MS) }, 'VALIDATION', 'end time'],
    [
      'inactive gig',
      { creation: { gigActive: false, studentIsTeacher: false, overlapsTeacherBooking: false } },
      'GUARD_FAILED',
      'not active',
    ],
    [
      'student is the teacher',
      { creation: { gigActive: true, studentIsTeacher: true, overlapsTeacherBooking: false } },
      'GUARD_FAILED',
      'own gig',
    ],
    [
      'overlap',
      { creation: { gigActive: true, studentIsTeacher: false, overlapsTeacherBooking: true } },
      'OVERLAP',
      'already has',
    ],
  ] as const)('refuses a booking that %s', (_name, overrides, code, text) => {
    expect(() => create('support', overrides)).toThrow(
      expect.objectContaining({ code, message: expect.stringContaining(text) as string }) as Error,
    );
  });

  it('accepts exactly 1 hour ahead and exactly 180 days ahead', () => {
    expect(create('student', { startsAt: at(HOUR_MS), endsAt: at(2 * HOUR_MS) }).to.status).toBe('PENDING');
    expect(create('student', { startsAt: at(180 * DAY_MS), endsAt: at(180 * DAY_MS + HOUR_MS) }).to.status).toBe(
      'PENDING',
    );
  });
});

describe('booking machine: guards', () => {
  const admin = actorFor('admin');
  const confirmed: BookingState = { status: 'CONFIRMED', paymentStatus: 'UNPAID' };
  const paid: BookingState = { status: 'CONFIRMED', paymentStatus: 'PAID' };

  it('R11: cannot confirm once the start has passed', () => {
    const ctx = {
      ...happyContext('confirm', { status: 'PENDING', paymentStatus: 'UNPAID' }),
      now: new Date(NOW.getTime() + 3 * DAY_MS),
    };
    expect(() => decideBookingTransition('confirm', admin, ctx)).toThrow(
      expect.objectContaining({ code: 'GUARD_FAILED' }) as Error,
    );
  });

  it.each(['decline', 'cancel', 'cancel_paid', 'refund'] as const)('%s requires a reason', (action) => {
    const from: BookingState =
      action === 'decline'
        ? { status: 'PENDING', paymentStatus: 'UNPAID' }
        : action === 'cancel'
          ? confirmed
          : action === 'cancel_paid'
            ? paid
            : { status: 'COMPLETED', paymentStatus: 'PAID' };
    for (const reason of [null, '', '   ']) {
      expect(() => decideBookingTransition(action, admin, { ...happyContext(action, from), reason })).toThrow(
        expect.objectContaining({ code: 'VALIDATION', message: expect.stringContaining('reason') as string }) as Error,
      );
    }
  });

  it('R16: the payment window closes 15 minutes before the start, with reason payment_not_received', () => {
    const system = actorFor('system');
    const base = happyContext('expire_payment_window', confirmed);
    const startsAt = base.startsAt.getTime();
    const early = { ...base, now: new Date(startsAt - 15 * MINUTE_MS - 1) };
    expect(() => decideBookingTransition('expire_payment_window', system, early)).toThrow(
      expect.objectContaining({ code: 'GUARD_FAILED' }) as Error,
    );
    const onTime = decideBookingTransition('expire_payment_window', system, {
      ...base,
      now: new Date(startsAt - 15 * MINUTE_MS),
    });
    expect(onTime.reason).toBe('payment_not_received');
    expect(onTime.to.status).toBe('CANCELLED');
  });

  it('R17: teacher/admin complete after the end; the system only 24 h after it; never without PAID', () => {
    const base = happyContext('complete', paid);
    const justEnded = { ...base, now: new Date(base.endsAt.getTime() + MINUTE_MS) };
    expect(decideBookingTransition('complete', actorFor('teacher'), justEnded).to.status).toBe('COMPLETED');
    expect(() => decideBookingTransition('complete', actorFor('system'), justEnded)).toThrow(
      expect.objectContaining({ code: 'GUARD_FAILED' }) as Error,
    );
    const beforeEnd = { ...base, now: new Date(base.endsAt.getTime() - MINUTE_MS) };
    expect(() => decideBookingTransition('complete', admin, beforeEnd)).toThrow(
      expect.objectContaining({ code: 'GUARD_FAILED' }) as Error,
    );
    expect(() => decideBookingTransition('complete', admin, { ...base, state: confirmed })).toThrow(
      expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }) as Error,
    );
  });

  it('R19: a partial refund keeps the session COMPLETED / PARTIALLY_REFUNDED; more than remains is refused', () => {
    const completed: BookingState = { status: 'COMPLETED', paymentStatus: 'PAID' };
    const base = happyContext('refund', completed);
    const partial = decideBookingTransition('refund', actorFor('finance'), {
      ...base,
      refund: { amountMinor: 1000, refundableMinor: 5000 },
    });
    expect(partial.to).toEqual({ status: 'COMPLETED', paymentStatus: 'PARTIALLY_REFUNDED' });
    expect(() =>
      decideBookingTransition('refund', actorFor('finance'), {
        ...base,
        refund: { amountMinor: 5001, refundableMinor: 5000 },
      }),
    ).toThrow(expect.objectContaining({ code: 'REFUND_EXCEEDS_REMAINING' }) as Error);
    expect(() =>
      decideBookingTransition('refund', actorFor('finance'), {
        ...base,
        refund: { amountMinor: 0, refundableMinor: 5000 },
      }),
    ).toThrow(expect.objectContaining({ code: 'REFUND_EXCEEDS_REMAINING' }) as Error);
  });

  it('R18/R27: a cancelled booking whose full refund failed is refunded in parts and stays CANCELLED', () => {
    const cancelled: BookingState = { status: 'CANCELLED', paymentStatus: 'PAID' };
    const base = happyContext('refund', cancelled);
    const first = decideBookingTransition('refund', actorFor('system'), {
      ...base,
      refund: { amountMinor: 2000, refundableMinor: 5000 },
    });
    expect(first.to).toEqual({ status: 'CANCELLED', paymentStatus: 'PARTIALLY_REFUNDED' });
    const second = decideBookingTransition('refund', actorFor('system'), {
      ...base,
      state: first.to,
      refund: { amountMinor: 3000, refundableMinor: 3000 },
    });
    expect(second.to).toEqual({ status: 'CANCELLED', paymentStatus: 'REFUNDED' });
  });

  it('names the state and the action in words a support person understands', () => {
    expect(() =>
      decideBookingTransition('confirm', admin, {
        ...happyContext('confirm', { status: 'CANCELLED', paymentStatus: 'UNPAID' }),
        bookingId: 42,
      }),
    ).toThrow('Booking 42 is CANCELLED; only PENDING bookings can be confirmed');
  });
});
