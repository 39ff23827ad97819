import { describe, expect, it } from 'vitest';
import { TRANSITION_ROLES, type Actor, type TransitionRole } from '../../../src/main/domain/actors';
import { decidePaymentTransition, PAYMENT_ACTIONS, type PaymentAction } from '../../../src/main/domain/payment-machine';
import { PAYMENT_STATUSES, type PaymentStatus } from '../../../src/main/domain/states';

/** R14, R15, R21–R24, R27 for the payment record, written out independently of the table. */
const EXPECTED: Record<PaymentAction, { roles: TransitionRole[]; from: (PaymentStatus | null)[]; to: PaymentStatus }> =
  {
    create: { roles: ['student', 'admin', 'system'], from: [null], to: 'PENDING' },
    succeed: { roles: ['system'], from: ['PENDING', 'FAILED'], to: 'PAID' },
    fail: { roles: ['system'], from: ['PENDING'], to: 'FAILED' },
    retry: { roles: ['student', 'admin', 'system'], from: ['FAILED'], to: 'PENDING' },
    cancel: { roles: ['student', 'support', 'admin', 'system'], from: ['PENDING', 'FAILED'], to: 'CANCELED' },
    refund: { roles: ['admin', 'finance', 'system'], from: ['PAID', 'PARTIALLY_REFUNDED'], to: 'PARTIALLY_REFUNDED' },
    // R27: 500 of the 1000 refunded is taken back, 500 stays refunded.
    refund_failed: { roles: ['system'], from: ['PARTIALLY_REFUNDED', 'REFUNDED'], to: 'PARTIALLY_REFUNDED' },
  };

function actorFor(role: TransitionRole): Actor {
  if (role === 'admin') return { kind: 'STAFF', id: 1, role: 'ADMIN' };
  if (role === 'finance') return { kind: 'STAFF', id: 2, role: 'FINANCE' };
  if (role === 'support') return { kind: 'STAFF', id: 3, role: 'SUPPORT' };
  if (role === 'student') return { kind: 'STUDENT', id: 4 };
  if (role === 'teacher') return { kind: 'TEACHER', id: 5 };
  return { kind: 'SYSTEM', process: 'test' };
}

const cases = PAYMENT_ACTIONS.flatMap((action) =>
  [null, ...PAYMENT_STATUSES].flatMap((status) => TRANSITION_ROLES.map((role) => ({ action, status, role }))),
);

describe('payment machine: every (status, action, role)', () => {
  it.each(cases)('$action on $status by $role', ({ action, status, role }) => {
    const spec = EXPECTED[action];
    const run = () =>
      decidePaymentTransition(action, actorFor(role), {
        paymentId: 9,
        status,
        amountMinor: 7875,
        refundedMinor: 1000,
        refundAmountMinor: 500,
        reversedAmountMinor: 500,
      });
    if (!spec.roles.includes(role)) {
      expect(run).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    } else if (!spec.from.includes(status)) {
      // Acting on a payment that does not exist is a bad request; on one in the wrong state, illegal.
      expect(run).toThrow(
        expect.objectContaining({ code: status === null ? 'VALIDATION' : 'ILLEGAL_TRANSITION' }) as Error,
      );
    } else {
      expect(run().to).toBe(spec.to);
    }
  });

  it('a refund of everything that remains makes the payment REFUNDED; more is refused', () => {
    const system: Actor = { kind: 'SYSTEM', process: 'test' };
    const ctx = { status: 'PARTIALLY_REFUNDED' as const, amountMinor: 7875, refundedMinor: 1000 };
    expect(decidePaymentTransition('refund', system, { ...ctx, refundAmountMinor: 6875 }).to).toBe('REFUNDED');
    expect(() => decidePaymentTransition('refund', system, { ...ctx, refundAmountMinor: 6876 })).toThrow(
      expect.objectContaining({ code: 'REFUND_EXCEEDS_REMAINING' }) as Error,
    );
  });
});

describe('payment machine: R27, a refund that failed after it counted', () => {
  const system: Actor = { kind: 'SYSTEM', process: 'test' };
  it('taking back the whole refunded amount returns the payment to PAID', () => {
    expect(
      decidePaymentTransition('refund_failed', system, {
        status: 'REFUNDED',
        amountMinor: 7875,
        refundedMinor: 7875,
        reversedAmountMinor: 7875,
      }).to,
    ).toBe('PAID');
  });
  it('more than was refunded cannot be taken back', () => {
    expect(() =>
      decidePaymentTransition('refund_failed', system, {
        status: 'PARTIALLY_REFUNDED',
        amountMinor: 7875,
        refundedMinor: 1000,
        reversedAmountMinor: 1001,
      }),
    ).toThrow(expect.objectContaining({ code: 'VALIDATION' }) as Error);
  });
});
