/**
 * R24/R27 arithmetic: what a payment can still give back. Refunds that succeeded are spent; open
 * requests (filed, approved, pending at Stripe) are reserved, so two of them can never add up to
 * more than was paid.
 */
export function remainingRefundable(
  payment: { amountMinor: number; refundedMinor: number },
  reservedMinor = 0,
): number {
  return payment.amountMinor - payment.refundedMinor - reservedMinor;
}

/** Where a refund request stands with its approvers (R24: someone other than the requester; two above the threshold). */
export interface ApprovalState {
  /** 2 above the four-eyes threshold (or when two approved), else 1. */
  approvalsNeeded: 1 | 2;
  /** Who must still approve, in words for the console; null when no approval is awaited. */
  awaiting: string | null;
}

export function approvalStateOf(
  request: {
    readonly status: string;
    readonly amountMinor: number;
    readonly secondApproverId: number | null;
  },
  fourEyesThresholdMinor: number,
): ApprovalState {
  switch (request.status) {
    case 'REQUESTED':
      return request.amountMinor > fourEyesThresholdMinor
        ? {
            approvalsNeeded: 2,
            awaiting:
              'Awaits two approvals from FINANCE or ADMIN staff other than the requester (above the four-eyes threshold)',
          }
        : { approvalsNeeded: 1, awaiting: 'Awaits approval from a FINANCE or ADMIN user other than the requester' };
    case 'AWAITING_SECOND_APPROVAL':
      return {
        approvalsNeeded: 2,
        awaiting: 'Awaits a second approval from another FINANCE or ADMIN (not the requester or the first approver)',
      };
    default:
      return { approvalsNeeded: request.secondApproverId !== null ? 2 : 1, awaiting: null };
  }
}
