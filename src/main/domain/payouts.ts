import { DAY_MS } from './clock';

/** R42/R43 defaults: a session's share becomes payable 3 days after it ended; lines under 10.00 wait. */
export const DEFAULT_PAYOUT_HOLD_DAYS = 3;
export const DEFAULT_MINIMUM_PAYOUT_MAJOR = 10;

/** R42: sessions that ended at or before this instant are payable in a run with this cut-off. */
export function payableEndedBy(cutoff: Date, holdDays: number): Date {
  return new Date(cutoff.getTime() - holdDays * DAY_MS);
}

/** What one teacher has to be paid in a run, from the facts the services loaded. */
export interface PayoutCandidate {
  readonly teacherId: number;
  readonly connectedAccount: { readonly transfersActive: boolean } | null;
  /** Eligible, not yet paid-out sessions: the teacher's share and the part of it already refunded. */
  readonly sessions: readonly {
    readonly bookingId: number;
    readonly shareMinor: number;
    readonly refundedMinor: number;
  }[];
  /** Refunds of sessions already paid out that no transfer reversal recovered (a negative balance, R45). */
  readonly owed: readonly { readonly refundRequestId: number; readonly amountMinor: number }[];
}

export type PayoutLineState = 'READY' | 'HELD';

export interface PayoutLinePlan {
  readonly teacherId: number;
  readonly sessionsMinor: number;
  readonly refundsMinor: number;
  /** The balance carried in: what the teacher owes from refunds after earlier payouts (≤ 0). */
  readonly carriedMinor: number;
  readonly netMinor: number;
  readonly state: PayoutLineState;
  readonly heldReason: string | null;
}

/**
 * R43: one line per teacher netting their eligible sessions, the refunds on them and any balance
 * carried in. A line below the minimum, negative, or for a teacher without a connected account that
 * can receive transfers is HELD with the reason; its sessions and debts carry forward to later runs.
 */
export function planLine(candidate: PayoutCandidate, minimumMinor: number): PayoutLinePlan {
  const sessionsMinor = candidate.sessions.reduce((sum, session) => sum + session.shareMinor, 0);
  const refundsMinor = candidate.sessions.reduce((sum, session) => sum + session.refundedMinor, 0);
  const carriedMinor = -candidate.owed.reduce((sum, debt) => sum + debt.amountMinor, 0);
  const netMinor = sessionsMinor - refundsMinor + carriedMinor;
  const heldReason =
    candidate.connectedAccount === null
      ? 'The teacher has no connected Stripe account'
      : !candidate.connectedAccount.transfersActive
        ? 'The teacher’s Stripe account cannot receive transfers yet (onboarding not finished)'
        : netMinor < 0
          ? 'The teacher owes more from refunds after earlier payouts than this run would pay; carried forward'
          : netMinor < minimumMinor
            ? 'Below the minimum payout; carried forward'
            : null;
  return {
    teacherId: candidate.teacherId,
    sessionsMinor,
    refundsMinor,
    carriedMinor,
    netMinor,
    state: heldReason === null ? 'READY' : 'HELD',
    heldReason,
  };
}

/** A teacher's Stripe Connect account as the console names it (R44). */
export type TeacherPayoutStatus = 'not_connected' | 'onboarding' | 'ready';

/** No account: not connected; an account that cannot receive transfers yet: onboarding; else ready. */
export function payoutStatusOf(
  account: { readonly stripeAccountId: string | null; readonly transfersActive: boolean } | null,
): TeacherPayoutStatus {
  if (!account?.stripeAccountId) return 'not_connected';
  return account.transfersActive ? 'ready' : 'onboarding';
}
