import { describe, expect, it } from 'vitest';
import { TRANSITION_ROLES, type Actor, type TransitionRole } from '../../../src/main/domain/actors';
import {
  decideRefundTransition,
  REFUND_ACTIONS,
  REFUND_STATUSES,
  type RefundAction,
  type RefundContext,
  type RefundRequestStatus,
} from '../../../src/main/domain/refund-machine';

/**
 * R24, R27 and R18's refund request written out independently of the table; every
 * (status, action, role) is checked.
 */
type Status = RefundRequestStatus | null;
const EXPECTED: Record<
  RefundAction,
  { roles: TransitionRole[]; from: Status[]; to: (from: Status) => RefundRequestStatus; effects: string[] }
> = {
  request: { roles: ['support', 'finance', 'admin'], from: [null], to: () => 'REQUESTED', effects: [] },
  file_for_cancellation: { roles: ['admin'], from: [null], to: () => 'APPROVED', effects: ['submit_refund'] },
  // The happy context is below the four-eyes threshold: one approval suffices.
  approve: {
    roles: ['finance', 'admin'],
    from: ['REQUESTED', 'AWAITING_SECOND_APPROVAL'],
    to: () => 'APPROVED',
    effects: ['submit_refund'],
  },
  reject: {
    roles: ['finance', 'admin'],
    from: ['REQUESTED', 'AWAITING_SECOND_APPROVAL'],
    to: () => 'REJECTED',
    effects: [],
  },
  stripe_pending: { roles: ['system'], from: ['APPROVED'], to: () => 'PENDING', effects: [] },
  stripe_succeeded: { roles: ['system'], from: ['APPROVED', 'PENDING'], to: () => 'SUCCEEDED', effects: [] },
  stripe_failed: {
    roles: ['system'],
    from: ['APPROVED', 'PENDING', 'SUCCEEDED'],
    to: () => 'FAILED',
    effects: ['notify_staff'],
  },
  retry: { roles: ['finance', 'admin'], from: ['FAILED'], to: () => 'APPROVED', effects: ['submit_refund'] },
};

function actorFor(role: TransitionRole): Actor {
  if (role === 'admin') return { kind: 'STAFF', id: 1, role: 'ADMIN' };
  if (role === 'finance') return { kind: 'STAFF', id: 2, role: 'FINANCE' };
  if (role === 'support') return { kind: 'STAFF', id: 3, role: 'SUPPORT' };
  if (role === 'student') return { kind: 'STUDENT', id: 4 };
  if (role === 'teacher') return { kind: 'TEACHER', id: 5 };
  return { kind: 'SYSTEM', process: 'test' };
}

/** Every guard holds: requested by someone else (staff 9), within what remains, below the threshold. */
const happy = (actor: Actor): RefundContext => ({
  requestId: 5,
  amountMinor: 1000,
  refundableMinor: 5000,
  reason: 'teacher did not show up',
  requestedById: 9,
  firstApproverId: 8,
  actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
  fourEyesThresholdMinor: 20_000,
});

const cases = REFUND_ACTIONS.flatMap((action) =>
  [null, ...REFUND_STATUSES].flatMap((status) => TRANSITION_ROLES.map((role) => ({ action, status, role }))),
);

describe('refund-request machine: every (status, action, role)', () => {
  it('covers the whole product', () => {
    expect(cases).toHaveLength(REFUND_ACTIONS.length * (REFUND_STATUSES.length + 1) * TRANSITION_ROLES.length);
  });

  it.each(cases)('$action on $status by $role', ({ action, status, role }) => {
    const spec = EXPECTED[action];
    const actor = actorFor(role);
    const run = () => decideRefundTransition(action, actor, status, happy(actor));
    if (!spec.roles.includes(role)) {
      expect(run).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    } else if (!spec.from.includes(status)) {
      expect(run).toThrow(
        expect.objectContaining({ code: status === null ? 'VALIDATION' : 'ILLEGAL_TRANSITION' }) as Error,
      );
    } else {
      const decision = run();
      expect(decision.to).toBe(spec.to(status));
      expect(decision.effects.map((effect) => effect.type)).toEqual(spec.effects);
    }
  });
});

describe('refund-request guards (R24, R27)', () => {
  const finance = actorFor('finance');
  const base = happy(finance);

  it('the requester cannot approve or reject their own request', () => {
    const own = { ...base, requestedById: 2 };
    for (const action of ['approve', 'reject'] as const)
      expect(() => decideRefundTransition(action, finance, 'REQUESTED', own)).toThrow(
        expect.objectContaining({
          code: 'FORBIDDEN',
          message: expect.stringContaining('filed by you') as string,
        }) as Error,
      );
  });

  it('above the threshold a second, different approver is needed (four eyes)', () => {
    const big = { ...base, amountMinor: 20_001, refundableMinor: 30_000 };
    const first = decideRefundTransition('approve', finance, 'REQUESTED', big);
    expect(first.to).toBe('AWAITING_SECOND_APPROVAL');
    expect(first.effects).toEqual([]);
    expect(() =>
      decideRefundTransition('approve', finance, 'AWAITING_SECOND_APPROVAL', { ...big, firstApproverId: 2 }),
    ).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    const admin = actorFor('admin');
    expect(
      decideRefundTransition('approve', admin, 'AWAITING_SECOND_APPROVAL', {
        ...big,
        firstApproverId: 2,
        actorStaffId: 1,
      }).to,
    ).toBe('APPROVED');
  });

  it('exactly at the threshold one approver suffices', () => {
    expect(
      decideRefundTransition('approve', finance, 'REQUESTED', { ...base, amountMinor: 20_000, refundableMinor: 20_000 })
        .to,
    ).toBe('APPROVED');
  });

  it('a request needs a positive amount, a reason, and room in what remains (open requests reserved)', () => {
    const support = actorFor('support');
    const ctx = { ...happy(support), requestedById: 3 };
    expect(() => decideRefundTransition('request', support, null, { ...ctx, amountMinor: 0 })).toThrow(/positive/);
    expect(() => decideRefundTransition('request', support, null, { ...ctx, reason: '  ' })).toThrow(/reason/);
    expect(() => decideRefundTransition('request', support, null, { ...ctx, amountMinor: 5001 })).toThrow(
      expect.objectContaining({ code: 'REFUND_EXCEEDS_REMAINING' }) as Error,
    );
    expect(decideRefundTransition('request', support, null, { ...ctx, amountMinor: 5000 }).to).toBe('REQUESTED');
  });

  it('a rejection needs a note', () => {
    expect(() => decideRefundTransition('reject', finance, 'REQUESTED', { ...base, reason: '' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }) as Error,
    );
  });

  it('a retry is a new refund within what remains now', () => {
    expect(() => decideRefundTransition('retry', finance, 'FAILED', { ...base, refundableMinor: 999 })).toThrow(
      expect.objectContaining({ code: 'REFUND_EXCEEDS_REMAINING' }) as Error,
    );
  });
});
