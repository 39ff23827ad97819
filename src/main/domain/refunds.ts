import type { Actor } from './actors';
import { DomainError } from './errors';

/** R24 defaults. */
export const DEFAULT_FOUR_EYES_THRESHOLD_MINOR = 20_000; // $200.00

export function refundableMinor(payment: { amountMinor: number; refundedMinor: number }): number {
  return Math.max(0, payment.amountMinor - payment.refundedMinor);
}

export type RefundRequestStatus =
  'REQUESTED' | 'AWAITING_SECOND_APPROVAL' | 'APPROVED' | 'REJECTED' | 'SUCCEEDED' | 'FAILED';

export interface RefundRequestFacts {
  readonly id?: number | undefined;
  readonly status: RefundRequestStatus;
  readonly amountMinor: number;
  readonly requestedById: number;
  readonly firstApproverId: number | null;
}

/** R24: a request must be positive, must fit in what remains, and must carry a reason. */
export function validateRefundRequest(input: { amountMinor: number; reason: string; refundableMinor: number }): void {
  if (!Number.isSafeInteger(input.amountMinor) || input.amountMinor <= 0) {
    throw new DomainError(
      'VALIDATION',
      `The refund amount must be a positive whole number of minor units, got ${input.amountMinor}`,
    );
  }
  if (input.reason.trim().length === 0) {
    throw new DomainError('VALIDATION', 'A reason is required for a refund request');
  }
  if (input.amountMinor > input.refundableMinor) {
    throw new DomainError(
      'REFUND_EXCEEDS_REMAINING',
      `The refund of ${input.amountMinor} exceeds the ${input.refundableMinor} still refundable on this payment`,
      { refundableMinor: input.refundableMinor },
    );
  }
}

export interface ApprovalDecision {
  /** The request's next status: still waiting for a second approver, or approved for processing. */
  readonly status: 'AWAITING_SECOND_APPROVAL' | 'APPROVED';
  readonly slot: 'first' | 'second';
}

/**
 * R24: approved by someone other than the requester; above the threshold a second, different approver.
 * The role check (who may approve at all) is the permission matrix's job.
 */
export function decideRefundApproval(
  request: RefundRequestFacts,
  approver: Actor,
  fourEyesThresholdMinor: number,
): ApprovalDecision {
  if (approver.kind !== 'STAFF') throw new DomainError('FORBIDDEN', 'Only staff can approve refunds');
  const label = request.id === undefined ? 'This refund request' : `Refund request ${request.id}`;
  if (request.status !== 'REQUESTED' && request.status !== 'AWAITING_SECOND_APPROVAL') {
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${label} is ${request.status}; only requested refunds can be approved`,
      {
        status: request.status,
      },
    );
  }
  if (approver.id === request.requestedById) {
    throw new DomainError('FORBIDDEN', `${label} was filed by you; another staff member must approve it`);
  }
  const needsTwo = request.amountMinor > fourEyesThresholdMinor;
  if (request.status === 'REQUESTED') {
    return { status: needsTwo ? 'AWAITING_SECOND_APPROVAL' : 'APPROVED', slot: 'first' };
  }
  if (approver.id === request.firstApproverId) {
    throw new DomainError(
      'FORBIDDEN',
      `${label} needs a second approver other than you (four-eyes rule above the threshold)`,
    );
  }
  return { status: 'APPROVED', slot: 'second' };
}

export function decideRefundRejection(request: RefundRequestFacts, rejector: Actor, note: string): 'REJECTED' {
  if (rejector.kind !== 'STAFF') throw new DomainError('FORBIDDEN', 'Only staff can reject refunds');
  const label = request.id === undefined ? 'This refund request' : `Refund request ${request.id}`;
  if (request.status !== 'REQUESTED' && request.status !== 'AWAITING_SECOND_APPROVAL') {
    throw new DomainError(
      'ILLEGAL_TRANSITION',
      `${label} is ${request.status}; only requested refunds can be rejected`,
    );
  }
  if (rejector.id === request.requestedById) {
    throw new DomainError('FORBIDDEN', `${label} was filed by you; another staff member must decide on it`);
  }
  if (note.trim().length === 0) throw new DomainError('VALIDATION', 'A note is required to reject a refund request');
  return 'REJECTED';
}
