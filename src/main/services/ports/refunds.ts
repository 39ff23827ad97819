import type { RefundRequestStatus } from '../../domain/refund-machine';
import type { NewLifecycleTransition } from './lifecycle';

export interface RefundRequestRecord {
  id: number;
  paymentId: number;
  bookingId: number;
  amountMinor: number;
  currency: string;
  reason: string;
  status: RefundRequestStatus;
  requestedById: number;
  firstApproverId: number | null;
  secondApproverId: number | null;
  rejectedById: number | null;
  rejectNote: string | null;
  stripeRefundId: string | null;
  attempt: number;
  idempotencyKey: string;
  submittedAt: Date | null;
  failureMessage: string | null;
  failureReason: string | null;
  /** console (a staff request), cancel_paid (R18) */
  source: string;
  processedAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** Fields a refund-request transition writes with its new status. */
export interface RefundTransitionChanges {
  firstApproverId?: number | null;
  secondApproverId?: number | null;
  rejectedById?: number | null;
  rejectNote?: string | null;
  stripeRefundId?: string | null;
  attempt?: number;
  idempotencyKey?: string;
  submittedAt?: Date | null;
  failureMessage?: string | null;
  failureReason?: string | null;
  processedAt?: Date | null;
  updatedAt: Date;
}

export interface RefundListQuery {
  statuses?: readonly RefundRequestStatus[] | undefined;
  paymentId?: number | undefined;
  /** Requests about this student's or teacher's bookings. */
  studentId?: number | undefined;
  teacherId?: number | undefined;
  beforeId?: number | undefined;
  limit: number;
}

export interface RefundStore {
  lock(id: number): Promise<void>;
  find(id: number): Promise<RefundRequestRecord | null>;
  findByStripeId(stripeRefundId: string): Promise<RefundRequestRecord | null>;
  list(query: RefundListQuery): Promise<RefundRequestRecord[]>;
  /** The amount of a payment's open requests (filed, approved, pending at Stripe), `exceptId` aside. */
  reservedMinor(paymentId: number, exceptId?: number): Promise<number>;
  insert(
    input: Omit<
      RefundRequestRecord,
      | 'id'
      | 'version'
      | 'updatedAt'
      | 'processedAt'
      | 'stripeRefundId'
      | 'failureMessage'
      | 'failureReason'
      | 'firstApproverId'
      | 'secondApproverId'
      | 'rejectedById'
      | 'rejectNote'
      | 'attempt'
      | 'submittedAt'
      | 'idempotencyKey'
    >,
    transition: NewLifecycleTransition,
  ): Promise<RefundRequestRecord>;
  /** The only write of a request's status: null when it is no longer at `expectedVersion`. */
  applyTransition(
    id: number,
    expectedVersion: number,
    to: RefundRequestStatus,
    changes: RefundTransitionChanges,
    transition: NewLifecycleTransition,
  ): Promise<RefundRequestRecord | null>;
  /** Before an attempt is sent (R28): when, and the refund id once Stripe answered; no status. */
  recordSubmission(id: number, facts: { submittedAt?: Date; stripeRefundId?: string }): Promise<void>;
  /** Requests sent to Stripe whose outcome may still change there (APPROVED with a lost answer, PENDING, SUCCEEDED). */
  awaitingStripe(limit: number): Promise<RefundRequestRecord[]>;
}
