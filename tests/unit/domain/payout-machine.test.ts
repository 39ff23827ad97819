import { describe, expect, it } from 'vitest';
import { TRANSITION_ROLES, type Actor, type TransitionRole } from '../../../src/main/domain/actors';
import {
  decidePayoutLineTransition,
  decidePayoutRunTransition,
  PAYOUT_LINE_ACTIONS,
  PAYOUT_LINE_STATUSES,
  PAYOUT_RUN_ACTIONS,
  PAYOUT_RUN_STATUSES,
  type PayoutLineAction,
  type PayoutLineStatus,
  type PayoutRunAction,
  type PayoutRunStatus,
} from '../../../src/main/domain/payout-machine';
import { payableEndedBy, planLine } from '../../../src/main/domain/payouts';

/** R43/R44 for runs, written out independently of the table. */
const RUN: Record<PayoutRunAction, { roles: TransitionRole[]; from: (PayoutRunStatus | null)[]; to: PayoutRunStatus }> =
  {
    create: { roles: ['finance', 'admin'], from: [null], to: 'DRAFT' },
    approve: { roles: ['finance', 'admin'], from: ['DRAFT'], to: 'APPROVED' },
    discard: { roles: ['finance', 'admin'], from: ['DRAFT'], to: 'DISCARDED' },
    send: { roles: ['finance', 'admin'], from: ['APPROVED'], to: 'SENDING' },
    // With one failed line of two (the context below): partly failed.
    finish: { roles: ['system'], from: ['SENDING'], to: 'PARTIALLY_FAILED' },
    retry: { roles: ['finance', 'admin'], from: ['PARTIALLY_FAILED'], to: 'SENDING' },
  };

const LINE: Record<PayoutLineAction, { roles: TransitionRole[]; from: PayoutLineStatus[]; to: PayoutLineStatus }> = {
  start: { roles: ['finance', 'admin', 'system'], from: ['READY'], to: 'SENDING' },
  succeed: { roles: ['system'], from: ['SENDING'], to: 'SENT' },
  fail: { roles: ['system'], from: ['SENDING'], to: 'FAILED' },
  retry: { roles: ['finance', 'admin'], from: ['FAILED'], to: 'SENDING' },
};

function actorFor(role: TransitionRole): Actor {
  if (role === 'admin') return { kind: 'STAFF', id: 1, role: 'ADMIN' };
  if (role === 'finance') return { kind: 'STAFF', id: 2, role: 'FINANCE' };
  if (role === 'support') return { kind: 'STAFF', id: 3, role: 'SUPPORT' };
  if (role === 'student') return { kind: 'STUDENT', id: 4 };
  if (role === 'teacher') return { kind: 'TEACHER', id: 5 };
  return { kind: 'SYSTEM', process: 'test' };
}

// Created by staff 9 (nobody here), one line ready and one failed, a reason given.
const context = (actor: Actor) => ({
  runId: 12,
  createdById: 9,
  actorStaffId: actor.kind === 'STAFF' ? actor.id : null,
  readyLines: 1,
  failedLines: 1,
  reason: 'duplicate of run 11',
});

describe('payout run machine: every (status, action, role)', () => {
  const cases = PAYOUT_RUN_ACTIONS.flatMap((action) =>
    [null, ...PAYOUT_RUN_STATUSES].flatMap((status) => TRANSITION_ROLES.map((role) => ({ action, status, role }))),
  );
  it.each(cases)('$action on $status by $role', ({ action, status, role }) => {
    const spec = RUN[action];
    const actor = actorFor(role);
    const run = () => decidePayoutRunTransition(action, actor, status, context(actor));
    if (!spec.roles.includes(role)) expect(run).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    else if (!spec.from.includes(status))
      expect(run).toThrow(
        expect.objectContaining({ code: status === null ? 'VALIDATION' : 'ILLEGAL_TRANSITION' }) as Error,
      );
    else expect(run().to).toBe(spec.to);
  });

  const finance = actorFor('finance');
  it('R43 four eyes: the creator cannot approve their own run', () => {
    expect(() =>
      decidePayoutRunTransition('approve', finance, 'DRAFT', {
        ...context(finance),
        createdById: finance.kind === 'STAFF' ? finance.id : 0,
      }),
    ).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringMatching(/four eyes/) as string }) as Error,
    );
  });
  it('a run whose every line is held cannot be approved; a discard needs a reason', () => {
    expect(() =>
      decidePayoutRunTransition('approve', finance, 'DRAFT', { ...context(finance), readyLines: 0 }),
    ).toThrow(/nothing to send/);
    expect(() => decidePayoutRunTransition('discard', finance, 'DRAFT', { ...context(finance), reason: ' ' })).toThrow(
      expect.objectContaining({ code: 'VALIDATION' }) as Error,
    );
  });
  it('finishing: SENT when no line failed, PARTIALLY_FAILED otherwise; a retry needs a failed line', () => {
    const system = actorFor('system');
    expect(decidePayoutRunTransition('finish', system, 'SENDING', { ...context(system), failedLines: 0 }).to).toBe(
      'SENT',
    );
    expect(() =>
      decidePayoutRunTransition('retry', finance, 'PARTIALLY_FAILED', { ...context(finance), failedLines: 0 }),
    ).toThrow(/nothing to retry/);
  });
});

describe('payout line machine: every (status, action, role)', () => {
  const cases = PAYOUT_LINE_ACTIONS.flatMap((action) =>
    PAYOUT_LINE_STATUSES.flatMap((status) => TRANSITION_ROLES.map((role) => ({ action, status, role }))),
  );
  it.each(cases)('$action on $status by $role', ({ action, status, role }) => {
    const spec = LINE[action];
    const run = () => decidePayoutLineTransition(action, actorFor(role), status, 3);
    if (!spec.roles.includes(role)) expect(run).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    else if (!spec.from.includes(status))
      expect(run).toThrow(expect.objectContaining({ code: 'ILLEGAL_TRANSITION' }) as Error);
    else expect(run().to).toBe(spec.to);
  });
});

describe('R42/R43: eligibility and the lines of a run', () => {
  it('the hold: sessions ended at least the hold before the cut-off are payable', () => {
    expect(payableEndedBy(new Date('2026-12-10T12:00:00Z'), 3)).toEqual(new Date('2026-12-07T12:00:00Z'));
    expect(payableEndedBy(new Date('2026-12-10T12:00:00Z'), 0)).toEqual(new Date('2026-12-10T12:00:00Z'));
  });

  const ready = { transfersActive: true };
  const sessions = [
    { bookingId: 1, shareMinor: 3000, refundedMinor: 953 },
    { bookingId: 2, shareMinor: 4000, refundedMinor: 0 },
  ];
  it('nets sessions, their refunded teacher parts and a carried debt', () => {
    expect(
      planLine(
        { teacherId: 5, connectedAccount: ready, sessions, owed: [{ refundRequestId: 8, amountMinor: 500 }] },
        1000,
      ),
    ).toEqual({
      teacherId: 5,
      sessionsMinor: 7000,
      refundsMinor: 953,
      carriedMinor: -500,
      netMinor: 5547,
      state: 'READY',
      heldReason: null,
    });
  });
  it('holds, with the reason: no account, an account not yet able to receive transfers, below the minimum, a debt larger than the pay', () => {
    const held = (candidate: Partial<Parameters<typeof planLine>[0]>, minimum = 1000) =>
      planLine({ teacherId: 5, connectedAccount: ready, sessions, owed: [], ...candidate }, minimum).heldReason;
    expect(held({ connectedAccount: null })).toMatch(/no connected Stripe account/);
    expect(held({ connectedAccount: { transfersActive: false } })).toMatch(/cannot receive transfers/);
    expect(held({}, 7000)).toMatch(/Below the minimum/);
    expect(held({ owed: [{ refundRequestId: 1, amountMinor: 9000 }] })).toMatch(/owes more/);
    expect(held({}, 6047)).toBeNull();
  });
});
