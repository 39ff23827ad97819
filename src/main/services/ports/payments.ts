import type { PaymentStatus } from '../../domain/states';
import type { NewLifecycleTransition } from './lifecycle';

export interface PaymentRecord {
  id: number;
  bookingId: number;
  amountMinor: number;
  currency: string;
  status: PaymentStatus;
  refundedMinor: number;
  stripePaymentIntentId: string | null;
  /** The key of the current attempt to create the intent (R22, R28). */
  idempotencyKey: string;
  intentAttempt: number;
  /** When the current attempt was sent; with no intent id recorded its answer was lost. */
  intentSentAt: Date | null;
  stripeStatus: string | null;
  stripeChargeId: string | null;
  lastError: string | null;
  paidAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/** What Stripe told us about a payment: never its status, which only a transition writes. */
export interface PaymentStripeFacts {
  stripePaymentIntentId?: string | null;
  idempotencyKey?: string;
  intentAttempt?: number;
  intentSentAt?: Date | null;
  stripeStatus?: string | null;
  stripeChargeId?: string | null;
  lastError?: string | null;
}

/** Fields a transition writes together with the new status. */
export interface PaymentTransitionChanges extends PaymentStripeFacts {
  refundedMinor?: number;
  paidAt?: Date | null;
  updatedAt: Date;
}

export interface PaymentAttemptRecord {
  id: number;
  paymentId: number;
  stripePaymentMethodId: string | null;
  status: string;
  errorCode: string | null;
  declineCode: string | null;
  message: string | null;
  idempotencyKey: string;
  createdAt: Date;
  completedAt: Date | null;
}

export interface SavedMethodRecord {
  id: number;
  studentId: number;
  stripePaymentMethodId: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  country: string | null;
  createdAt: Date;
}

export interface PaymentListQuery {
  statuses?: readonly PaymentStatus[] | undefined;
  /** Only intents waiting for the student's 3-D Secure (filtered before the page limit). */
  requiresAction?: boolean | undefined;
  /**
   * Part of the student's or teacher's name or email, a payment or booking id ("#12", "12"), or
   * part of a Stripe payment intent id ("pi_…"); filtered before the page limit.
   */
  search?: string | undefined;
  beforeId?: number | undefined;
  limit: number;
}

/** A payment as its student or teacher sees it, with the booking's quote and the card last used. */
export interface PartyPaymentRow extends PaymentRecord {
  studentId: number;
  teacherId: number;
  hourlyRateMinor: number;
  minutes: number;
  feeMinor: number;
  cardBrand: string | null;
  cardLast4: string | null;
}

/** A payment with whom it is for and how much of it is spent or spoken for (R24, R27), for lists that show context. */
export interface PaymentContext {
  paymentId: number;
  bookingId: number;
  currency: string;
  amountMinor: number;
  /** Refunds Stripe completed. */
  refundedMinor: number;
  /** Open refund requests (filed, approved, pending at Stripe): reserved until Stripe answers. */
  reservedMinor: number;
  studentId: number;
  studentName: string;
  teacherId: number;
  teacherName: string;
}

export interface NewPayment {
  bookingId: number;
  amountMinor: number;
  currency: string;
  idempotencyKey: string;
  status: PaymentStatus;
  createdAt: Date;
}

export interface PaymentStore {
  /** Locks the payment's row until the transaction ends and reads it as it is under the lock. */
  lock(paymentId: number): Promise<PaymentRecord | null>;
  findById(id: number): Promise<PaymentRecord | null>;
  findByIntentId(intentId: string): Promise<PaymentRecord | null>;
  forBooking(bookingId: number): Promise<PaymentRecord[]>;
  insert(input: NewPayment, transition: NewLifecycleTransition): Promise<PaymentRecord>;
  /** The only write of a payment's status: null when the payment is no longer at `expectedVersion`. */
  applyTransition(
    id: number,
    expectedVersion: number,
    to: PaymentStatus,
    changes: PaymentTransitionChanges,
    transition: NewLifecycleTransition,
  ): Promise<PaymentRecord | null>;
  /** Records what Stripe said (ids, its own status, the last error, the attempt's key); no status. */
  recordStripeFacts(id: number, facts: PaymentStripeFacts, at: Date): Promise<PaymentRecord>;
  list(query: PaymentListQuery): Promise<PaymentRecord[]>;
  listForParty(query: {
    studentId?: number | undefined;
    teacherId?: number | undefined;
    id?: number | undefined;
    beforeId?: number | undefined;
    limit: number;
  }): Promise<PartyPaymentRow[]>;
  /** Everything that went to Stripe (or was about to) and may still change or be contradicted there (R26, R29). */
  needingReconciliation(limit: number): Promise<PaymentRecord[]>;
  addAttempt(input: {
    paymentId: number;
    stripePaymentMethodId: string | null;
    idempotencyKey: string;
    createdAt: Date;
  }): Promise<PaymentAttemptRecord>;
  updateAttempt(
    id: number,
    patch: Partial<Omit<PaymentAttemptRecord, 'id' | 'paymentId' | 'idempotencyKey' | 'createdAt'>>,
  ): Promise<void>;
  attempts(paymentId: number): Promise<PaymentAttemptRecord[]>;
  saveMethod(input: Omit<SavedMethodRecord, 'id'>): Promise<SavedMethodRecord>;
  methods(studentId: number): Promise<SavedMethodRecord[]>;
  findMethod(stripePaymentMethodId: string): Promise<SavedMethodRecord | null>;
  /** Context of many payments at once, by payment id. */
  contexts(paymentIds: readonly number[]): Promise<Map<number, PaymentContext>>;
}
