import { DomainError } from './errors';
import { divideRoundHalfUp } from './money';

/**
 * The double-entry ledger (R40, R41, R46). Every money movement posts lines that sum to zero per
 * currency, in integer minor units: a line's amount is positive for a debit and negative for a
 * credit. Accounts: the platform's funds at Stripe (an asset: debit-positive), what is owed to each
 * teacher (a liability: credit-negative), the platform's fees (revenue: credit-negative) and the
 * platform's part of refunds (a contra-revenue: debit-positive).
 */
export type LedgerAccount = 'stripe_balance' | 'platform_revenue' | 'refunds' | `teacher_payable:${number}`;

export const teacherPayable = (teacherId: number): LedgerAccount => `teacher_payable:${teacherId}`;

export interface LedgerLine {
  readonly account: LedgerAccount;
  readonly amountMinor: number;
}

export type LedgerEntryKind =
  'payment_succeeded' | 'refund_succeeded' | 'refund_failed' | 'payout_sent' | 'transfer_reversed';

export interface LedgerPosting {
  readonly kind: LedgerEntryKind;
  readonly currency: string;
  readonly lines: readonly LedgerLine[];
}

/** Throws unless the lines sum to zero (R46): a posting that does not balance is a bug, never written. */
export function assertBalanced(posting: LedgerPosting): LedgerPosting {
  const sum = posting.lines.reduce((total, line) => total + line.amountMinor, 0);
  if (sum !== 0 || posting.lines.some((line) => !Number.isSafeInteger(line.amountMinor)))
    throw new DomainError('VALIDATION', `A ${posting.kind} posting in ${posting.currency} does not balance (${sum})`);
  return posting;
}

export interface QuoteParts {
  readonly currency: string;
  readonly totalMinor: number;
  readonly baseMinor: number;
  readonly feeMinor: number;
}

/** R40: a payment succeeding — the platform holds the total; it owes the teacher the base; it earned the fee. */
export function paymentSucceeded(quote: QuoteParts, teacherId: number): LedgerPosting {
  return assertBalanced({
    kind: 'payment_succeeded',
    currency: quote.currency,
    lines: [
      { account: 'stripe_balance', amountMinor: quote.totalMinor },
      { account: teacherPayable(teacherId), amountMinor: -quote.baseMinor },
      { account: 'platform_revenue', amountMinor: -quote.feeMinor },
    ],
  });
}

/**
 * R41: a refund is split between teacher and platform in proportion to the quote,
 * teacherPart = roundHalfUp(refund × base / total). Rounding is applied once to the amount refunded
 * so far, and each refund takes the difference, so partial refunds always add up — a full refund
 * (one or many) takes back exactly the base and the fee.
 */
export function refundSplit(
  quote: QuoteParts,
  refundMinor: number,
  refundedBeforeMinor: number,
): { teacherPartMinor: number; platformPartMinor: number } {
  if (
    !Number.isSafeInteger(refundMinor) ||
    refundMinor <= 0 ||
    refundedBeforeMinor < 0 ||
    refundedBeforeMinor + refundMinor > quote.totalMinor
  )
    throw new DomainError(
      'VALIDATION',
      `A refund of ${refundMinor} after ${refundedBeforeMinor} does not fit a total of ${quote.totalMinor}`,
    );
  const teacherShare = (refunded: number) =>
    refunded === 0
      ? 0
      : divideRoundHalfUp(BigInt(refunded) * BigInt(quote.baseMinor), BigInt(quote.totalMinor), 'teacher part');
  const teacherPartMinor = teacherShare(refundedBeforeMinor + refundMinor) - teacherShare(refundedBeforeMinor);
  return { teacherPartMinor, platformPartMinor: refundMinor - teacherPartMinor };
}

/** R40/R41: a refund succeeding — the money leaves; the teacher's part comes off what they are owed. */
export function refundSucceeded(
  currency: string,
  teacherId: number,
  parts: { teacherPartMinor: number; platformPartMinor: number },
): LedgerPosting {
  return assertBalanced({
    kind: 'refund_succeeded',
    currency,
    lines: [
      { account: 'stripe_balance', amountMinor: -(parts.teacherPartMinor + parts.platformPartMinor) },
      { account: teacherPayable(teacherId), amountMinor: parts.teacherPartMinor },
      { account: 'refunds', amountMinor: parts.platformPartMinor },
    ],
  });
}

/** R27: a refund that had counted failed afterwards — exactly its lines, reversed. */
export function refundFailed(succeeded: LedgerPosting): LedgerPosting {
  return assertBalanced({
    kind: 'refund_failed',
    currency: succeeded.currency,
    lines: succeeded.lines.map((line) => ({ account: line.account, amountMinor: -line.amountMinor })),
  });
}

/** R44: a payout sent — the teacher is owed less, the platform holds less. */
export function payoutSent(currency: string, teacherId: number, amountMinor: number): LedgerPosting {
  return assertBalanced({
    kind: 'payout_sent',
    currency,
    lines: [
      { account: teacherPayable(teacherId), amountMinor },
      { account: 'stripe_balance', amountMinor: -amountMinor },
    ],
  });
}

/** R45: a transfer reversed — money comes back from the teacher's account to the platform. */
export function transferReversed(currency: string, teacherId: number, amountMinor: number): LedgerPosting {
  return assertBalanced({
    kind: 'transfer_reversed',
    currency,
    lines: [
      { account: 'stripe_balance', amountMinor },
      { account: teacherPayable(teacherId), amountMinor: -amountMinor },
    ],
  });
}

/** What an account's balance means in words: owed to a teacher is the credit side. */
export function naturalBalance(account: LedgerAccount, balanceMinor: number): number {
  // 0 - x, not -x: a settled balance reads 0, never -0.
  return account.startsWith('teacher_payable:') || account === 'platform_revenue' ? 0 - balanceMinor : balanceMinor;
}
